"""A PostgreSQL build writes only what changed and reads nothing of the rest back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg
import pytest

from assistant.store import IndexData, pg_publish, pg_sources, pg_views
from assistant.store.postgres import PostgresStore
from assistant.store.sentences import SentenceTable

from .conftest import make_assistant

NEW_TEXT = "The zygomorphic lighthouse keeper counted forty-two herons on the quay at dawn.\n"


def _documents_by_version(url: str) -> dict[str, tuple[int, int | None]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT source_id, added, removed FROM assistant.documents ORDER BY doc").fetchall()
    return {f"{sid}@{added}": (added, removed) for sid, added, removed in rows}


def test_a_one_document_change_reads_back_that_document_only_and_writes_its_rows_only(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    first = assistant.refresh()
    changed = sorted(sources.iterdir())[2]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n" + NEW_TEXT, encoding="utf-8")

    fetched: list[str] = []
    real_fetch = pg_views.Documents.fetch
    monkeypatch.setattr(pg_views.Documents, "fetch", lambda self, ids: (fetched.extend(ids), real_fetch(self, ids))[1])
    monkeypatch.setattr(pg_views.Chunks, "with_rows", lambda self: pytest.fail("the build walked every chunk"))
    report = assistant.refresh()
    monkeypatch.undo()

    assert report.updated == (changed.name,) and report.documents == 5
    assert set(fetched) == {changed.name}  # its previous chunks, for the vectors of unchanged text
    assert 0 < report.embedded_chunks < first.chunks // 2
    rows = _documents_by_version(pg_url)
    assert {key for key, (added, _) in rows.items() if added == 2} == {f"{changed.name}@2"}
    assert rows[f"{changed.name}@1"] == (1, 2)  # the old row stays readable by a search pinned to version 1
    assert assistant.search("zygomorphic herons", k=1).results[0].source.id == changed.name
    assert sum(e.chunks for e in assistant.snapshot.manifest.sources.values()) == len(assistant.snapshot.chunks)


def test_reindexing_an_unchanged_corpus_reads_the_manifest_only_when_a_version_was_published(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    parsed: list[str] = []
    real_read = pg_sources.read_manifest
    monkeypatch.setattr(pg_sources, "read_manifest", lambda stored, where: (parsed.append(where), real_read(stored, where))[1])
    assert assistant.refresh().reason == "unchanged"
    assert assistant.search("herons", k=1) and parsed == []
    monkeypatch.undo()

    (sources / "late.txt").write_text(NEW_TEXT, encoding="utf-8")
    make_assistant(sources, pg_url, tmp_path / "index", fake_embedder).refresh()  # another server publishes
    monkeypatch.setattr(pg_sources, "read_manifest", lambda stored, where: (parsed.append(where), real_read(stored, where))[1])
    assert assistant.search("zygomorphic herons", k=1).results[0].source.id == "late.txt"
    assert assistant.refresh().reason == "unchanged"
    assert len(parsed) == 1  # the new version's manifest, read once


def test_a_build_made_against_an_older_version_is_refused_rather_than_mixed_in(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder
) -> None:
    store = PostgresStore(pg_url)
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    stale = store.manifest()
    assert stale is not None
    changed = sorted(sources.iterdir())[0]
    changed.write_text(NEW_TEXT, encoding="utf-8")
    assistant.refresh()  # another build published while the stale one ran
    nothing = IndexData(stale, [], [], np.zeros((0, fake_embedder.dim), dtype=np.float32), SentenceTable.of_chunks([], fake_embedder.dim))
    with pytest.raises(pg_publish.IndexBusyError, match=f"changed while this build ran.*{changed.name}"):
        store.publish(nothing)
    assert assistant.search("zygomorphic herons", k=1).results[0].source.id == changed.name
