"""Each index version's BM25 document frequencies are kept in a table, so a query looks them up: they must
equal a count of that version's postings, after a build, an edit, a deletion and an addition, and after
the upgrade that counts them for a database of the previous schema."""

from __future__ import annotations

from pathlib import Path

import psycopg

from assistant.store import pg_schema
from assistant.store.pg_schema import visible

from .conftest import make_assistant

NEW_TEXT = "The zygomorphic lighthouse keeper counted forty-two herons on the quay at dawn.\n"


def _kept_versions_agree(url: str) -> list[int]:
    """Asserts, for each kept version, stored df == postings counted; returns the versions checked."""
    with psycopg.connect(url) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM assistant.versions ORDER BY version")]
        for version in versions:
            params = {"version": version}
            stored = dict(conn.execute(f"SELECT term, df FROM assistant.term_df WHERE {visible()}", params).fetchall())
            counted = dict(conn.execute(
                f"SELECT term, count(*) FROM assistant.postings WHERE {visible()} GROUP BY term", params
            ).fetchall())  # fmt: skip
            assert stored == counted and stored, version
    return versions


def _edit_delete_add(sources: Path) -> None:
    names = sorted(sources.iterdir())
    names[0].write_text(names[0].read_text(encoding="utf-8") + "\n" + NEW_TEXT, encoding="utf-8")
    names[1].unlink()
    (sources / "late.txt").write_text(NEW_TEXT, encoding="utf-8")


def test_stored_document_frequencies_equal_the_postings_counted_in_every_kept_version(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder
) -> None:
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    assert _kept_versions_agree(pg_url) == [1]
    _edit_delete_add(sources)
    assistant.refresh()
    assert _kept_versions_agree(pg_url) == [1, 2]
    (sources / "late.txt").unlink()
    assistant.refresh()
    assert _kept_versions_agree(pg_url) == [2, 3]
    with psycopg.connect(pg_url) as conn:  # an edit rewrote the frequencies of its own terms, not the vocabulary's
        per_version = dict(conn.execute("SELECT added, count(*) FROM assistant.term_df GROUP BY added").fetchall())
    assert per_version[3] < per_version[1] // 4


def test_the_upgrade_from_the_previous_schema_counts_the_frequencies_of_both_kept_versions(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder
) -> None:
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    _edit_delete_add(sources)
    assistant.refresh()
    before = assistant.search("zygomorphic herons", k=3, mode="bm25").results
    with psycopg.connect(pg_url, autocommit=True) as conn:  # back to schema 7, which had no such table
        conn.execute("DROP TABLE assistant.term_df")
        conn.execute("UPDATE assistant.schema_version SET version = 7")

    reopened = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    after = reopened.search("zygomorphic herons", k=3, mode="bm25").results
    with psycopg.connect(pg_url) as conn:
        assert pg_schema.installed_version(conn) == pg_schema.SCHEMA_VERSION
    assert _kept_versions_agree(pg_url) == [1, 2]
    assert [(r.source.id, r.score) for r in after] == [(r.source.id, r.score) for r in before]
