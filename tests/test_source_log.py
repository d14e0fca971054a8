"""The manifest's sources cost the edit too: a build writes the entries it changed, not every source's,
and an index whose manifest.json holds its sources inline (written before the sources files) still opens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.store import source_log
from assistant.store.files import FileStore
from assistant.store import segments as segments_module

from test_incremental_index import FLAT, answers, corpus, write_document


@pytest.fixture
def built(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    assistant = Assistant(corpus(tmp_path / "sources", documents=40), tmp_path / "index", settings=FLAT, embedder=fake_embedder)
    assistant.refresh()
    return assistant


def test_an_edit_writes_only_its_own_entry_and_document(built: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    entries: list[str] = []
    to_json = source_log.source_to_json

    def counted(entry):  # type: ignore[no-untyped-def]
        entries.append(entry.path)
        return to_json(entry)

    written: list[str] = []
    write = segments_module.write

    def counted_write(folder, name, documents, *args, **kwargs):  # type: ignore[no-untyped-def]
        written.extend(d.id for d in documents)
        return write(folder, name, documents, *args, **kwargs)

    monkeypatch.setattr(source_log, "source_to_json", counted)
    monkeypatch.setattr(segments_module, "write", counted_write)
    before = built.snapshot
    write_document(built.sources_dir, 7, seed=1)
    assert built.refresh().updated == ("doc07.txt",)
    after = built.snapshot
    assert written == ["doc07.txt"]
    assert [Path(p).name for p in entries] == ["doc07.txt"]
    base = [s.folder / source_log.BASE_FILE for s in (before, after)]  # type: ignore[attr-defined]
    assert base[0].stat().st_ino == base[1].stat().st_ino  # linked, not rewritten
    delta = json.loads((after.folder / source_log.DELTA_FILE).read_text())  # type: ignore[attr-defined]
    assert list(delta["set"]) == ["doc07.txt"] and delta["drop"] == []


def test_a_deleted_source_is_dropped_by_the_delta_and_stays_gone_when_reopened(built: Assistant, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    (built.sources_dir / "doc05.txt").unlink()
    assert built.refresh().removed == ("doc05.txt",)
    delta = json.loads((built.snapshot.folder / source_log.DELTA_FILE).read_text())  # type: ignore[attr-defined]
    assert delta == {"set": {}, "drop": ["doc05.txt"]}
    reopened = FileStore(built.store.folder).manifest()  # type: ignore[attr-defined]
    assert reopened == built.snapshot.manifest and "doc05.txt" not in reopened.sources


def test_once_the_delta_outgrows_its_share_a_new_base_is_written_and_reads_back_the_same(built: Assistant) -> None:
    first_base = (built.snapshot.folder / source_log.BASE_FILE).stat().st_ino  # type: ignore[attr-defined]
    changed = 40 // source_log.DELTA_SHARE + 1
    for number in range(changed):
        write_document(built.sources_dir, number, seed=5)
        built.refresh()
    folder = built.snapshot.folder  # type: ignore[attr-defined]
    assert (folder / source_log.BASE_FILE).stat().st_ino != first_base
    assert json.loads((folder / source_log.DELTA_FILE).read_text()) == {"set": {}, "drop": []}
    assert FileStore(built.store.folder).manifest() == built.snapshot.manifest  # type: ignore[attr-defined]


def test_an_index_with_its_sources_inline_opens_and_the_next_build_moves_them_out(built: Assistant, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = built.snapshot.folder  # type: ignore[attr-defined]
    expected = answers(built)
    manifest = built.snapshot.manifest
    # As written before the sources files: everything in manifest.json.
    (folder / "manifest.json").write_text(json.dumps(manifest.to_json()), encoding="utf-8")
    for name in (source_log.BASE_FILE, source_log.DELTA_FILE):
        (folder / name).unlink()
    old = Assistant(built.sources_dir, built.store.folder, settings=FLAT, embedder=fake_embedder)  # type: ignore[attr-defined]
    assert old.snapshot.manifest == manifest and answers(old) == expected
    write_document(built.sources_dir, 3, seed=9)
    assert old.refresh().updated == ("doc03.txt",)
    after = old.snapshot.folder  # type: ignore[attr-defined]
    assert "sources" not in json.loads((after / "manifest.json").read_text())
    assert len(json.loads((after / source_log.BASE_FILE).read_text())) == 40
    reopened = Assistant(built.sources_dir, built.store.folder, settings=FLAT, embedder=fake_embedder)  # type: ignore[attr-defined]
    assert reopened.snapshot.manifest == old.snapshot.manifest and answers(reopened) == answers(old)
