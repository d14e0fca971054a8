"""Score the SQuAD tuning set through the gold harness: passages, the quote against a plain baseline, abstention.

``python -m assistant eval --squad FILE [--limit N]`` builds the corpus and a temporary index, asks each
half's questions (all, or a deterministic sample of N per half) and writes ``eval/squad.md``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embedding import Embedder
from ..quoting import sentences_in
from ..service import Assistant
from ..types import Document, Passage
from .gold import GoldQuestion
from .harness import Asked, Log, ask_all
from .qrels import answers_in
from .squad import HALVES, SquadSet, check_corpus, contains_answer, load_squad, write_corpus
from .tables import markdown_table

PASSAGES = 5  # passage hit@5, and what the app shows


@dataclass(frozen=True)
class SquadFigures:
    half: str
    questions: int
    answerable: int
    passage_hit_1: float
    passage_hit_5: float
    quote_hit_1: float  # the rank-1 quote holds a whole answer span
    baseline_quote_hit_1: float  # the rank-1 passage's sentence with the highest cosine does
    abstain_precision: float  # of the questions judged "nothing answers", the share that are is_impossible
    abstain_recall: float  # of the is_impossible questions, the share judged "nothing answers"
    abstained: int
    hidden: int  # answerable questions judged "nothing answers"


def run_squad(path: Path, embedder: Embedder, limit: int | None, log: Log) -> list[SquadFigures]:
    """Index the articles in a temporary folder and score each half."""
    squad = load_squad(path)
    with tempfile.TemporaryDirectory(prefix="assistant-squad-") as tmp:
        write_corpus(squad, Path(tmp) / "sources")
        assistant = Assistant(sources_dir=Path(tmp) / "sources", index_dir=Path(tmp) / "index", embedder=embedder)
        assistant.refresh()
        return [score_half(assistant, squad, half, limit, log) for half in HALVES]


def score_half(assistant: Assistant, squad: SquadSet, half: str, limit: int | None, log: Log) -> SquadFigures:
    questions = squad.questions(half, limit)
    documents = assistant.snapshot.documents
    check_corpus(squad, documents, questions)
    log(f"SQuAD {half}: {len(questions)} questions")
    asked = ask_all(assistant, squad.gold, "hybrid", k=PASSAGES, questions=questions)
    baseline = _baseline_quotes(assistant.embedder, documents, asked)
    answerable = [q for q in questions if q.answerable]
    firsts = {q.id: asked[q.id].result.results[:1] for q in questions}
    abstained = {q.id for q in questions if not asked[q.id].result.answered}  # the facade's verdict (answerability.py)
    impossible = {q.id for q in questions if not q.answerable}
    return SquadFigures(
        half=half,
        questions=len(questions),
        answerable=len(answerable),
        passage_hit_1=share(answerable, lambda q: any(answers_in(p, q) for p in firsts[q.id])),
        passage_hit_5=share(answerable, lambda q: any(answers_in(p, q) for p in asked[q.id].result.results)),
        quote_hit_1=share(answerable, lambda q: any(quote_holds(p, q) for p in firsts[q.id])),
        baseline_quote_hit_1=share(answerable, lambda q: q.id in baseline and contains_answer(q, *baseline[q.id])),
        abstain_precision=len(abstained & impossible) / len(abstained) if abstained else 1.0,
        abstain_recall=len(abstained & impossible) / len(impossible) if impossible else 1.0,
        abstained=len(abstained),
        hidden=len(abstained - impossible),
    )


def share(questions: Sequence[GoldQuestion], hit: Callable[[GoldQuestion], bool]) -> float:
    return sum(1 for q in questions if hit(q)) / len(questions) if questions else 0.0


def quote_holds(passage: Passage, question: GoldQuestion) -> bool:
    quotes = [(passage.source.id, passage.quote), *((o.source.id, o.quote) for o in passage.also_in)]
    return any(contains_answer(question, source, q.start, q.end) for source, q in quotes)


def _baseline_quotes(
    embedder: Embedder, documents: Mapping[str, Document], asked: Mapping[str, Asked]
) -> dict[str, tuple[str, int, int]]:
    """For each question, the rank-1 passage's sentence with the highest cosine to the question."""
    tops = {qid: a.result.results[0] for qid, a in asked.items() if a.result.results}
    spans = {qid: sentences_in(documents[p.source.id], p.start, p.end) for qid, p in tops.items()}
    keys = sorted({(tops[qid].source.id, s, e) for qid, found in spans.items() for s, e in found})
    vectors = dict(zip(keys, embedder.encode([documents[d].text[s:e] for d, s, e in keys]), strict=True))
    queries = dict(zip(tops, embedder.encode([asked[qid].query for qid in tops]), strict=True))
    chosen = {}
    for qid, found in spans.items():
        source = tops[qid].source.id
        cosines = [float(vectors[(source, s, e)] @ queries[qid]) for s, e in found]
        s, e = found[int(np.argmax(cosines))]
        chosen[qid] = (source, s, e)
    return chosen


def render_squad(figures: Sequence[SquadFigures], path: Path, limit: int | None) -> str:
    """``eval/squad.md``: the figures per half, with the command that made them."""
    sample = f" --limit {limit}" if limit is not None else ""
    rows = [
        (
            f.half,
            f.questions,
            f.answerable,
            f.passage_hit_1,
            f.passage_hit_5,
            f.quote_hit_1,
            f.baseline_quote_hit_1,
            f.abstain_precision,
            f.abstain_recall,
            f"{f.abstained} ({f.hidden})",
        )
        for f in figures
    ]
    headers = ["half", "questions", "answerable", "passage hit@1", "hit@5", "quote hit@1", "baseline quote",
               "abst. P", "abst. R", "abstained (answerable)"]
    return "\n".join(
        [
            "# SQuAD 2.0: held-out figures",
            "",
            f"Made by `python -m assistant eval --squad {path.name}{sample}` (the file: "
            f"`{path}`). Articles alternate between the halves; the rules were tuned on the first half only. "
            + ("All questions of each half." if limit is None else f"A deterministic sample of {limit} questions per "
               "half (the first by SHA-256 of the question id)."),
            "",
            "- passage hit@k: an answer span overlaps one of the first k passages;",
            "- quote hit@1: the first passage's quote holds a whole answer span; the baseline is that passage's "
            "sentence with the highest cosine to the question;",
            "- abstention: \"nothing answers\" (assistant/answerability.py, `SearchResult.answered`) on the `is_impossible` questions: "
            "precision over all abstentions, recall over the impossible ones; in brackets, answerable questions hidden.",
            "",
            markdown_table(headers, rows),
            "",
        ]
    )
