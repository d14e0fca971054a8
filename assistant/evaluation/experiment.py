"""The gold-set study behind the report: each chunk size in its own temporary index, each mode, and
for the default settings the breakdowns that explain the figures (tags, follow-ups, fusion, misses).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..config import MODES, ChunkSettings, Settings
from ..embedding import Embedder
from ..fusion import rrf
from ..service import Assistant
from ..store import Snapshot
from .gold import DEFAULT_GOLD, TAGS, GoldQuestion, GoldSet, load_gold
from .harness import DEPTH, Asked, GoldFigures, ask_all, ranking_for, score, top_similarity
from .metrics import CALIBRATION_BETA, calibrate, ranking
from .qrels import ANSWER, answers_in, gold_qrels, ranked

CHUNK_SIZES = (96, 128, 192, 256)
OVERLAP_RATIO = 0.25  # the shipped default's 32 of 128, kept in proportion
BLEND_WEIGHTS = (0.3, 0.5, 0.7)  # weight of the dense score in a min-max normalised blend

Log = Callable[[str], None]


@dataclass(frozen=True)
class ConfigFigures:
    chunk: ChunkSettings
    chunks: int
    build_seconds: float
    by_mode: dict[str, GoldFigures]
    fusion: dict[str, dict[str, float]]  # fusion of the raw chunk rankings -> ranking metrics


@dataclass(frozen=True)
class Miss:
    id: str
    query: str  # as searched: a follow-up carries the previous question
    rank: int | None  # of the first result that holds the answer, None when not in the first 10


@dataclass(frozen=True)
class DefaultDetail:
    """Breakdowns for the default settings."""

    by_tag: dict[str, dict[str, dict[str, float]]]  # mode -> tag -> ranking metrics
    follow_ups: dict[str, dict[str, dict[str, float]]]  # mode -> "alone" | "with context" -> ranking metrics
    misses: list[Miss]  # default mode: answer not in the first 5
    similarity: dict[str, list[float]]  # "answerable" | "unanswerable" -> top similarity (default mode)
    quote_signal: dict[str, float]  # calibrated abstention on the quote's own similarity, for comparison


@dataclass(frozen=True)
class Study:
    default: ChunkSettings
    mode: str
    questions: int
    answerable: int
    configs: list[ConfigFigures]
    detail: DefaultDetail


def chunk_settings(sizes: Sequence[int], overlap_ratio: float = OVERLAP_RATIO) -> list[ChunkSettings]:
    return [ChunkSettings(max_tokens=size, overlap_tokens=round(size * overlap_ratio)) for size in sizes]


def run_study(
    sources_dir: Path,
    embedder: Embedder,
    chunkings: Sequence[ChunkSettings],
    modes: Sequence[str] = MODES,
    gold_path: Path = DEFAULT_GOLD,
    log: Log = print,
) -> Study:
    """Build one temporary index per chunking and score every mode; the default chunking is always included."""
    defaults = Settings()
    detail_mode = defaults.search.mode if defaults.search.mode in modes else modes[0]
    if defaults.chunk not in chunkings:
        chunkings = [*chunkings, defaults.chunk]
    configs: list[ConfigFigures] = []
    detail: DefaultDetail | None = None
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        for chunk in sorted(chunkings, key=lambda c: (c.max_tokens, c.overlap_tokens)):
            settings = replace(defaults, chunk=chunk)
            index_dir = Path(tmp) / f"index-{chunk.max_tokens}-{chunk.overlap_tokens}"
            assistant = Assistant(sources_dir=sources_dir, index_dir=index_dir, settings=settings, embedder=embedder)
            began = time.perf_counter()
            report = assistant.refresh()
            build_seconds = time.perf_counter() - began
            gold = load_gold(assistant.snapshot.documents, gold_path)
            asked = {}
            for mode in modes:
                log(
                    f"chunks of {chunk.max_tokens} (overlap {chunk.overlap_tokens}), {mode}: "
                    f"{len(gold.questions)} questions"
                )
                asked[mode] = ask_all(assistant, gold, mode)
            by_mode = {mode: score(asked[mode], gold, mode) for mode in modes}
            configs.append(ConfigFigures(chunk, report.chunks, build_seconds, by_mode, fusion_study(assistant, gold)))
            if chunk == defaults.chunk:
                detail = _detail(assistant, gold, asked, detail_mode)
    assert detail is not None  # the default chunking is always in the list
    return Study(defaults.chunk, detail_mode, len(gold.questions), len(gold.answerable), configs, detail)


def _detail(assistant: Assistant, gold: GoldSet, asked: dict[str, dict[str, Asked]], mode: str) -> DefaultDetail:
    answerable_ids = {q.id for q in gold.answerable}
    by_tag = {
        m: {
            tag: ranking_for(runs, gold, {q.id for q in gold.answerable if tag in q.tags})
            for tag in sorted(TAGS - {"unanswerable"})
        }
        for m, runs in asked.items()
    }
    follow_ids = {q.id for q in gold.follow_ups} & answerable_ids
    follow_ups = {}
    for m, runs in asked.items():
        alone = ask_all(assistant, gold, m, context=False, questions=[gold[qid] for qid in sorted(follow_ids)])
        follow_ups[m] = {
            "alone": ranking_for(alone, gold, follow_ids),
            "with context": ranking_for(runs, gold, follow_ids),
        }
    runs = asked[mode]
    misses = []
    for q in gold.answerable:
        ranks = [p.rank for p in runs[q.id].result.results if answers_in(p, q)]
        if not ranks or ranks[0] > 5:
            misses.append(Miss(q.id, runs[q.id].query, ranks[0] if ranks else None))
    tops = top_similarity(runs)
    similarity = {
        "answerable": sorted(s for qid, s in tops.items() if s is not None and qid in answerable_ids),
        "unanswerable": sorted(s for qid, s in tops.items() if s is not None and qid not in answerable_ids),
    }
    quote_tops = _quote_similarity(assistant, runs)
    quote = calibrate(quote_tops, {q.id: q.answerable for q in gold.questions})
    return DefaultDetail(
        by_tag=by_tag,
        follow_ups=follow_ups,
        misses=misses,
        similarity=similarity,
        quote_signal={
            "threshold": quote.threshold,
            "precision": quote.precision,
            "recall": quote.recall,
            "f": quote.f_beta(CALIBRATION_BETA),
        },
    )


def _quote_similarity(assistant: Assistant, runs: dict[str, Asked]) -> dict[str, float | None]:
    """Cosine between each question and its first result's quote: a candidate abstention signal."""
    ids = [qid for qid, a in runs.items() if a.result.results]
    queries = assistant.embedder.encode([runs[qid].query for qid in ids])
    quotes = assistant.embedder.encode([runs[qid].result.results[0].quote.text for qid in ids])
    found: dict[str, float | None] = dict.fromkeys(runs)
    found.update({qid: float(q @ v) for qid, q, v in zip(ids, queries, quotes, strict=True)})
    return found


def fusion_study(assistant: Assistant, gold: GoldSet) -> dict[str, dict[str, float]]:
    """Ranking metrics of the raw chunk rankings (before quotes and duplicate grouping) under each fusion.

    RRF with the configured k against a blend of min-max normalised dense and BM25 scores, on the same
    candidate lists, so the choice between them is measured rather than assumed.
    """
    snapshot, settings = assistant.snapshot, assistant.settings.search
    fused: dict[str, dict[str, list[int]]] = {}
    for question in gold.answerable:
        query = gold.query(question)
        vector = assistant.embedder.encode([query])[0]
        dense = snapshot.dense_search(vector, settings.candidates)
        sparse = snapshot.bm25_search(query, settings.candidates)
        rankings = {"dense": dense, "bm25": sparse, f"rrf k={settings.rrf_k}": rrf([dense, sparse], settings.rrf_k)}
        for weight in BLEND_WEIGHTS:
            rankings[f"blend {weight:.1f} dense"] = _blend(dense, sparse, weight)
        for name, hits in rankings.items():
            fused.setdefault(name, {})[question.id] = [row for row, _ in hits]
    qrels = gold_qrels(gold)
    return {
        name: ranking(qrels, {qid: _chunk_run(rows, snapshot, gold[qid]) for qid, rows in runs.items()})
        for name, runs in fused.items()
    }


def _blend(dense: list[tuple[int, float]], sparse: list[tuple[int, float]], weight: float) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for run, w in ((dense, weight), (sparse, 1.0 - weight)):
        if not run:
            continue
        values = np.array([s for _, s in run])
        low, span = values.min(), float(np.ptp(values)) or 1.0
        for row, s in run:
            scores[row] = scores.get(row, 0.0) + w * (s - low) / span
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _chunk_run(rows: list[int], snapshot: Snapshot, question: GoldQuestion) -> dict[str, float]:
    chunks = [snapshot.chunks[row] for row in rows[:DEPTH]]
    return ranked(ANSWER if question.answered_by(c.source_id, c.start, c.end) else c.id for c in chunks)
