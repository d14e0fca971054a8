"""BM25 over chunk texts with bm25s: stemmed, English stop words removed, saved as plain arrays."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..config import BM25_PARAMS
from .dense import top_k


def _bm25s():  # type: ignore[no-untyped-def]
    import bm25s

    # bm25s sets its logger to DEBUG on import and logs every index build; keep our output quiet.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer(str(BM25_PARAMS["stemmer"]))


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's BM25 terms: its words lower-cased, English stop words dropped, stemmed.

    The one tokenizer of every backend: the PostgreSQL store indexes and queries these same terms, so
    both rank alike.
    """
    return _bm25s().tokenize(list(texts), stopwords=BM25_PARAMS["stopwords"], stemmer=_stemmer(), return_ids=False, show_progress=False)


_NO_TERMS = "no-terms.json"  # marks an index whose chunks hold no searchable word (bm25s cannot build one)


class SparseIndex:
    def __init__(self, retriever) -> None:  # type: ignore[no-untyped-def]
        self._retriever = retriever
        self._vocab = retriever.vocab_dict if retriever is not None else {}

    @classmethod
    def build(cls, texts: Sequence[str]) -> SparseIndex:
        bm25s = _bm25s()
        tokens = bm25s.tokenize(list(texts), stopwords=BM25_PARAMS["stopwords"], stemmer=_stemmer(), show_progress=False)
        if not tokens.vocab:
            return cls(None)
        retriever = bm25s.BM25(method=BM25_PARAMS["method"], k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"])
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    @classmethod
    def load(cls, folder: Path) -> SparseIndex:
        bm25s = _bm25s()
        if (folder / _NO_TERMS).exists():
            return cls(None)
        return cls(bm25s.BM25.load(str(folder), show_progress=False))

    def save(self, folder: Path) -> None:
        if self._retriever is None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / _NO_TERMS).write_text("{}", encoding="utf-8")
        else:
            self._retriever.save(str(folder), show_progress=False)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        tokens = tokenize([query])[0]
        known = [t for t in tokens if t in self._vocab]
        if not known:  # stop words only, or words no chunk contains
            return []
        scores = np.asarray(self._retriever.get_scores(known), dtype=np.float32)
        if allowed is not None:
            mask = np.zeros(len(scores), dtype=bool)
            mask[allowed] = True
            scores = np.where(mask, scores, 0.0)
        # A zero score means no query term matched: not a hit, whatever its rank.
        return [(row, score) for row, score in top_k(scores, k) if score > 0]
