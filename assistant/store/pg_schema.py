"""The PostgreSQL store's tables, created and upgraded by the product itself.

``assistant.schema_version`` holds the version the tables are at. Opening a store on the primary
applies every migration after it, in order, in one transaction under an advisory lock (two servers
starting at once upgrade once). A database at a newer version than this code knows is refused, and
so is an outdated one seen through a read replica, which cannot be written.

Rows are never updated in place except to stamp ``removed``: a document, its chunks and their postings,
and a source's manifest entry, are visible in index version v when ``added <= v`` and (``removed`` is null or ``removed > v``), so a
search pinned to a version reads exactly that version while a build publishes the next one.
"""

from __future__ import annotations

from typing import Any

from ..errors import IndexFormatError

SCHEMA_VERSION = 8
SCHEMA_LOCK = 0x61_73_73_01  # pg_advisory_xact_lock key for migrations ("ass" 1)
UPGRADE_HINT = "python -m assistant index --store <primary URL>"


def visible(alias: str = "", version: str = "%(version)s") -> str:
    """The SQL condition for a row of ``alias`` being in index version ``version`` (a bound parameter unless told)."""
    p = f"{alias}." if alias else ""
    return f"{p}added <= {version} AND ({p}removed IS NULL OR {p}removed > {version})"


# Migration i (1-based) brings the tables from version i - 1 to version i. Never edit a released one: add one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE EXTENSION IF NOT EXISTS vector",
        """CREATE TABLE assistant.versions (
            version bigint PRIMARY KEY, manifest json NOT NULL, chunks bigint NOT NULL,
            total_length bigint NOT NULL, published timestamptz NOT NULL DEFAULT now())""",
        """CREATE TABLE assistant.documents (
            doc bigserial PRIMARY KEY, source_id text NOT NULL, added bigint NOT NULL, removed bigint,
            path text NOT NULL, title text NOT NULL, publisher text, sha256 text NOT NULL,
            encoding text NOT NULL, page_starts integer[] NOT NULL, text text NOT NULL)""",
        "CREATE INDEX documents_source ON assistant.documents (source_id)",
        """CREATE TABLE assistant.chunks (
            row_id bigserial PRIMARY KEY, doc bigint NOT NULL, source_id text NOT NULL,
            start integer NOT NULL, stop integer NOT NULL, length integer NOT NULL,
            added bigint NOT NULL, removed bigint, embedding vector NOT NULL)""",
        "CREATE INDEX chunks_source ON assistant.chunks (source_id)",
        "CREATE INDEX chunks_removed ON assistant.chunks (removed) WHERE removed IS NOT NULL",
        """CREATE TABLE assistant.postings (
            term text NOT NULL, row_id bigint NOT NULL, doc bigint NOT NULL, tf integer NOT NULL,
            length integer NOT NULL, added bigint NOT NULL, removed bigint)""",
        "CREATE INDEX postings_term ON assistant.postings (term)",
        "CREATE INDEX postings_doc ON assistant.postings (doc)",
    ),
    # 2: BM25 reads a term's postings from the index alone (an index-only scan), not one heap page each.
    (
        "CREATE INDEX postings_term_covering ON assistant.postings (term) INCLUDE (row_id, tf, length, added, removed)",
        "DROP INDEX assistant.postings_term",
    ),
    # 3: a publish deletes the postings no kept version sees; without this it scanned every posting.
    ("CREATE INDEX postings_removed ON assistant.postings (removed) WHERE removed IS NOT NULL",),
    # 4: each chunk's sentence spans and vectors, for quotes without a model call (index format 2).
    (
        """CREATE TABLE assistant.chunk_sentences (
            row_id bigint PRIMARY KEY REFERENCES assistant.chunks (row_id) ON DELETE CASCADE,
            spans integer[] NOT NULL, vectors bytea NOT NULL)""",
    ),
    # 5: each document's sentence term counts and each sentence's terms, so a quote weighs and matches a
    # question's words by lookup (index format 3; rows of format 2 have none and are rebuilt, never read).
    (
        """CREATE TABLE assistant.document_terms (
            doc bigint PRIMARY KEY REFERENCES assistant.documents (doc) ON DELETE CASCADE,
            sentences integer NOT NULL, keys bytea NOT NULL, counts bytea NOT NULL)""",
        "ALTER TABLE assistant.chunk_sentences ADD COLUMN term_keys bytea, ADD COLUMN term_starts integer[]",
    ),
    # 6: each sentence's answer-kind evidence and flags (sentence_features.py), so a quote's rules read stored
    # rows (index format 4; rows of format 3 have none and are rebuilt, never read).
    (
        "ALTER TABLE assistant.chunk_sentences ADD COLUMN flags bytea, ADD COLUMN evidence_codes bytea, "
        "ADD COLUMN evidence_keys bytea, ADD COLUMN evidence_starts integer[]",
    ),
    # 7: the manifest's source entries as versioned rows (pg_sources), so a publish writes the entries it changes,
    # not every source's; the versions keep the rest. The kept versions (two, in a row) are split: an entry seen
    # in both is one row. And an index on chunks by document, which a publish stamps removed by document.
    (
        """CREATE TABLE assistant.sources (
            source_id text NOT NULL, added bigint NOT NULL, removed bigint, entry jsonb NOT NULL)""",
        "CREATE INDEX sources_source ON assistant.sources (source_id)",
        "CREATE INDEX sources_added ON assistant.sources (added)",
        "CREATE INDEX sources_removed ON assistant.sources (removed) WHERE removed IS NOT NULL",
        """INSERT INTO assistant.sources (source_id, added, removed, entry)
            SELECT e.key, min(v.version),
                   nullif(max(v.version) + 1, (SELECT max(version) + 1 FROM assistant.versions)), e.value
            FROM assistant.versions v, jsonb_each(v.manifest::jsonb -> 'sources') e GROUP BY e.key, e.value""",
        "UPDATE assistant.versions SET manifest = (manifest::jsonb - 'sources')::json",
        "CREATE INDEX chunks_doc ON assistant.chunks (doc)",
        "CREATE INDEX documents_removed ON assistant.documents (removed) WHERE removed IS NOT NULL",
    ),
    # 8: each term's document frequency per version (pg_bm25.record_df), so a query looks its terms' up instead
    # of counting their postings (all of a common term's); counted here once for the kept versions.
    (
        "CREATE TABLE assistant.term_df (term text NOT NULL, added bigint NOT NULL, removed bigint, df integer NOT NULL)",
        "CREATE INDEX term_df_term ON assistant.term_df (term) INCLUDE (added, removed, df)",
        "CREATE INDEX term_df_removed ON assistant.term_df (removed) WHERE removed IS NOT NULL",
        f"""INSERT INTO assistant.term_df (term, added, removed, df)
            SELECT term, min(version), nullif(max(version) + 1, (SELECT max(version) + 1 FROM assistant.versions)), df
            FROM (SELECT v.version, p.term, count(*) AS df FROM assistant.versions v JOIN assistant.postings p
                  ON {visible('p', 'v.version')} GROUP BY v.version, p.term) AS counted
            GROUP BY term, df""",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION


def installed_version(conn: Any) -> int:
    """The schema version of the database behind ``conn``; 0 when the tables were never created."""
    if conn.execute("SELECT to_regclass('assistant.schema_version')").fetchone()[0] is None:
        return 0
    return int(conn.execute("SELECT version FROM assistant.schema_version").fetchone()[0])


def _refuse_newer(found: int) -> None:
    if found > SCHEMA_VERSION:
        raise IndexFormatError(
            f"the database's index tables are at schema version {found}, newer than this assistant "
            f"(version {SCHEMA_VERSION}); upgrade the assistant, or point it at another database"
        )


def upgrade(conn: Any, target: int = SCHEMA_VERSION) -> int:
    """Create or upgrade the tables to ``target`` (the current version unless a test asks for an older
    one); returns the version found before. Commits on ``conn``."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        found = installed_version(conn)
        _refuse_newer(found)
        if found == 0:
            conn.execute("CREATE SCHEMA IF NOT EXISTS assistant")
            conn.execute("CREATE TABLE assistant.schema_version (version integer NOT NULL)")
            conn.execute("INSERT INTO assistant.schema_version VALUES (0)")
        for number in range(found + 1, target + 1):
            for statement in MIGRATIONS[number - 1]:
                conn.execute(statement)
            conn.execute("UPDATE assistant.schema_version SET version = %s", (number,))
    return found


def check(conn: Any) -> None:
    """Refuse a database whose tables this code cannot read as they are (a read replica cannot upgrade)."""
    found = installed_version(conn)
    _refuse_newer(found)
    if found < SCHEMA_VERSION:
        raise IndexFormatError(
            f"the database's index tables are at schema version {found}, this assistant reads version "
            f"{SCHEMA_VERSION}; upgrade them on the primary with: {UPGRADE_HINT}"
        )
