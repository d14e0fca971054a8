"""The manifest's source entries are versioned rows: a publish writes the entries it changes, a version reads
back exactly the manifest published, and a database of the previous schema (whole manifests) is upgraded."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Json

from assistant.manifest import Manifest
from assistant.store import pg_schema, pg_sources
from assistant.store.postgres import PostgresStore

from .conftest import make_assistant

NEW_TEXT = "The zygomorphic lighthouse keeper counted forty-two herons on the quay at dawn.\n"


def _entry_rows(url: str) -> list[tuple[str, int, int | None]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT source_id, added, removed FROM assistant.sources ORDER BY source_id, added").fetchall()


def _manifest_at(url: str, version: int) -> Manifest:
    with psycopg.connect(url) as conn:
        published = conn.execute("SELECT published FROM assistant.versions WHERE version = %s", (version,)).fetchone()[0]
        return pg_sources.read(conn, version, published, "the test database")


def _edit(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + NEW_TEXT, encoding="utf-8")


def test_each_version_reads_back_exactly_the_manifest_it_published(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder
) -> None:
    writer = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    reader = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    writer.refresh()
    first = writer.snapshot.manifest
    assert reader.snapshot.manifest == first and PostgresStore(pg_url).manifest() == first
    names = sorted(p.name for p in sources.iterdir())
    _edit(sources / names[0])
    (sources / names[1]).unlink()
    (sources / "late.txt").write_text(NEW_TEXT, encoding="utf-8")
    writer.refresh()
    second = writer.snapshot.manifest
    assert set(second.sources) == (set(first.sources) - {names[1]}) | {"late.txt"}
    # The reader holds version 1 and reads only what changed since; a new process reads version 2 whole.
    assert reader.search("zygomorphic herons", k=1).results[0].source.id in {names[0], "late.txt"}
    assert reader.snapshot.manifest == second and PostgresStore(pg_url).manifest() == second
    assert _manifest_at(pg_url, 1) == first and _manifest_at(pg_url, 2) == second


def test_a_one_document_edit_writes_that_sources_entry_only_and_reads_no_other(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    changed = sorted(sources.iterdir())[2]
    _edit(changed)
    parsed: list[str] = []
    real = pg_sources._parsed
    monkeypatch.setattr(pg_sources, "_parsed", lambda entries, where: (parsed.extend(entries), real(entries, where))[1])
    assistant.refresh()
    monkeypatch.undo()

    assert parsed == []  # the publish compared against the manifest the process held
    rows = _entry_rows(pg_url)
    assert [(sid, added) for sid, added, _ in rows if added == 2] == [(changed.name, 2)]
    assert [(sid, removed) for sid, _, removed in rows if removed is not None] == [(changed.name, 2)]
    assert len(rows) == 6  # five sources, one of them in two versions
    with psycopg.connect(pg_url) as conn:
        headers = [r[0] for r in conn.execute("SELECT manifest FROM assistant.versions ORDER BY version")]
    assert len(headers) == 2 and all("sources" not in header for header in headers)


def test_a_database_of_the_previous_schema_is_upgraded_with_both_kept_versions_read_as_before(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder
) -> None:
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    first = assistant.snapshot.manifest
    changed = sorted(sources.iterdir())[2]
    _edit(changed)
    assistant.refresh()
    second = assistant.snapshot.manifest
    # Back to schema 6 as it stored a version: the whole manifest's JSON in its row, no entry rows.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for version, manifest in ((1, first), (2, second)):
            conn.execute("UPDATE assistant.versions SET manifest = %s WHERE version = %s", (Json(manifest.to_json()), version))
        for statement in ("DROP TABLE assistant.sources", "DROP INDEX assistant.chunks_doc", "DROP INDEX assistant.documents_removed",
                          "DROP TABLE assistant.term_df"):  # and what schema 8 added
            conn.execute(statement)
        conn.execute("UPDATE assistant.schema_version SET version = 6")

    reopened = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assert reopened.search("zygomorphic herons", k=1).results[0].source.id == changed.name
    with psycopg.connect(pg_url) as conn:
        assert pg_schema.installed_version(conn) == pg_schema.SCHEMA_VERSION
    assert reopened.snapshot.manifest == second
    assert _manifest_at(pg_url, 1) == first and _manifest_at(pg_url, 2) == second
    rows = _entry_rows(pg_url)
    assert len(rows) == 6 and [(sid, removed) for sid, _, removed in rows if removed] == [(changed.name, 2)]

    _edit(sorted(sources.iterdir())[0])  # and it publishes on from there, one entry at a time
    assert reopened.refresh().updated == (sorted(sources.iterdir())[0].name,)
    assert [sid for sid, added, _ in _entry_rows(pg_url) if added == 3] == [sorted(sources.iterdir())[0].name]
