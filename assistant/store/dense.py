"""Top-k inner product over L2-normalised vectors: exact (flat), or approximate through a FAISS HNSW graph.

Which one a snapshot uses follows ``DenseSettings`` (``store.dense_layout``). The vectors are held once:
the exact search reads them in place with ``faiss.knn`` (no FAISS copy), so they can be a memory map
of the snapshot's ``vectors.npy`` (read front to back by every query, so readahead keeps it fast).
An HNSW graph keeps its own copy inside FAISS; it is saved with the snapshot and read back on open,
so opening a large index does not rebuild it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..config import DenseSettings
from . import dense_layout

log = logging.getLogger(__name__)

# A source filter that leaves at most this many rows is scored exactly over those rows: a few ms at
# most, while HNSW behind a selective filter walks a graph whose neighbours are mostly filtered out
# and loses recall.
EXACT_ROWS = 20_000


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (row, score) pairs, ties broken by the lower row so rankings are deterministic."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    order = part[np.lexsort((part, -scores[part]))]  # by score, then row
    return list(zip(order.tolist(), scores[order].tolist(), strict=True))


@contextmanager
def one_omp_thread() -> Iterator[None]:
    """One OpenMP thread for a single query: a second thread buys nothing there and, on a busy machine,
    the threads wait for each other (556k chunks: 72 -> 29 ms p50). The setting is per calling thread
    in libgomp, so a build running in another thread keeps its threads."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class DenseIndex:
    """Dense search over ``vectors`` (row i is chunk i), exact unless an HNSW ``graph`` is given."""

    def __init__(
        self, vectors: np.ndarray, graph: Any = None, ef_search: int = DenseSettings.ef_search, dead: np.ndarray | None = None
    ) -> None:
        self.vectors = vectors
        self.graph = graph
        self.ef_search = ef_search  # per query; a plain attribute so it can be tuned on an open index
        # Rows of documents changed or deleted since this segment was written: never returned.
        self.dead = np.zeros(0, dtype=np.int64) if dead is None else np.asarray(dead, dtype=np.int64)
        self._alive: np.ndarray | None = None
        self._not_dead: Any = None  # the graph's selector of live rows, made on first use

    def without(self, dead: np.ndarray) -> DenseIndex:
        """The same vectors and graph (shared, not copied), searched without the rows ``dead``."""
        return DenseIndex(self.vectors, self.graph, self.ef_search, dead)

    @property
    def kind(self) -> str:
        return "flat" if self.graph is None else "hnsw"

    @classmethod
    def build(cls, vectors: np.ndarray, settings: DenseSettings, graph: bool | None = None) -> DenseIndex:
        """Exact search over ``vectors``, or an HNSW graph of them: as ``graph`` says, else as ``settings``
        choose for so many rows."""
        if graph is None:
            graph = dense_layout(settings, len(vectors))["index"] == "hnsw"
        if not graph or not len(vectors):
            return cls(vectors)
        import faiss

        hnsw = faiss.IndexHNSWFlat(vectors.shape[1], settings.m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = settings.ef_construction
        hnsw.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(vectors, hnsw, settings.ef_search)

    @classmethod
    def load(cls, vectors: np.ndarray, graph_file: Path, settings: DenseSettings) -> DenseIndex:
        """The index saved in ``graph_file``, checked against ``vectors`` and ``settings``.

        Read whole rather than memory-mapped: a mapped graph faults its pages in one random vector at
        a time, and its first queries were 10-1000x slower (100k vectors, cold: p50 12 ms, first
        query 1.2 s; read: 0.75 ms). Reading is sequential, ~1 s per GB.

        Raises ValueError when the file is not an HNSW graph of these vectors with these parameters.
        """
        import faiss

        graph = faiss.read_index(str(graph_file))
        if not isinstance(graph, faiss.IndexHNSWFlat) or graph.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError(f"{graph_file.name} is not an inner-product HNSW index")
        if (graph.ntotal, graph.d) != vectors.shape:
            raise ValueError(f"{graph_file.name} holds {graph.ntotal}x{graph.d} vectors, vectors.npy {vectors.shape}")
        found = {"m": graph.hnsw.nb_neighbors(1), "ef_construction": graph.hnsw.efConstruction}
        if found != {"m": settings.m, "ef_construction": settings.ef_construction}:
            raise ValueError(f"{graph_file.name} was built with {found}")
        return cls(vectors, graph, settings.ef_search)

    def save(self, graph_file: Path) -> None:
        """Write the graph (nothing for a flat index: its vectors are the snapshot's vectors.npy)."""
        if self.graph is not None:
            import faiss

            faiss.write_index(self.graph, str(graph_file))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best live rows (of ``allowed`` only, when given: those must be live)."""
        import faiss

        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is None and len(self.dead) and (self.graph is None and len(self.dead) > 4 * k):
            allowed = self._live_rows()  # many dead rows: score the live ones exactly
        if allowed is not None and (len(allowed) <= EXACT_ROWS or self.graph is None):
            return self._exact_over(query[0], np.asarray(allowed, dtype=np.int64), k)
        rows = len(self.vectors) - len(self.dead) if allowed is None else len(allowed)
        k = min(k, rows)
        if k <= 0:
            return []
        with one_omp_thread():
            if self.graph is None:  # a few dead rows: ask for as many more and drop them
                wanted = min(k + len(self.dead), len(self.vectors))
                scores, ids = faiss.knn(query, self.vectors, wanted, faiss.METRIC_INNER_PRODUCT)
            else:
                options: dict[str, Any] = {"efSearch": max(self.ef_search, k)}
                if allowed is not None:  # given to the constructor, which keeps the selector alive
                    options["sel"] = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
                elif len(self.dead):
                    options["sel"] = self._live_selector()
                scores, ids = self.graph.search(query, k, params=faiss.SearchParametersHNSW(**options))
        dead = set(self.dead.tolist()) if allowed is None and self.graph is None else set()
        hits = [(int(r), float(s)) for r, s in zip(ids[0], scores[0], strict=True) if r >= 0 and int(r) not in dead]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:k]

    def _live_rows(self) -> np.ndarray:
        if self._alive is None:
            alive = np.ones(len(self.vectors), dtype=bool)
            alive[self.dead] = False
            self._alive = np.flatnonzero(alive)
        return self._alive

    def _live_selector(self) -> Any:
        import faiss

        if self._not_dead is None:
            batch = faiss.IDSelectorBatch(self.dead)
            self._not_dead = (faiss.IDSelectorNot(batch), batch)  # the Not keeps no reference to its operand
        return self._not_dead[0]

    def _exact_over(self, query: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Exact scores of the ``rows`` only (a source filter)."""
        if len(rows) <= EXACT_ROWS:
            scores = self.vectors[rows] @ query
            return [(int(rows[i]), score) for i, score in top_k(scores, k)]
        # Most of a large index: score all rows in place rather than copy the allowed ones.
        scores = np.full(len(self.vectors), -np.inf, dtype=np.float32)
        scores[rows] = (self.vectors @ query)[rows]
        return [(row, score) for row, score in top_k(scores, k) if score > -np.inf]


class SegmentedDense:
    """Dense search over a snapshot's segments: segment s's live rows are rows ``starts[s]`` on, in order.

    ``live[s][local row]`` is the row searches see, or -1 for a row whose document changed or went.
    """

    def __init__(self, parts: list[DenseIndex], live: list[np.ndarray]) -> None:
        self.parts = [part.without(np.flatnonzero(mapping < 0)) for part, mapping in zip(parts, live, strict=True)]
        self._local = [np.flatnonzero(mapping >= 0) for mapping in live]  # segment s's live rows, in order
        self._starts = np.cumsum([0] + [len(rows) for rows in self._local])

    @property
    def kind(self) -> str:
        return "hnsw" if any(part.graph is not None for part in self.parts) else "flat"

    @property
    def ef_search(self) -> int:
        return self.parts[0].ef_search if self.parts else DenseSettings.ef_search

    @ef_search.setter
    def ef_search(self, value: int) -> None:  # tuned on an open index by the benchmark
        for part in self.parts:
            part.ef_search = value

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        dim = self.parts[0].vectors.shape[1] if self.parts else 0
        out = np.zeros((len(rows), dim), dtype=np.float32)
        segment = np.searchsorted(self._starts, rows, side="right") - 1
        for s in np.unique(segment).tolist():
            at = np.flatnonzero(segment == s)
            out[at] = self.parts[s].vectors[self._local[s][rows[at] - self._starts[s]]]
        return out

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        hits: list[tuple[int, float]] = []
        for s, part in enumerate(self.parts):
            start, end = int(self._starts[s]), int(self._starts[s + 1])
            if start == end:
                continue
            local = None
            if allowed is not None:
                mine = allowed[(allowed >= start) & (allowed < end)]
                if not len(mine):
                    continue
                local = self._local[s][mine - start]
            found = part.search(query, k, local)
            if found:
                rows = np.asarray([row for row, _ in found], dtype=np.int64)
                # A live local row's place among the segment's live rows is its row in the snapshot.
                mapped = np.searchsorted(self._local[s], rows) + start
                hits.extend(zip(mapped.tolist(), (score for _, score in found), strict=True))
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))[:k]
