"""Compare the quote choices (``SearchSettings.quote_choice``) through the product, over one index per corpus.

``python -m assistant.evaluation.quote_choice_study --squad FILE [--limit N] [--work DIR]`` asks each SQuAD half's
answerable questions (all, or those of the deterministic ``--limit N`` sample ``eval --squad`` draws) and the gold
set's once per choice, and prints passage hit@1 / hit@5 / quote hit@1 per half (as eval/squad.md counts them:
``squad_run``) and the gold set's R@1 / R@5 / quote accuracy (as eval/report.md counts them: ``harness``), one
markdown row per choice. The choice's coefficients were fitted on the tuning half only (sentence_training.py):
the held-out half and the gold set are what judge it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from ..config import QUOTE_CHOICES, SearchSettings, Settings
from ..embedding import Embedder, SentenceTransformerEmbedder
from ..errors import AssistantError
from ..service import Assistant, default_sources_dir
from .gold import DEFAULT_GOLD, GoldQuestion, load_gold
from .harness import ask_all, score
from .qrels import answers_in
from .squad import HALVES, load_squad, write_corpus
from .squad_run import PASSAGES, quote_holds, share

Log = Callable[[str], None]


def squad_row(assistant: Assistant, questions: Sequence[GoldQuestion], log: Log) -> tuple[float, float, float]:
    """Passage hit@1, hit@5 and quote hit@1 of ``questions`` (answerable ones) through ``assistant``."""
    results = {}
    for n, question in enumerate(questions, start=1):
        results[question.id] = assistant.search(question.question, k=PASSAGES).results
        if n % 200 == 0:
            log(f"  {n} of {len(questions)}")
    return (
        share(questions, lambda q: any(answers_in(p, q) for p in results[q.id][:1])),
        share(questions, lambda q: any(answers_in(p, q) for p in results[q.id])),
        share(questions, lambda q: any(quote_holds(p, q) for p in results[q.id][:1])),
    )


def compare(squad_file: Path, gold_file: Path, sources: Path, work: Path, limit: int | None, choices: Sequence[str], log: Log) -> list[str]:
    """One markdown row per choice: SQuAD tune and held-out, then the gold set."""
    embedder = SentenceTransformerEmbedder(Settings().model)
    squad = load_squad(squad_file)
    write_corpus(squad, work / "squad" / "sources")
    if not (work / "gold" / "sources").exists():
        shutil.copytree(sources, work / "gold" / "sources")
    rows = []
    for choice in choices:
        settings = Settings(search=replace(SearchSettings(), quote_choice=choice))
        figures = []
        for half in HALVES:
            assistant = _opened(work / "squad", settings, embedder)
            questions = [q for q in squad.questions(half, limit) if q.answerable]
            log(f"{choice}: SQuAD {half}, {len(questions)} answerable questions")
            figures.append(" / ".join(f"{f:.3f}" for f in squad_row(assistant, questions, log)))
        assistant = _opened(work / "gold", settings, embedder)
        gold = load_gold(assistant.snapshot.documents, gold_file)
        log(f"{choice}: gold set")
        found = score(ask_all(assistant, gold, "hybrid"), gold, "hybrid")
        figures.append(f"{found.ranking['recall@1']:.3f} / {found.ranking['recall@5']:.3f} / {found.quote_accuracy:.3f}")
        rows.append(f"| {choice} | " + " | ".join(figures) + " |")
    return rows


def _opened(folder: Path, settings: Settings, embedder: Embedder) -> Assistant:
    assistant = Assistant(sources_dir=folder / "sources", index_dir=folder / "index", settings=settings, embedder=embedder)
    assistant.refresh()
    return assistant


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.evaluation.quote_choice_study", description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, required=True, metavar="FILE", help="the SQuAD 2.0 tuning file")
    parser.add_argument("--limit", type=int, metavar="N", help="the sample of N questions per half eval --squad draws (default all)")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold questions (default eval/gold.toml)")
    parser.add_argument("--sources", type=Path, default=default_sources_dir(), help="the gold set's sources (default sources/)")
    parser.add_argument("--work", type=Path, metavar="DIR", help="index both corpora here and reuse them (default: a temporary folder)")
    parser.add_argument("--choice", action="append", choices=QUOTE_CHOICES, help="choices to compare (default all)")
    args = parser.parse_args(argv)
    log: Log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    try:
        with tempfile.TemporaryDirectory(prefix="assistant-quote-choice-") as tmp:
            rows = compare(args.squad, args.gold, args.sources, args.work or Path(tmp), args.limit, args.choice or QUOTE_CHOICES, log)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("| quote choice | SQuAD tune p@1 / p@5 / quote | SQuAD held-out p@1 / p@5 / quote | gold R@1 / R@5 / quote |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
