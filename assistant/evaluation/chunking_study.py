"""Chunking study: token windows against paragraphs (alone or packed) as the unit, on SQuAD (both halves) and on the gold set.

Each chunking gets its own temporary index; every answerable question is searched once (hybrid, the default
settings otherwise) and judged three ways:

- passage hit@1/5: an answer span overlaps one of the first k passages (a bigger chunk overlaps more easily);
- paragraph hit@1/5: paragraphs ranked by their best chunk (a paragraph scores the rank of the first passage
  that overlaps it), so chunkings of any size are judged on the same units;
- quote hit@1: the first passage's quote holds the answer (SQuAD: a whole span; gold: overlaps one).

``python -m assistant eval --chunking --squad FILE [--limit N]`` writes ``eval/chunking.md``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import ChunkSettings, Settings
from ..embedding import Embedder
from ..service import Assistant
from ..store.files import FileStore
from ..types import Document, Passage, SearchResult
from .gold import DEFAULT_GOLD, GoldQuestion, load_gold
from .harness import Log
from .qrels import answers_in, quote_answers
from .squad import HALVES, contains_answer, load_squad, write_corpus
from .tables import markdown_table

DEPTH = 5  # passages asked: hit@5 needs no more, and each passage's quote costs sentence embeddings
CHUNKINGS = (
    ("windows of 128 (32)", ChunkSettings(max_tokens=128, overlap_tokens=32)),
    ("paragraphs, long ones in windows of 128 (32)", ChunkSettings(max_tokens=128, overlap_tokens=32, unit="paragraph")),
    ("whole paragraphs packed to 128 (32)", ChunkSettings(max_tokens=128, overlap_tokens=32, unit="packed")),
    ("whole paragraphs packed to 256 (64)", ChunkSettings(max_tokens=256, overlap_tokens=64, unit="packed")),
)


@dataclass(frozen=True)
class ChunkingFigures:
    corpus: str  # "SQuAD tune", "SQuAD held-out", "gold"
    chunking: str
    chunks: int
    questions: int
    passage_hit_1: float
    passage_hit_5: float
    paragraph_hit_1: float
    paragraph_hit_5: float
    quote_hit_1: float


def run_chunking_study(
    squad_path: Path, sources: Path, embedder: Embedder, limit: int | None, log: Log, gold_path: Path = DEFAULT_GOLD
) -> list[ChunkingFigures]:
    """Every chunking of ``CHUNKINGS`` on both SQuAD halves (answerable questions) and on the gold set."""
    squad = load_squad(squad_path)
    figures = []
    with tempfile.TemporaryDirectory(prefix="assistant-chunking-") as tmp:
        write_corpus(squad, Path(tmp) / "squad")
        for n, (label, chunk) in enumerate(CHUNKINGS):
            assistant = _indexed(Path(tmp) / "squad", Path(tmp) / f"squad-{n}", embedder, chunk)
            for half in HALVES:
                questions = [q for q in squad.questions(half, limit) if q.answerable]
                log(f"{label}: SQuAD {half}, {len(questions)} questions")
                figures.append(_score(assistant, f"SQuAD {half}", label, questions, whole_span=True))
            assistant = _indexed(sources, Path(tmp) / f"gold-{n}", embedder, chunk)
            questions = [q for q in load_gold(assistant.snapshot.documents, gold_path).answerable if q.previous is None]
            log(f"{label}: gold, {len(questions)} questions")
            figures.append(_score(assistant, "gold", label, questions, whole_span=False))
    return figures


def _indexed(sources: Path, index: Path, embedder: Embedder, chunk: ChunkSettings) -> Assistant:
    # The per-file time limit guards the app against hostile files; on a loaded machine it could skip an article.
    defaults = Settings()
    settings = replace(defaults, chunk=chunk, sources=replace(defaults.sources, seconds_per_file=3600))
    assistant = Assistant(sources_dir=sources, settings=settings, embedder=embedder, store=FileStore(index, dense=settings.dense))
    assistant.refresh()
    return assistant


def _score(
    assistant: Assistant, corpus: str, label: str, questions: Sequence[GoldQuestion], *, whole_span: bool
) -> ChunkingFigures:
    documents = assistant.snapshot.documents
    results = {q.id: assistant.search(q.question, k=DEPTH) for q in questions}

    def share(hit: Callable[[GoldQuestion, SearchResult], bool]) -> float:
        return sum(hit(q, results[q.id]) for q in questions) / len(questions) if questions else 0.0

    def quote_hit(q: GoldQuestion, r: SearchResult) -> bool:
        if not r.results:
            return False
        first = r.results[0]
        if not whole_span:
            return quote_answers(first, q)
        quotes = [(first.source.id, first.quote), *((o.source.id, o.quote) for o in first.also_in)]
        return any(contains_answer(q, source, quote.start, quote.end) for source, quote in quotes)

    return ChunkingFigures(
        corpus=corpus,
        chunking=label,
        chunks=len(assistant.snapshot.chunks),
        questions=len(questions),
        passage_hit_1=share(lambda q, r: any(answers_in(p, q) for p in r.results[:1])),
        passage_hit_5=share(lambda q, r: any(answers_in(p, q) for p in r.results[:5])),
        paragraph_hit_1=share(lambda q, r: _paragraph_hit(q, r.results, documents, 1)),
        paragraph_hit_5=share(lambda q, r: _paragraph_hit(q, r.results, documents, 5)),
        quote_hit_1=share(quote_hit),
    )


def _paragraph_hit(question: GoldQuestion, passages: Sequence[Passage], documents: dict[str, Document], k: int) -> bool:
    """An answer's paragraph is among the first ``k`` paragraphs, each ranked by the best passage overlapping it.

    Of a passage's paragraphs, the one holding its quote comes first (the one the product points the reader
    to), the others follow in reading order: a window over several short paragraphs is not judged by
    whichever of them happens to open it."""
    answer_paragraphs = {(a.source_id, documents[a.source_id].paragraph_at(a.start)) for a in question.answers}
    ranked: list[tuple[str, int | None]] = []
    for p in passages:
        doc = documents[p.source.id]
        first, last = doc.paragraph_at(p.start), doc.paragraph_at(max(p.start, p.end - 1))
        quoted = doc.paragraph_at(p.quote.start) or 1
        for number in (quoted, *range(first or 1, (last or 1) + 1)):
            if (p.source.id, number) not in ranked:
                ranked.append((p.source.id, number))
    return bool(answer_paragraphs & set(ranked[:k]))


def render_chunking(figures: Sequence[ChunkingFigures], command: str, load: str) -> str:
    """``eval/chunking.md``: one table, the command that made it and the machine's load."""
    rows = [
        (f.corpus, f.chunking, f.chunks, f.questions, f.passage_hit_1, f.passage_hit_5, f.paragraph_hit_1,
         f.paragraph_hit_5, f.quote_hit_1)
        for f in figures
    ]  # fmt: skip
    headers = ["corpus", "chunking", "chunks", "questions", "passage hit@1", "hit@5", "paragraph hit@1", "hit@5",
               "quote hit@1"]  # fmt: skip
    return "\n".join(
        [
            "# Chunking: token windows against paragraphs, alone or packed",
            "",
            f"Made by `{command}` (all-MiniLM-L6-v2, hybrid, the default settings but the chunking; load average "
            f"{load}). Answerable questions only: SQuAD's per half (articles alternate between the halves), and the "
            "gold set's self-contained ones.",
            "",
            "- passage hit@k: an answer span overlaps one of the first k passages;",
            "- paragraph hit@k: paragraphs ranked by their best passage (the first that overlaps them), an answer's "
            "paragraph among the first k: the same units whatever the chunk size;",
            "- quote hit@1: the first passage's quote holds a whole answer span (SQuAD) or overlaps one (gold).",
            "",
            markdown_table(headers, rows),
            "",
        ]
    )
