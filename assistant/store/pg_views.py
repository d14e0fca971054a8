"""A PostgreSQL snapshot's documents and chunks, fetched by id when asked for and kept in a small LRU.

Nothing here grows with the corpus: a search touches its candidates only. Iterating every chunk
(what an incremental build does to reuse the previous version's work) streams them through a
server-side cursor.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from ..types import Chunk, Document
from .pg_schema import visible

K = TypeVar("K")
V = TypeVar("V")

_READ_AHEAD = 16  # documents per fetch when they are read in order
_DOCUMENT_COLUMNS = "source_id, path, title, publisher, text, sha256, page_starts, encoding"


class LRU(Generic[K, V]):
    """Entries whose weights add up to at most ``size`` (each weighs 1 unless ``weigh`` says otherwise);
    the least recently used go first. Thread-safe enough for a cache: a lost update only costs a fetch."""

    def __init__(self, size: int, weigh: Callable[[V], int] = lambda _: 1) -> None:
        self.size = size
        self._weigh = weigh
        self._weight = 0
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        try:
            self._items.move_to_end(key)
            return self._items[key]
        except KeyError:
            return None

    def __len__(self) -> int:
        return len(self._items)

    def put(self, key: K, value: V) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self._weight -= self._weigh(old)
        self._items[key] = value
        self._weight += self._weigh(value)
        while self._weight > self.size and len(self._items) > 1:
            self._weight -= self._weigh(self._items.popitem(last=False)[1])


def document_from_row(row: Sequence[Any]) -> Document:
    source_id, path, title, publisher, text, sha256, page_starts, encoding = row
    return Document(source_id, path, title, publisher, text, sha256, tuple(page_starts), encoding)


class Documents(Mapping[str, Document]):
    """The version's documents by source id; the ids come from the manifest, the texts from the database."""

    def __init__(self, read: Callable[[], Any], version: int, source_ids: Sequence[str], cache_chars: int) -> None:
        self._read = read
        self._version = version
        self._ids = list(source_ids)
        self._position = {source_id: i for i, source_id in enumerate(self._ids)}
        # Bounded by text, not count: a document and what quoting derives from it (its sentences and
        # paragraphs, cached on the object) are reused by the next search that meets it.
        self._cache: LRU[str, Document] = LRU(cache_chars, weigh=lambda doc: len(doc.text))
        self._last = -2  # position of the last document fetched

    def __getitem__(self, source_id: str) -> Document:
        if source_id not in self._position:
            raise KeyError(source_id)
        found = self._cache.get(source_id)
        if found is None:
            # Walking the documents in order (a build reusing the previous version's) reads ahead a
            # batch at a time; a search's random access fetches just the one.
            at = self._position[source_id]
            ahead = _READ_AHEAD if at == self._last + 1 else 1
            self.fetch(self._ids[at : at + ahead])
            self._last = at + ahead - 1
            found = self._cache.get(source_id)
        if found is None:
            raise KeyError(source_id)
        return found

    def fetch(self, source_ids: Sequence[str]) -> None:
        """Fetch the documents not in the cache in one query."""
        missing = [s for s in dict.fromkeys(source_ids) if s in self._position and self._cache.get(s) is None]
        if not missing:
            return
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_DOCUMENT_COLUMNS} FROM assistant.documents WHERE source_id = ANY(%(ids)s) AND {visible()}",
                {"ids": missing, "version": self._version},
            ).fetchall()
        for row in rows:
            self._cache.put(row[0], document_from_row(row))

    def __contains__(self, source_id: object) -> bool:
        return source_id in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class Chunks(Sequence[Chunk]):
    """The version's chunks by row id. Rows are database ids, stable across versions, not positions:
    index with the rows a search returned; ``with_rows`` walks them all."""

    def __init__(self, read: Callable[[], Any], version: int, count: int, documents: Documents, cache_size: int) -> None:
        self._read = read
        self._version = version
        self._count = count
        self._documents = documents
        self._cache: LRU[int, tuple[str, int, int, np.ndarray]] = LRU(cache_size)

    def __len__(self) -> int:
        return self._count

    @property
    def cached(self) -> int:
        """How many chunks' spans are held: bounded by the cache, whatever the corpus."""
        return len(self._cache)

    def _entry(self, row: int) -> tuple[str, int, int, np.ndarray]:
        entry = self._cache.get(row)
        if entry is None:
            self.fetch([row])
            entry = self._cache.get(row)
        if entry is None:
            raise IndexError(f"no chunk {row} in index version {self._version}")
        return entry

    def __getitem__(self, row: int) -> Chunk:  # type: ignore[override]
        source_id, start, end, _ = self._entry(row)
        return Chunk(source_id, start, end, self._documents[source_id].text[start:end])

    def vector(self, row: int) -> np.ndarray:
        """The row's vector, fetched with its span: quoting a candidate needs both."""
        return self._entry(row)[3]

    def fetch(self, rows: Sequence[int]) -> None:
        """Fetch the spans and vectors of the rows not in the cache, and their documents, in one query each."""
        missing = [int(r) for r in rows if self._cache.get(int(r)) is None]
        if missing:
            with self._read() as conn:
                found = conn.execute(
                    f"SELECT row_id, source_id, start, stop, embedding FROM assistant.chunks "
                    f"WHERE row_id = ANY(%(rows)s) AND {visible()}",
                    {"rows": missing, "version": self._version},
                    binary=True,  # vectors as raw float4, not text to parse
                ).fetchall()
            for row, source_id, start, end, vector in found:
                self._cache.put(row, (source_id, start, end, vector.to_numpy()))
        self._documents.fetch([span[0] for r in rows if (span := self._cache.get(int(r))) is not None])

    def with_rows(self) -> Iterator[tuple[int, Chunk]]:
        """Every chunk of the version with its row, in row order, streamed."""
        with self._read() as conn, conn.cursor(name="assistant_chunks") as cursor:
            cursor.execute(
                "SELECT c.row_id, c.source_id, c.start, c.stop, substr(d.text, c.start + 1, c.stop - c.start) "
                "FROM assistant.chunks c JOIN assistant.documents d USING (doc) "
                f"WHERE {visible('c')} ORDER BY c.row_id",
                {"version": self._version},
            )
            for row, source_id, start, end, text in cursor:
                yield int(row), Chunk(source_id, start, end, text)

    def __iter__(self) -> Iterator[Chunk]:
        return (chunk for _, chunk in self.with_rows())
