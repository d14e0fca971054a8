"""Exact inner-product search over normalised vectors with FAISS (IndexFlatIP: no training, exact)."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (row, score) pairs, ties broken by the lower row so rankings are deterministic."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    order = sorted(part.tolist(), key=lambda row: (-float(scores[row]), row))
    return [(row, float(scores[row])) for row in order]


class DenseIndex:
    def __init__(self, vectors: np.ndarray) -> None:
        import faiss

        self.vectors = vectors
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            self._index.add(vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        import faiss

        k = min(k, self._index.ntotal if allowed is None else len(allowed))
        if k <= 0:
            return []
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, rows = self._index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        hits = [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))
