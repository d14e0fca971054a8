"""The index in PostgreSQL + pgvector: many app servers, one database, optional read replicas.

    store = PostgresStore("postgresql://user@host/db", replica_urls=["postgresql://user@replica/db"])
    Assistant(sources_dir="sources", store=store)

Tables and their upgrades: ``pg_schema``. A version is published in one transaction (``pg_publish``);
a snapshot is pinned to the version it opened, and every read it makes filters rows by that version,
each in a read-only REPEATABLE READ transaction (``reading()`` holds one open across several calls),
so a search never mixes two versions. Documents and chunks are fetched by id (``pg_views``): an app
server holds its candidates, not the corpus. Dense search is pgvector's inner product (exact, or HNSW
with ``DenseSettings``' m / ef_construction / ef_search); BM25 is ``pg_bm25``.

Searches go to a replica when one is given and has the primary's version; writes always go to the
primary. A replica that is down is skipped with a warning. Passwords are never logged: messages show
``redact(url)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from ..config import DenseSettings
from ..errors import AssistantError, IndexFormatError, IndexMissingError
from ..manifest import Manifest
from ..term_stats import DocumentTerms
from ..types import Chunk
from . import IndexData
from . import pg_bm25, pg_publish, pg_schema, pg_sources
from .pg_sentences import SentenceRows, TermRows
from .dense import EXACT_ROWS
from .pg_views import Chunks, Documents
from .sentences import ChunkSentences

log = logging.getLogger(__name__)

CACHE_DOCUMENT_CHARS = 16_000_000  # whole documents, for quotes and citations of the candidates (~16-64 MB)
CACHE_CHUNKS = 4096  # spans only (source, start, end): a few candidate lists' worth
CACHE_TERM_DOCUMENTS = 1024  # documents' term counts (a few kB each): the candidates of the last searches


def redact(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***``: the only form of a URL that is ever shown."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class DatabaseUnavailableError(AssistantError):
    """No server of the store answered."""


class _Server:
    """One PostgreSQL server: a connection per thread, opened on first use."""

    def __init__(self, url: str, *, writable: bool) -> None:
        self.url = url
        self.writable = writable
        self._local = threading.local()
        self._schema_checked = False

    def connection(self) -> Any:
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            try:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5, application_name="assistant")
            except psycopg.OperationalError as error:
                raise DatabaseUnavailableError(f"cannot connect to {redact(self.url)}: {_first_line(error)}") from None
            try:
                if not self._schema_checked:
                    (pg_schema.upgrade if self.writable else pg_schema.check)(conn)
                    self._schema_checked = True
                from pgvector.psycopg import register_vector

                register_vector(conn)
            except BaseException:
                conn.close()
                raise
            self._local.conn = conn
            self._local.depth = 0
        return conn

    @contextmanager
    def read(self) -> Iterator[Any]:
        """A connection inside a read-only REPEATABLE READ transaction; nested calls share the outer one."""
        import psycopg
        from psycopg import IsolationLevel

        conn = self.connection()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        self._local.depth = 1
        try:
            with conn.transaction():
                yield conn
        except psycopg.OperationalError as error:  # the server went away mid-query
            raise DatabaseUnavailableError(f"lost {redact(self.url)}: {_first_line(error)}") from None
        finally:
            self._local.depth = 0
            if not conn.closed:  # a lost connection is replaced on the next use
                conn.read_only = False
                conn.isolation_level = None

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class PostgresSnapshot:
    """One published version, read through ``server``; every query is pinned to ``version``."""

    def __init__(
        self, server: _Server, version: int, manifest: Manifest, total_length: int, dense: DenseSettings
    ) -> None:
        self.server = server
        self.version = version
        self.manifest = manifest
        self.total_length = total_length
        self._dense = dense
        self.documents = Documents(server.read, version, list(manifest.sources), CACHE_DOCUMENT_CHARS)
        self.chunks: Chunks = Chunks(server.read, version, manifest.chunks, self.documents, CACHE_CHUNKS)
        self._sentences = SentenceRows(server.read, manifest.model.dim, CACHE_CHUNKS)
        self._terms = TermRows(server.read, version, CACHE_TERM_DOCUMENTS)

    def reading(self) -> Any:
        """One read-only REPEATABLE READ transaction around several calls (a whole search)."""
        return self.server.read()

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        wanted = [int(r) for r in rows]
        dim = self.manifest.model.dim
        if len(wanted) <= CACHE_CHUNKS:  # a search's candidates: through the cache that also serves their spans
            self.chunks.fetch(wanted)
            return np.asarray([self.chunks.vector(r) for r in wanted], dtype=np.float32).reshape(len(wanted), dim)
        with self.server.read() as conn:  # a build reusing the previous version's vectors: straight through
            found = dict(conn.execute(
                f"SELECT row_id, embedding FROM assistant.chunks WHERE row_id = ANY(%(rows)s) AND {pg_schema.visible()}",
                {"rows": wanted, "version": self.version},
                binary=True,
            ).fetchall())
        return np.asarray([found[r].to_numpy() for r in wanted], dtype=np.float32).reshape(len(wanted), dim)

    def sentences(self, rows: Sequence[int]) -> list[ChunkSentences]:
        return self._sentences.get(rows)

    def document_terms(self, source_ids: Sequence[str]) -> list[DocumentTerms]:
        return self._terms.get(source_ids)

    def dense_search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        query = np.asarray(query, dtype=np.float32)
        params: dict[str, Any] = {"q": query, "version": self.version, "k": int(k)}
        graph = self.manifest.dense.get("index") == "hnsw" and (allowed is None or len(allowed) > EXACT_ROWS)
        where = pg_schema.visible()
        if allowed is not None:
            where += " AND row_id = ANY(%(allowed)s::bigint[])"
            params["allowed"] = [int(r) for r in allowed]
        with self.server.read() as conn:
            if graph:
                # ef_search per query, and an iterative scan so rows of other versions or sources do not starve the top k.
                conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(max(self._dense.ef_search, k)),))
                conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
                typed = f"embedding::vector({int(self.manifest.model.dim)})"
                sql = f"SELECT row_id, -({typed} <#> %(q)s) FROM assistant.chunks WHERE {where} ORDER BY {typed} <#> %(q)s LIMIT %(k)s"
            else:
                sql = f"SELECT row_id, -(embedding <#> %(q)s) AS s FROM assistant.chunks WHERE {where} ORDER BY s DESC, row_id LIMIT %(k)s"
            prepare = pg_bm25.UNPREPARED if allowed is not None else None  # a filter by an array of rows
            hits = [(int(r), float(s)) for r, s in conn.execute(sql, params, prepare=prepare).fetchall()]
        self.chunks.fetch([r for r, _ in hits])
        return sorted(hits, key=lambda hit: (-hit[1], hit[0]))

    def bm25_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        with self.server.read() as conn:
            hits = pg_bm25.search(
                conn, self.version, self.manifest.chunks, self.total_length, query, k,
                None if allowed is None else [int(r) for r in allowed],
            )
        self.chunks.fetch([r for r, _ in hits])
        return hits

    def rows_of(self, source_ids: Sequence[str]) -> np.ndarray:
        with self.server.read() as conn:
            rows = conn.execute(
                f"SELECT row_id FROM assistant.chunks WHERE source_id = ANY(%(ids)s) AND {pg_schema.visible()} ORDER BY row_id",
                {"ids": list(source_ids), "version": self.version},
            ).fetchall()
        return np.asarray([r[0] for r in rows], dtype=np.int64)

    def chunk_rows(self) -> Iterator[tuple[int, Chunk]]:
        return self.chunks.with_rows()


class PostgresStore:
    """``IndexStore`` over a PostgreSQL database with pgvector; ``replica_urls`` serve searches."""

    keeps_unchanged = True  # rows carry the versions that see them: a build writes only what changed

    def __init__(self, url: str, replica_urls: Sequence[str] = (), dense: DenseSettings | None = None) -> None:
        self.url = url
        self.dense = dense or DenseSettings()
        self._primary = _Server(url, writable=True)
        self._replicas = [_Server(u, writable=False) for u in replica_urls]
        self._parsed: pg_sources.Known | None = None  # the last manifest read

    def __repr__(self) -> str:
        return f"PostgresStore({redact(self.url)!r}, replicas={len(self._replicas)})"

    def manifest(self) -> Manifest | None:
        with self._primary.read() as conn:
            live = self._live(conn, self._primary)
        return live[1] if live else None

    def open(self) -> PostgresSnapshot:
        """The live version, read from the first replica that has it, else from the primary."""
        server, live = self._reader()
        if live is None:
            raise IndexMissingError(f"no index in {redact(self.url)}; build one with: python -m assistant index --store <URL>")
        version, manifest, _, total_length = live
        return PostgresSnapshot(server, version, manifest, total_length, self.dense)

    def publish(self, data: IndexData) -> PostgresSnapshot:
        conn = self._primary.connection()
        version, manifest, total_length, published = pg_publish.publish(conn, data, self.dense, self._parsed)
        self._parsed = ((version, published), manifest)
        return PostgresSnapshot(self._primary, version, manifest, total_length, self.dense)

    def tidy(self) -> None:
        """Nothing to do: a crashed build's transaction left no rows, and each publish deletes the rows
        and versions older than the previous one."""

    def is_current(self, snapshot: PostgresSnapshot) -> bool:
        """Whether ``snapshot`` is still the live version on the server it reads from: one tiny query."""
        try:
            with snapshot.server.read() as conn:
                row = conn.execute("SELECT max(version) FROM assistant.versions").fetchone()
        except DatabaseUnavailableError as error:
            log.warning("%s; reopening the index elsewhere", error)
            return False
        return row[0] == snapshot.version

    def versions(self) -> dict[str, int | None]:
        """The live version on the primary and on each replica (None: down or empty), by redacted URL."""
        found: dict[str, int | None] = {}
        for server in [self._primary, *self._replicas]:
            try:
                with server.read() as conn:
                    found[redact(server.url)] = conn.execute("SELECT max(version) FROM assistant.versions").fetchone()[0]
            except (DatabaseUnavailableError, IndexFormatError):
                found[redact(server.url)] = None
        return found

    def _live(self, conn: Any, server: _Server) -> tuple[int, Manifest, int, int] | None:
        """(version, manifest, chunks, total length) of the live version on ``server``. Its manifest is
        parsed once per version, and from the one this process last parsed only the source entries
        changed since are read: asking again with nothing published is one small query."""
        live = pg_publish.live_row(conn)
        if live is None:
            return None
        version, chunks, total_length, published = live
        manifest = pg_sources.read(conn, version, published, redact(server.url), self._parsed)
        self._parsed = ((version, published), manifest)
        return version, manifest, chunks, total_length

    def _reader(self) -> tuple[_Server, tuple[int, Manifest, int, int] | None]:
        primary_up = True
        primary = None
        try:
            with self._primary.read() as conn:
                primary = self._live(conn, self._primary)
        except DatabaseUnavailableError as error:
            if not self._replicas:
                raise
            log.warning("%s; searching a replica's last version", error)
            primary_up = False
        for replica in self._replicas:
            try:
                with replica.read() as conn:
                    # A lagging replica's manifest is not read: it would only displace the primary's as the one parsed.
                    has = conn.execute("SELECT max(version) FROM assistant.versions").fetchone()[0]
                    wanted = has is not None and (not primary_up or (primary is not None and has == primary[0]))
                    live = self._live(conn, replica) if wanted else None
            except (DatabaseUnavailableError, IndexFormatError) as error:
                log.warning("replica skipped: %s", error)
                continue
            if live is not None:
                return replica, live
            log.info("replica %s lags: it has version %s, the primary %s", redact(replica.url), has, primary and primary[0])
        if not primary_up:
            raise DatabaseUnavailableError(f"neither the primary {redact(self.url)} nor any replica answered")
        return self._primary, primary

    def close(self) -> None:
        for server in [self._primary, *self._replicas]:
            server.close()

