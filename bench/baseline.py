"""The bare libraries underneath, over the same chunks: what our code is measured against."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from assistant.config import BM25_PARAMS


class BareDense:
    """sentence-transformers encode + faiss IndexFlatIP, nothing else."""

    def __init__(self, model, vectors: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        import faiss

        self.model = model  # a SentenceTransformer, or None when the run has no real model
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(vector.reshape(1, -1), k)


class BareBM25:
    """bm25s alone, with the same parameters and tokenisation as the index."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s
        import Stemmer

        self._bm25s = bm25s
        self._stemmer = Stemmer.Stemmer(str(BM25_PARAMS["stemmer"]))
        self.retriever = bm25s.BM25(method=BM25_PARAMS["method"], k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"])
        tokens = bm25s.tokenize(list(texts), stopwords=BM25_PARAMS["stopwords"], stemmer=self._stemmer, show_progress=False)
        self.retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        tokens = self._bm25s.tokenize(
            [query], stopwords=BM25_PARAMS["stopwords"], stemmer=self._stemmer, show_progress=False
        )
        return self.retriever.retrieve(tokens, k=min(k, self.retriever.scores["num_docs"]), show_progress=False)


@contextmanager
def single_threaded() -> Iterator[None]:
    """FAISS (OpenMP) and torch (when loaded) on one thread, as ours runs a single query; restored afterwards."""
    import faiss

    torch = sys.modules.get("torch")
    before = faiss.omp_get_max_threads(), torch.get_num_threads() if torch else 0
    faiss.omp_set_num_threads(1)
    if torch:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before[0])
        if torch:
            torch.set_num_threads(before[1])
