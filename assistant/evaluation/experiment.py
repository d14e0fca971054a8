"""The gold-set study behind the report: each chunk size in its own temporary index, each ranking
(dense, BM25, and hybrid under each fusion), and for the default settings the breakdowns that explain
the figures (tags, follow-ups, fusion, quote choice, misses).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..config import FUSIONS, MODES, ChunkSettings, SearchSettings, Settings
from ..embedding import Embedder
from ..fusion import blend, rrf
from ..quoting import LEXICAL_WEIGHT, choose_quote, sentences_in
from ..service import Assistant
from ..store import Snapshot
from ..store.files import FileStore
from ..types import ABSTENTION_WITHIN
from .gold import DEFAULT_GOLD, TAGS, GoldQuestion, GoldSet, load_gold
from .harness import DEPTH, Asked, GoldFigures, Log, ask_all, best_similarity, ranking_for, score
from .metrics import CALIBRATION_BETA, Abstention, calibrate, ranking
from .qrels import ANSWER, answers_in, gold_qrels, ranked

CHUNK_SIZES = (96, 128, 192, 256)
OVERLAP_RATIO = 0.25  # the shipped default's 32 of 128, kept in proportion
BLEND_WEIGHTS = (0.3, 0.5, 0.7)  # weight of the dense score in a min-max normalised blend
QUOTE_WEIGHTS = tuple(sorted({0.0, 0.1, 0.2, 0.3, 0.5, LEXICAL_WEIGHT}))  # of the lexical term in the quote's choice



@dataclass(frozen=True)
class ConfigFigures:
    chunk: ChunkSettings
    chunks: int
    build_seconds: float
    by_mode: dict[str, GoldFigures]  # ranking name (see ``ranking_name``) -> figures
    fusion: dict[str, dict[str, float]]  # fusion of the raw chunk rankings -> ranking metrics


@dataclass(frozen=True)
class Miss:
    id: str
    query: str  # as searched: a follow-up carries the previous question
    rank: int | None  # of the first result that holds the answer, None when not in the first 10


@dataclass(frozen=True)
class DefaultDetail:
    """Breakdowns for the default settings."""

    by_tag: dict[str, dict[str, dict[str, float]]]  # ranking -> tag -> ranking metrics
    follow_ups: dict[str, dict[str, dict[str, float]]]  # ranking -> "alone" | "in the conversation" -> ranking metrics
    quotes: dict[str, dict[str, float]]  # ranking -> lexical weight -> own-quote accuracy of the first result
    misses: list[Miss]  # default ranking: answer not in the first 5
    similarity: dict[str, list[float]]  # "answerable" | "unanswerable" -> abstention signal (default ranking)
    quote_signal: dict[str, float]  # calibrated abstention on the quote's own similarity, for comparison
    signals: dict[str, dict[str, Abstention]]  # ranking -> "first result" | "best of first N" -> calibrated


@dataclass(frozen=True)
class Study:
    default: ChunkSettings
    mode: str  # the default ranking's name
    search: SearchSettings  # the default search settings, whose fusion the default ranking uses
    questions: int
    answerable: int
    configs: list[ConfigFigures]
    detail: DefaultDetail


def chunk_settings(sizes: Sequence[int], overlap_ratio: float = OVERLAP_RATIO) -> list[ChunkSettings]:
    return [ChunkSettings(max_tokens=size, overlap_tokens=round(size * overlap_ratio)) for size in sizes]


def ranking_name(mode: str, search: SearchSettings) -> str:
    """A row of the report: the mode, and for hybrid its fusion ("hybrid rrf", "hybrid blend 0.5")."""
    if mode != "hybrid":
        return mode
    return "hybrid rrf" if search.fusion == "rrf" else f"hybrid blend {search.dense_weight:.1f}"


def with_fusion(assistant: Assistant, fusion: str) -> Assistant:
    """``assistant``, or one over its index that fuses hybrid rankings by ``fusion`` (not part of the index)."""
    if fusion == assistant.settings.search.fusion:
        return assistant
    settings = replace(assistant.settings, search=replace(assistant.settings.search, fusion=fusion))
    return Assistant(assistant.sources_dir, settings=settings, embedder=assistant.embedder, store=assistant.store)


def rankings(assistant: Assistant, modes: Sequence[str]) -> dict[str, tuple[Assistant, str]]:
    """Ranking name -> (an Assistant over ``assistant``'s index, mode): hybrid once per fusion."""
    found = {}
    for mode in modes:
        for fusion in FUSIONS if mode == "hybrid" else (assistant.settings.search.fusion,):
            searcher = with_fusion(assistant, fusion)
            found[ranking_name(mode, searcher.settings.search)] = (searcher, mode)
    return found


def run_study(
    sources_dir: Path,
    embedder: Embedder,
    chunkings: Sequence[ChunkSettings],
    modes: Sequence[str] = MODES,
    gold_path: Path = DEFAULT_GOLD,
    log: Log = print,
    abstain_below: float | None = None,
) -> Study:
    """Build one temporary index per chunking and score every ranking; the default chunking is always included.

    Abstention is scored at ``abstain_below`` (the pinned threshold, so the bars judge what the app does) and
    at the threshold each ranking calibrates on its own run.
    """
    defaults = Settings()
    default_mode = defaults.search.mode if defaults.search.mode in modes else modes[0]
    default_name = ranking_name(default_mode, defaults.search)
    if defaults.chunk not in chunkings:
        chunkings = [*chunkings, defaults.chunk]
    configs: list[ConfigFigures] = []
    detail: DefaultDetail | None = None
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        for chunk in sorted(chunkings, key=lambda c: (c.max_tokens, c.overlap_tokens)):
            settings = replace(defaults, chunk=chunk)
            index_dir = Path(tmp) / f"index-{chunk.max_tokens}-{chunk.overlap_tokens}"
            # A scratch index per chunking: in files, never in $ASSISTANT_DATABASE_URL's database.
            store = FileStore(index_dir, dense=settings.dense)
            assistant = Assistant(sources_dir=sources_dir, settings=settings, embedder=embedder, store=store)
            began = time.perf_counter()
            report = assistant.refresh()
            build_seconds = time.perf_counter() - began
            gold = load_gold(assistant.snapshot.documents, gold_path)
            searchers = rankings(assistant, modes)
            asked = {}
            for name, (searcher, mode) in searchers.items():
                log(
                    f"chunks of {chunk.max_tokens} (overlap {chunk.overlap_tokens}), {name}: "
                    f"{len(gold.questions)} questions"
                )
                asked[name] = ask_all(searcher, gold, mode)
            by_mode = {name: score(asked[name], gold, name, abstain_below) for name in searchers}
            configs.append(ConfigFigures(chunk, report.chunks, build_seconds, by_mode, fusion_study(assistant, gold)))
            if chunk == defaults.chunk:
                detail = _detail(searchers, gold, asked, default_name)
    assert detail is not None  # the default chunking is always in the list
    return Study(
        defaults.chunk, default_name, defaults.search, len(gold.questions), len(gold.answerable), configs, detail
    )


def _detail(
    searchers: dict[str, tuple[Assistant, str]], gold: GoldSet, asked: dict[str, dict[str, Asked]], default: str
) -> DefaultDetail:
    answerable_ids = {q.id for q in gold.answerable}
    by_tag = {
        name: {
            tag: ranking_for(runs, gold, {q.id for q in gold.answerable if tag in q.tags})
            for tag in sorted(TAGS - {"unanswerable"})
        }
        for name, runs in asked.items()
    }
    follow_ids = {q.id for q in gold.follow_ups} & answerable_ids
    follow_ups = {}
    for name, runs in asked.items():
        searcher, mode = searchers[name]
        alone = ask_all(searcher, gold, mode, context=False, questions=[gold[qid] for qid in sorted(follow_ids)])
        follow_ups[name] = {
            "alone": ranking_for(alone, gold, follow_ids),
            "in the conversation": ranking_for(runs, gold, follow_ids),
        }
    assistant = searchers[default][0]
    runs = asked[default]
    misses = []
    for q in gold.answerable:
        ranks = [p.rank for p in runs[q.id].result.results if answers_in(p, q)]
        if not ranks or ranks[0] > 5:
            misses.append(Miss(q.id, runs[q.id].query, ranks[0] if ranks else None))
    signal = best_similarity(runs)
    similarity = {
        "answerable": sorted(s for qid, s in signal.items() if s is not None and qid in answerable_ids),
        "unanswerable": sorted(s for qid, s in signal.items() if s is not None and qid not in answerable_ids),
    }
    answerable = {q.id: q.answerable for q in gold.questions}
    # The signal the app uses against the first result's similarity alone, which the blend makes weak.
    signals = {
        name: {
            "first result": calibrate(best_similarity(named, within=1), answerable),
            f"best of first {ABSTENTION_WITHIN}": calibrate(best_similarity(named), answerable),
        }
        for name, named in asked.items()
    }
    quote_tops = _quote_similarity(assistant, runs)
    quote = calibrate(quote_tops, answerable)
    return DefaultDetail(
        by_tag=by_tag,
        follow_ups=follow_ups,
        quotes=quote_study(assistant, gold, asked),
        misses=misses,
        similarity=similarity,
        quote_signal={
            "threshold": quote.threshold,
            "precision": quote.precision,
            "recall": quote.recall,
            "f": quote.f_beta(CALIBRATION_BETA),
        },
        signals=signals,
    )


def _quote_similarity(assistant: Assistant, runs: dict[str, Asked]) -> dict[str, float | None]:
    """Cosine between each question and its first result's quote: a candidate abstention signal."""
    ids = [qid for qid, a in runs.items() if a.result.results]
    queries = assistant.embedder.encode([runs[qid].query for qid in ids])
    quotes = assistant.embedder.encode([runs[qid].result.results[0].quote.text for qid in ids])
    found: dict[str, float | None] = dict.fromkeys(runs)
    found.update({qid: float(q @ v) for qid, q, v in zip(ids, queries, quotes, strict=True)})
    return found


def quote_study(assistant: Assistant, gold: GoldSet, asked: dict[str, dict[str, Asked]]) -> dict[str, dict[str, float]]:
    """Quote accuracy of each ranking's first result with the quote chosen under each lexical weight.

    The passage stays the one the search returned, so only the choice of sentence varies. Only the
    passage's own quote is judged: its "also in" copies were chosen with the shipped weight.
    """
    snapshot, embedder = assistant.snapshot, assistant.embedder
    vectors: dict[str, np.ndarray] = {}  # text -> vector, shared by questions and sentences

    def encode(texts: list[str]) -> np.ndarray:
        fresh = [t for t in dict.fromkeys(texts) if t not in vectors]
        if fresh:
            vectors.update(zip(fresh, embedder.encode(fresh), strict=True))
        return np.stack([vectors[t] for t in texts])

    table: dict[str, dict[str, float]] = {}
    for name, runs in asked.items():
        hits = dict.fromkeys(QUOTE_WEIGHTS, 0)
        for question in gold.answerable:
            if not runs[question.id].result.results:
                continue
            first, query = runs[question.id].result.results[0], runs[question.id].query
            doc = snapshot.documents[first.source.id]
            spans = sentences_in(doc, first.start, first.end)
            similarities = encode([doc.text[s:e] for s, e in spans]) @ encode([query])[0]
            for weight in QUOTE_WEIGHTS:
                quote = choose_quote(doc, spans, similarities, query, lexical_weight=weight).quote
                hits[weight] += question.answered_by(doc.id, quote.start, quote.end)
        table[name] = {f"{weight:g}": n / len(gold.answerable) for weight, n in hits.items()}
    return table


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
            rankings[f"blend {weight:.1f} dense"] = blend(dense, sparse, weight)
        for name, hits in rankings.items():
            fused.setdefault(name, {})[question.id] = [row for row, _ in hits]
    qrels = gold_qrels(gold)
    return {
        name: ranking(qrels, {qid: _chunk_run(rows, snapshot, gold[qid]) for qid, rows in runs.items()})
        for name, runs in fused.items()
    }


def _chunk_run(rows: list[int], snapshot: Snapshot, question: GoldQuestion) -> dict[str, float]:
    chunks = [snapshot.chunks[row] for row in rows[:DEPTH]]
    return ranked(ANSWER if question.answered_by(c.source_id, c.start, c.end) else c.id for c in chunks)
