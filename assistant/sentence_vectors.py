"""Sentence embeddings, cached per index snapshot: the one cache that quote choice and "reported also by" share."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from .embedding import Embedder

Key = tuple[str, int, int]  # (source id, start, end) of a sentence in its document's text
LIMIT = 200_000  # sentences held (~300 MiB of 384-d float32) before the cache starts again empty


class SentenceVectors:
    """Vectors of sentences by their span; each sentence is embedded once per snapshot.

    Owned by the snapshot's ``Retriever``; everything that embeds sentences of the index goes
    through ``lookup``, so the size cap holds for all of them.
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._vectors: dict[Key, np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def lookup(self, embedder: Embedder, keys: Sequence[Key], texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` (one per key, in order), embedding in one batch those the cache lacks."""
        if not keys:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        found = {key: vector for key in keys if (vector := self._vectors.get(key)) is not None}
        wanted = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if wanted:
            fresh = dict(zip(wanted, embedder.encode(list(wanted.values())), strict=True))
            found.update(fresh)
            with self._lock:
                if len(self._vectors) + len(fresh) > self.limit:
                    self._vectors.clear()
                self._vectors.update(fresh)
        return np.stack([found[key] for key in keys])
