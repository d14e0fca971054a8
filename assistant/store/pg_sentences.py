"""Each chunk's sentences in PostgreSQL: one row per chunk, keyed by the chunk's row id
(the table: migration 4 in pg_schema; terms 5, answer-kind features 6); and each document's term counts (term_stats.py), one row per
document row (migration 5), gone with the document.

A chunk row never changes once written, so neither do its sentences: the row needs no version of its
own, and it goes when its chunk is deleted (ON DELETE CASCADE). Spans are offsets into the chunk's
document text, flattened as start, end, start, end ...; vectors are half-precision bytes, as in the
files backend (store/sentences.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import IndexFormatError
from ..sentence_features import SentenceFeatures
from ..term_stats import DocumentTerms, SentenceTerms, TermTable
from .pg_schema import visible
from .pg_views import LRU
from .sentences import STORED, ChunkSentences, SentenceTable

_BATCH = 8192  # rows per query when a build reads a whole version's sentences back
_REBUILD = "rebuild with: python -m assistant index --store <URL>"
_COLUMNS = "term_keys, term_starts, flags, evidence_codes, evidence_keys, evidence_starts"


def insert(conn: Any, rows: Sequence[int], table: SentenceTable, positions: Sequence[int]) -> None:
    """Store the sentences of ``table``'s chunks at ``positions`` under the chunk ids ``rows``."""
    sql = (
        f"COPY assistant.chunk_sentences (row_id, spans, vectors, {_COLUMNS}) FROM STDIN WITH (FORMAT BINARY)"
    )
    with conn.cursor().copy(sql) as copy:
        copy.set_types(["int8", "int4[]", "bytea", "bytea", "int4[]", "bytea", "bytea", "bytea", "int4[]"])
        for row, position in zip(rows, positions, strict=True):
            begin, end = int(table.starts[position]), int(table.starts[position + 1])
            spans = np.asarray(table.spans[begin:end]).ravel().tolist()
            chunk = table.of(position)
            terms, features = chunk.terms, chunk.features
            copy.write_row((
                row, spans, np.ascontiguousarray(table.vectors[begin:end], dtype=STORED).tobytes(),
                terms.keys.astype("<u8").tobytes(), terms.starts.tolist(),
                features.flags.astype(np.uint8).tobytes(), features.codes.astype(np.uint8).tobytes(),
                features.keys.astype("<u8").tobytes(), features.starts.tolist(),
            ))  # fmt: skip


class SentenceRows:
    """Sentences by chunk row, fetched on demand; the last ``cache_size`` chunks' are kept."""

    def __init__(self, read: Callable[[], Any], dim: int, cache_size: int) -> None:
        self._read = read
        self._dim = dim
        self._cache: LRU[int, ChunkSentences] = LRU(cache_size)

    def get(self, rows: Sequence[int]) -> list[ChunkSentences]:
        wanted = [int(r) for r in rows]
        found = {r: hit for r in wanted if (hit := self._cache.get(r)) is not None}
        missing = [r for r in dict.fromkeys(wanted) if r not in found]
        keep = len(wanted) <= self._cache.size  # a build reading a whole version back would only churn the cache
        for row, sentences in self._fetch(missing):
            found[row] = sentences
            if keep:
                self._cache.put(row, sentences)
        absent = [r for r in wanted if r not in found]
        if absent:
            raise IndexFormatError(f"no sentences stored for chunk rows {absent[:5]}; {_REBUILD}")
        return [found[r] for r in wanted]

    def _fetch(self, rows: list[int]) -> Iterator[tuple[int, ChunkSentences]]:
        for begin in range(0, len(rows), _BATCH):
            with self._read() as conn:
                fetched = conn.execute(
                    f"SELECT row_id, spans, vectors, {_COLUMNS} FROM assistant.chunk_sentences WHERE row_id = ANY(%s)",
                    (rows[begin : begin + _BATCH],),
                ).fetchall()
            for row, spans, vectors, term_keys, term_starts, *features in fetched:
                if term_keys is None or features[0] is None:
                    raise IndexFormatError(f"no sentence terms or features stored for chunk row {row}; {_REBUILD}")
                pairs = tuple((int(spans[i]), int(spans[i + 1])) for i in range(0, len(spans), 2))
                array = np.frombuffer(vectors, dtype=STORED).astype(np.float32).reshape(len(pairs), self._dim)
                terms = SentenceTerms(np.frombuffer(term_keys, dtype="<u8").astype(np.uint64), np.asarray(term_starts, dtype=np.int64))
                yield int(row), ChunkSentences(pairs, array, terms, _features(*features))


def _features(flags: bytes, codes: bytes, keys: bytes, starts: list[int]) -> SentenceFeatures:
    return SentenceFeatures(
        np.frombuffer(flags, dtype=np.uint8), np.frombuffer(codes, dtype=np.uint8),
        np.frombuffer(keys, dtype="<u8").astype(np.uint64), np.asarray(starts, dtype=np.int64),
    )  # fmt: skip


def insert_terms(conn: Any, doc_rows: Sequence[int], table: TermTable) -> None:
    """Store the term counts of ``table``'s documents under the document rows ``doc_rows`` (in order)."""
    with conn.cursor().copy("COPY assistant.document_terms (doc, sentences, keys, counts) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "int4", "bytea", "bytea"])
        for position, doc in enumerate(doc_rows):
            terms = table.of(position)
            copy.write_row((doc, terms.sentences, terms.keys.astype("<u8").tobytes(), terms.counts.astype("<i4").tobytes()))


class TermRows:
    """Documents' term counts by source id in one index version, fetched on demand; the last ``cache_size`` kept."""

    def __init__(self, read: Callable[[], Any], version: int, cache_size: int) -> None:
        self._read = read
        self._version = version
        self._cache: LRU[str, DocumentTerms] = LRU(cache_size)

    def get(self, source_ids: Sequence[str]) -> list[DocumentTerms]:
        missing = [s for s in dict.fromkeys(source_ids) if self._cache.get(s) is None]
        if missing:
            with self._read() as conn:
                fetched = conn.execute(
                    "SELECT d.source_id, t.sentences, t.keys, t.counts FROM assistant.document_terms t "
                    f"JOIN assistant.documents d USING (doc) WHERE d.source_id = ANY(%(ids)s) AND {visible('d')}",
                    {"ids": missing, "version": self._version},
                ).fetchall()
            for source_id, sentences, keys, counts in fetched:
                self._cache.put(source_id, DocumentTerms(
                    int(sentences), np.frombuffer(keys, dtype="<u8").astype(np.uint64), np.frombuffer(counts, dtype="<i4").astype(np.int32)
                ))  # fmt: skip
        found = [self._cache.get(s) for s in source_ids]
        absent = [s for s, terms in zip(source_ids, found, strict=True) if terms is None]
        if absent:
            raise IndexFormatError(f"no term counts stored for documents {absent[:5]}; {_REBUILD}")
        return [t for t in found if t is not None]
