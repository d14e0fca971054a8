"""Where an index lives. The retrieval code sees only ``IndexStore`` and ``Snapshot``.

The files backend (``FileStore``) keeps everything under ``index/``; the PostgreSQL + pgvector backend
(``store.postgres.PostgresStore``) implements the same two protocols and fetches documents and chunks
by id, so an app server holds its candidates, not the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..config import DenseSettings
from ..manifest import FLAT, Manifest
from ..term_stats import DocumentTerms, TermTable
from ..types import Chunk, Document
from .sentences import ChunkSentences, SentenceTable

Hits = list[tuple[int, float]]  # (chunk row, score), best first


def dense_layout(settings: DenseSettings, rows: int) -> dict[str, Any]:
    """What the dense index over ``rows`` vectors is under ``settings``, as the manifest records it.

    Backend-neutral (pgvector's HNSW takes the same ``m`` and ``ef_construction``), and only what the
    stored structure depends on: ``ef_search`` is chosen per query. A manifest without the entry is flat.
    """
    if rows and settings.use_hnsw(rows):
        return {"index": "hnsw", "m": settings.m, "ef_construction": settings.ef_construction}
    return dict(FLAT)


@dataclass
class IndexData:
    """Everything a new index version holds; handed to ``IndexStore.publish``, which owns it from then on.

    A store may replace ``vectors`` with an equal read-only view of what it has written (the files
    backend maps its vectors.npy), so that a large build does not hold the vectors twice; a caller
    that wants that saving keeps no other reference to the array. A build hands ``vectors`` and the
    sentence vectors mapped from the files it wrote them to as they were made (store/spool.py), which
    the files backend links into the segment instead of writing them again.
    """

    manifest: Manifest
    documents: list[Document]
    chunks: list[Chunk]
    vectors: np.ndarray  # row i is the vector of chunks[i]
    sentences: SentenceTable  # chunk i's sentences are sentences.of(i)
    # The live version these documents change, for a store that keeps unchanged sources' rows
    # (``IndexStore.keeps_unchanged``): its sources the manifest still lists, and not among ``documents``, stay.
    base: Snapshot | None = None
    terms: TermTable | None = None  # documents[i]'s term counts, when the build counted them (else the store does)


class Snapshot(Protocol):
    """One published index version; immutable, so searches never see a half-built index."""

    manifest: Manifest
    documents: Mapping[str, Document]  # by source id; may be fetched on demand
    chunks: Sequence[Chunk]  # indexed by the rows searches return; may be fetched on demand

    def reading(self) -> AbstractContextManager[object]:
        """Hold one consistent read (a database transaction) across the calls of one search."""
        ...

    def chunk_rows(self) -> Iterable[tuple[int, Chunk]]:
        """Every chunk with its row, in row order (rows need not be positions: a database's are ids)."""
        ...

    def vectors(self, rows: Sequence[int]) -> np.ndarray: ...

    def sentences(self, rows: Sequence[int]) -> list[ChunkSentences]:
        """Each row's sentence spans (into its document's text) and vectors, as the index stored them."""
        ...

    def document_terms(self, source_ids: Sequence[str]) -> list[DocumentTerms]:
        """Each document's sentence frequencies of its terms, as the index stored them (quotes weigh words by them)."""
        ...

    def dense_search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Hits: ...

    def bm25_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> Hits: ...

    def rows_of(self, source_ids: Sequence[str]) -> np.ndarray: ...


class IndexStore(Protocol):
    # True when the store keeps the rows of unchanged sources itself: ``publish`` is then handed only the
    # new and changed sources (the manifest still lists every source), and a build reads nothing of the
    # others back. False: ``IndexData`` holds the whole version.
    keeps_unchanged: bool

    def manifest(self) -> Manifest | None:
        """The live index's manifest, cheaply, or None when there is none."""
        ...

    def open(self) -> Snapshot:
        """The live index; raises IndexMissingError or IndexFormatError."""
        ...

    def publish(self, data: IndexData) -> Snapshot:
        """Make ``data`` the live index atomically: readers see the old version or the new, never a mix."""
        ...

    def tidy(self) -> None:
        """Remove what interrupted builds left behind, never the live version or the one live before it."""
        ...

    def is_current(self, snapshot: Snapshot) -> bool:
        """Whether ``snapshot`` is still the live version, cheaply: another process may have published since."""
        ...

