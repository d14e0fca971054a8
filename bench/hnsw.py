"""Prototype of an approximate dense index (FAISS HNSW) with the same interface as ``DenseIndex``.

Inner product on L2-normalised vectors, so scores equal the flat index's cosine similarities.
A source filter that leaves few rows is searched exactly over those rows: HNSW with a selective
filter walks a graph whose neighbours are mostly filtered out and loses recall, while an exact
pass over a few thousand rows costs well under a millisecond.
"""

from __future__ import annotations

import numpy as np

from assistant.store.dense import top_k

EXACT_BELOW = 20_000  # rows; under this an exact pass is cheaper than a graph walk


class HNSWDenseIndex:
    def __init__(self, vectors: np.ndarray, m: int = 32, ef_construction: int = 80, ef_search: int = 128) -> None:
        import faiss

        self.vectors = vectors
        self.ef_search = ef_search
        self._index = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        self._index.hnsw.efConstruction = ef_construction
        if len(vectors):
            self._index.add(vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        if allowed is not None and len(allowed) < EXACT_BELOW:
            rows = np.asarray(allowed, dtype=np.int64)
            return [(int(rows[i]), s) for i, s in top_k(self.vectors[rows] @ query, k)]
        k = min(k, self._index.ntotal if allowed is None else len(allowed))
        if k <= 0:
            return []
        ef = max(self.ef_search, k)
        if allowed is None:
            params = faiss.SearchParametersHNSW(efSearch=ef)
        else:
            params = faiss.SearchParametersHNSW(efSearch=ef, sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, rows = self._index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        hits = [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))
