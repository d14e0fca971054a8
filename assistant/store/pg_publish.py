"""Publishing an index version to PostgreSQL: one transaction, under an advisory lock, writing only what changed.

A build hands over only what it read: the new and changed sources' documents, chunks and vectors,
with the manifest of the whole version (``IndexStore.keeps_unchanged``). Sources whose key (bytes and
metadata) is unchanged keep their rows; changed and deleted sources have their rows stamped ``removed``
with the new version, and new or changed ones are inserted with ``added`` set to it. The manifest's
source entries are rows too, written for the sources whose entry changed (``pg_sources``); the new
``assistant.versions`` row holds the rest and commits with everything else, so a reader sees the old
version or the new one, never a mix, and a crash or ``kill -9`` before the commit leaves no trace. Rows that no reader
can still see (removed before the previous version) are deleted.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np
from psycopg.types.json import Json

from ..config import FORMAT_VERSION, DenseSettings
from ..errors import AssistantError, IndexFormatError
from ..manifest import Manifest
from ..term_stats import TermTable
from ..types import Chunk, Document
from . import IndexData, dense_layout, pg_bm25, pg_sources
from .pg_bm25 import chunk_terms, postings
from .pg_sentences import insert as insert_sentences
from .pg_sentences import insert_terms
from .source_log import changed

BUILD_LOCK = 0x61_73_73_02  # pg_try_advisory_xact_lock key of a publish ("ass" 2)
_KEEP_VERSIONS = 2  # the live version and the one before, for a reader that opened it a moment ago


class IndexBusyError(AssistantError):
    """Another build holds the database's publish lock."""


def live_row(conn: Any) -> tuple[int, int, int, Any] | None:
    """(version, chunks, total length, publish time) of the live version, or None when nothing was published."""
    row = conn.execute(
        "SELECT version, chunks, total_length, published FROM assistant.versions ORDER BY version DESC LIMIT 1"
    ).fetchone()
    return (int(row[0]), int(row[1]), int(row[2]), row[3]) if row else None


def publish(
    conn: Any, data: IndexData, settings: DenseSettings, known: pg_sources.Known | None = None
) -> tuple[int, Manifest, int, Any]:
    """Write ``data`` as the next version; returns (version, manifest, total length, publish time). Commits on ``conn``.
    ``known``: a manifest the caller has parsed, so that the live version's, when it is that one, is not read again."""
    for doc in data.documents:
        if "\x00" in doc.text:
            raise AssistantError(f"{doc.path}: its text holds a NUL character, which PostgreSQL cannot store")
    with conn.transaction():
        if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (BUILD_LOCK,)).fetchone()[0]:
            raise IndexBusyError(
                "another build is publishing to this database right now; run the index again when it has finished"
            )
        live = live_row(conn)
        version = (live[0] if live else 0) + 1
        dim = int(data.vectors.shape[1])
        old = _readable(conn, live, known) if live else None
        rebuild = old is None or old.fingerprint != data.manifest.fingerprint or old.model.dim != dim
        old_keys = {} if old is None or rebuild else {sid: entry.key for sid, entry in old.sources.items()}
        new_keys = {sid: entry.key for sid, entry in data.manifest.sources.items()}
        gone = list(old_keys) if rebuild else [sid for sid, key in old_keys.items() if new_keys.get(sid) != key]
        _stamp_removed(conn, version, None if rebuild else gone)
        entries = None if old is None or rebuild else changed(old.sources, data.manifest.sources)
        pg_sources.write(conn, version, data.manifest.sources, entries)
        _check_kept(data, old_keys, new_keys)
        written = [doc for doc in data.documents if rebuild or old_keys.get(doc.id) != new_keys[doc.id]]
        new_chunks, new_length, new_df = _insert(conn, version, written, data)
        pg_bm25.record_df(conn, version, new_df, rebuild)
        removed_chunks, removed_length = conn.execute(
            "SELECT count(*), coalesce(sum(length), 0) FROM assistant.chunks WHERE removed = %s", (version,)
        ).fetchone()
        chunks = (live[1] if live else 0) - int(removed_chunks) + new_chunks
        total_length = (live[2] if live else 0) - int(removed_length) + new_length
        expected = sum(entry.chunks for entry in data.manifest.sources.values())
        if chunks != expected:
            raise IndexFormatError(
                f"the database holds {chunks} chunks for this version where the build made {expected}; "
                "rebuild with: python -m assistant index"
            )
        layout = dense_layout(settings, chunks)
        manifest = replace(data.manifest, chunks=chunks, format_version=FORMAT_VERSION, dense=layout)
        published = conn.execute(
            "INSERT INTO assistant.versions (version, manifest, chunks, total_length) VALUES (%s, %s, %s, %s) RETURNING published",
            (version, Json(manifest.header_json()), chunks, total_length),
        ).fetchone()[0]
        _dense_index(conn, layout, dim, None if old is None or rebuild else old.dense, chunks, settings.build_memory_mb)
        _collect(conn, version - _KEEP_VERSIONS + 1)
    return version, manifest, total_length, published


def _check_kept(data: IndexData, old_keys: dict[str, str], new_keys: dict[str, str]) -> None:
    """Sources the manifest lists but ``data`` does not carry are kept from the live version (a build
    that read nothing of them): the live version must hold each with the same key. It does not when
    another build published in between, or when the live version cannot be reused (another format)."""
    carried = {doc.id for doc in data.documents}
    stale = [sid for sid, key in new_keys.items() if sid not in carried and old_keys.get(sid) != key]
    if stale:
        raise IndexBusyError(
            f"the index in the database changed while this build ran ({len(stale)} source(s) differ, e.g. "
            f"{stale[0]!r}); run the index again"
        )


def _readable(conn: Any, live: tuple[int, int, int, Any], known: pg_sources.Known | None) -> Manifest | None:
    """The live version's manifest, or None when it is of another format (the build then rewrites everything)."""
    try:
        return pg_sources.read(conn, live[0], live[3], "the database", known)
    except IndexFormatError:
        return None


def _stamp_removed(conn: Any, version: int, source_ids: list[str] | None) -> None:
    """Mark the live rows of ``source_ids`` (all live rows when None) as gone from ``version`` on."""
    which = "" if source_ids is None else " AND source_id = ANY(%(ids)s)"
    params = {"version": version, "ids": source_ids}
    docs = conn.execute(
        f"UPDATE assistant.documents SET removed = %(version)s WHERE removed IS NULL{which} RETURNING doc", params
    ).fetchall()
    ids = [d[0] for d in docs]
    if ids:
        conn.execute("UPDATE assistant.chunks SET removed = %s WHERE doc = ANY(%s) AND removed IS NULL", (version, ids))
        conn.execute("UPDATE assistant.postings SET removed = %s WHERE doc = ANY(%s) AND removed IS NULL", (version, ids))


def _insert(conn: Any, version: int, documents: list[Document], data: IndexData) -> tuple[int, int, Counter[str]]:
    """Insert ``documents`` with their chunks, vectors and postings; returns the chunks' count, their total
    length and how many of them hold each term."""
    if not documents:
        return 0, 0, Counter()
    doc_ids: dict[str, int] = {}
    for doc in documents:
        doc_ids[doc.id] = conn.execute(
            "INSERT INTO assistant.documents (source_id, added, path, title, publisher, sha256, encoding, page_starts, text) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING doc",
            (doc.id, version, doc.path, doc.title, doc.publisher, doc.sha256, doc.encoding, list(doc.page_starts), doc.text),
        ).fetchone()[0]
    insert_terms(conn, [doc_ids[d.id] for d in documents], TermTable.of_texts(d.text for d in documents))
    positions = [i for i, chunk in enumerate(data.chunks) if chunk.source_id in doc_ids]
    if not positions:
        return 0, 0, Counter()
    chunks: list[Chunk] = [data.chunks[i] for i in positions]
    # Ids drawn in order, so rows keep the build's chunk order (ties in a ranking go to the lower row, as in the files backend).
    rows = sorted(r[0] for r in conn.execute(
        "SELECT nextval('assistant.chunks_row_id_seq') FROM generate_series(1, %s)", (len(chunks),)
    ).fetchall())
    terms = chunk_terms([c.text for c in chunks])
    vectors = np.asarray(data.vectors[positions], dtype=np.float32)
    with conn.cursor().copy(
        "COPY assistant.chunks (row_id, doc, source_id, start, stop, length, added, embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "int8", "text", "int4", "int4", "int4", "int8", "vector"])
        for row, chunk, counts, vector in zip(rows, chunks, terms, vectors, strict=True):
            copy.write_row((row, doc_ids[chunk.source_id], chunk.source_id, chunk.start, chunk.end,
                            sum(counts.values()), version, vector))
    insert_sentences(conn, rows, data.sentences, positions)
    with conn.cursor().copy(
        "COPY assistant.postings (term, row_id, doc, tf, length, added) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["text", "int8", "int8", "int4", "int4", "int8"])
        for posting in postings(rows, [doc_ids[c.source_id] for c in chunks], terms, version):
            copy.write_row(posting)
    return len(chunks), sum(sum(counts.values()) for counts in terms), Counter(t for counts in terms for t in counts)


def _dense_index(
    conn: Any, layout: dict[str, Any], dim: int, old_layout: dict[str, Any] | None, rows: int, memory_mb: int
) -> None:
    """The HNSW index the layout asks for (pgvector's, same m and ef_construction as FAISS), or none."""
    if layout == old_layout:
        return
    conn.execute("DROP INDEX IF EXISTS assistant.chunks_hnsw")
    if layout["index"] == "hnsw":
        # pgvector builds the graph in maintenance_work_mem and, once it outgrows it, goes on from disk many times
        # slower (its notice "hnsw graph no longer fits into maintenance_work_mem"): a million chunks' graph is
        # ~2.5 GB against the server's default 64 MB. Room for this graph, up to ``memory_mb``, for this publish only.
        graph_mb = math.ceil(1.2 * rows * (4 * dim + 24 * int(layout["m"]) + 128) / 2**20)
        conn.execute(f"SET LOCAL maintenance_work_mem = '{max(64, min(graph_mb, int(memory_mb)))}MB'")  # integers
        # Over the typed expression: the column is untyped so that a model of another size needs no migration.
        # DDL takes no bound parameters: these are integers from DenseSettings, formatted as such.
        conn.execute(
            f"CREATE INDEX chunks_hnsw ON assistant.chunks USING hnsw ((embedding::vector({int(dim)})) vector_ip_ops) "
            f"WITH (m = {int(layout['m'])}, ef_construction = {int(layout['ef_construction'])})"
        )


def _collect(conn: Any, oldest_kept: int) -> None:
    """Delete rows no kept version can see, and the versions before ``oldest_kept``."""
    for table in ("postings", "chunks", "documents", "sources", "term_df"):
        conn.execute(f"DELETE FROM assistant.{table} WHERE removed <= %s", (oldest_kept,))
    conn.execute("DELETE FROM assistant.versions WHERE version < %s", (oldest_kept,))
