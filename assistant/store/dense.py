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
    order = sorted(part.tolist(), key=lambda row: (-float(scores[row]), row))
    return [(row, float(scores[row])) for row in order]


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

    def __init__(self, vectors: np.ndarray, graph: Any = None, ef_search: int = DenseSettings.ef_search) -> None:
        self.vectors = vectors
        self.graph = graph
        self.ef_search = ef_search  # per query; a plain attribute so it can be tuned on an open index

    @property
    def kind(self) -> str:
        return "flat" if self.graph is None else "hnsw"

    @classmethod
    def build(cls, vectors: np.ndarray, settings: DenseSettings) -> DenseIndex:
        layout = dense_layout(settings, len(vectors))
        if layout["index"] == "flat" or not len(vectors):
            return cls(vectors)
        import faiss

        graph = faiss.IndexHNSWFlat(vectors.shape[1], settings.m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = settings.ef_construction
        graph.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(vectors, graph, settings.ef_search)

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
        import faiss

        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        rows = len(self.vectors)
        if allowed is not None and (len(allowed) <= EXACT_ROWS or self.graph is None):
            return self._exact_over(query[0], np.asarray(allowed, dtype=np.int64), k)
        k = min(k, rows if allowed is None else len(allowed))
        if k <= 0:
            return []
        with one_omp_thread():
            if self.graph is None:
                scores, ids = faiss.knn(query, self.vectors, k, faiss.METRIC_INNER_PRODUCT)
            else:
                options: dict[str, Any] = {"efSearch": max(self.ef_search, k)}
                if allowed is not None:  # given to the constructor, which keeps the selector alive
                    options["sel"] = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
                scores, ids = self.graph.search(query, k, params=faiss.SearchParametersHNSW(**options))
        hits = [(int(r), float(s)) for r, s in zip(ids[0], scores[0], strict=True) if r >= 0]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))

    def _exact_over(self, query: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Exact scores of the ``rows`` only (a source filter)."""
        if len(rows) <= EXACT_ROWS:
            scores = self.vectors[rows] @ query
            return [(int(rows[i]), score) for i, score in top_k(scores, k)]
        # Most of a large index: score all rows in place rather than copy the allowed ones.
        scores = np.full(len(self.vectors), -np.inf, dtype=np.float32)
        scores[rows] = (self.vectors @ query)[rows]
        return [(row, score) for row, score in top_k(scores, k) if score > -np.inf]
