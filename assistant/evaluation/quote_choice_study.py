"""Compare the quote choices (``SearchSettings.quote_choice``) through the product, over one index per corpus and chunking.

``python -m assistant.evaluation.quote_choice_study --squad FILE [--limit N] [--work DIR] [--unit U --max-tokens N
--overlap N]`` asks each SQuAD half's questions (all, or the deterministic ``--limit N`` sample ``eval --squad``
draws) and the gold set's once per choice, and prints passage hit@1 / hit@5 / quote hit@1 per half over the
answerable ones (as eval/squad.md counts them: ``squad_run``) and the gold set's R@1 / R@5 / quote accuracy (as
eval/report.md counts them: ``harness``), each beside "nothing answers" (impossible questions caught, answerable
ones hidden), one markdown row per choice. The chunking options (``ChunkSettings``) measure another unit through
the same path; each chunking gets its own index under ``--work``. The choice's coefficients were fitted on the
tuning half only (sentence_training.py): the held-out half and the gold set are what judge it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import CHUNK_UNITS, QUOTE_CHOICES, ChunkSettings, SearchSettings, Settings
from ..embedding import Embedder, SentenceTransformerEmbedder
from ..errors import AssistantError
from ..service import Assistant, default_sources_dir
from .gold import DEFAULT_GOLD, GoldQuestion, load_gold
from .harness import Log, ask_all, score
from .qrels import answers_in
from .squad import HALVES, load_squad, write_corpus
from .squad_run import PASSAGES, quote_holds, share



@dataclass(frozen=True)
class Row:
    """One corpus's figures: the passages and quote over the answerable questions, and the verdict."""

    hit_1: float
    hit_5: float
    quote: float
    caught: int  # unanswerable questions told that nothing answers
    unanswerable: int
    hidden: int  # answerable questions told that nothing answers

    def cells(self) -> list[str]:
        return [f"{self.hit_1:.3f} / {self.hit_5:.3f} / {self.quote:.3f}", f"{self.caught}/{self.unanswerable} ({self.hidden})"]


def squad_row(assistant: Assistant, questions: Sequence[GoldQuestion], log: Log) -> Row:
    """Passage hit@1, hit@5 and quote hit@1 of ``questions``' answerable ones through ``assistant``, and the
    verdict (``SearchResult.answered``) on all of them."""
    results = {}
    for n, question in enumerate(questions, start=1):
        results[question.id] = assistant.search(question.question, k=PASSAGES)
        if n % 200 == 0:
            log(f"  {n} of {len(questions)}")
    answerable = [q for q in questions if q.answerable]
    abstained = {q.id for q in questions if not results[q.id].answered}
    return Row(
        share(answerable, lambda q: any(answers_in(p, q) for p in results[q.id].results[:1])),
        share(answerable, lambda q: any(answers_in(p, q) for p in results[q.id].results)),
        share(answerable, lambda q: any(quote_holds(p, q) for p in results[q.id].results[:1])),
        sum(1 for q in questions if not q.answerable and q.id in abstained),
        len(questions) - len(answerable),
        sum(1 for q in answerable if q.id in abstained),
    )


def compare(
    squad_file: Path,
    gold_file: Path,
    sources: Path,
    work: Path,
    limit: int | None,
    choices: Sequence[str],
    log: Log,
    chunk: ChunkSettings | None = None,
    learned_weight: float = 0.0,
) -> list[str]:
    """One markdown row per choice: SQuAD tune and held-out, then the gold set, each chunked by ``chunk`` (default:
    the shipped chunking), the rerank weighing the learned score by ``learned_weight``."""
    embedder = SentenceTransformerEmbedder(Settings().model)
    embedder.count_tokens("")  # the model loaded now, not inside the first article's time limit
    squad = load_squad(squad_file)
    write_corpus(squad, work / "squad" / "sources")
    if not (work / "gold" / "sources").exists():
        shutil.copytree(sources, work / "gold" / "sources")
    defaults = Settings()
    chunk = chunk or defaults.chunk
    # The per-file time limit guards the app against hostile files; on a loaded machine it could skip an article.
    base = replace(defaults, chunk=chunk, sources=replace(defaults.sources, seconds_per_file=3600))
    rows = []
    for choice in choices:
        settings = replace(base, search=replace(SearchSettings(), quote_choice=choice, learned_weight=learned_weight))
        cells = []
        for half in HALVES:
            assistant = _opened(work / "squad", settings, embedder)
            questions = squad.questions(half, limit)
            log(f"{choice}: SQuAD {half}, {len(questions)} questions")
            cells += squad_row(assistant, questions, log).cells()
        assistant = _opened(work / "gold", settings, embedder)
        gold = load_gold(assistant.snapshot.documents, gold_file)
        log(f"{choice}: gold set")
        found = score(ask_all(assistant, gold, "hybrid"), gold, "hybrid", settings.answer.abstain_below)
        verdict = found.abstention
        caught = round(verdict.recall * verdict.unanswerable)
        cells += Row(
            found.ranking["recall@1"], found.ranking["recall@5"], found.quote_accuracy, caught, verdict.unanswerable, verdict.hidden
        ).cells()
        rows.append(f"| {choice} | {chunk_name(chunk)} | {learned_weight:g} | " + " | ".join(cells) + " |")
    return rows


def chunk_name(chunk: ChunkSettings) -> str:
    """The chunking as a row and an index folder name it: "window-128-32"."""
    return f"{chunk.unit}-{chunk.max_tokens}-{chunk.overlap_tokens}"


def _opened(folder: Path, settings: Settings, embedder: Embedder) -> Assistant:
    index = folder / f"index-{chunk_name(settings.chunk)}"
    assistant = Assistant(sources_dir=folder / "sources", index_dir=index, settings=settings, embedder=embedder)
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
    shipped = ChunkSettings()
    parser.add_argument("--unit", choices=CHUNK_UNITS, default=shipped.unit, help=f"chunk unit (default {shipped.unit})")
    parser.add_argument("--max-tokens", type=int, default=shipped.max_tokens, help=f"chunk size (default {shipped.max_tokens})")
    parser.add_argument("--overlap", type=int, default=shipped.overlap_tokens, help=f"chunk overlap (default {shipped.overlap_tokens})")
    parser.add_argument(
        "--learned-weight", type=float, default=SearchSettings().learned_weight, metavar="A",
        help="the rerank's weight on the passage's best learned sentence score (SearchSettings.learned_weight)",
    )
    args = parser.parse_args(argv)
    log: Log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    try:
        chunk = ChunkSettings(max_tokens=args.max_tokens, overlap_tokens=args.overlap, unit=args.unit)
        with tempfile.TemporaryDirectory(prefix="assistant-quote-choice-") as tmp:
            rows = compare(
                args.squad, args.gold, args.sources, args.work or Path(tmp), args.limit, args.choice or QUOTE_CHOICES, log,
                chunk, args.learned_weight,
            )
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    corpora = ("SQuAD tune", "SQuAD held-out", "gold")
    heads = [head for corpus in corpora for head in (f"{corpus} p@1 / p@5 / quote", f"{corpus} caught (hidden)")]
    print("| quote choice | chunking | learned weight | " + " | ".join(heads) + " |")
    print("|---" * (3 + len(heads)) + "|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
