"""The index is incremental, atomic, and never mixes settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant import Assistant, ChunkSettings, Settings
from assistant.config import FORMAT_VERSION
from assistant.errors import IndexFormatError, IndexMismatchError, IndexMissingError
from assistant.store import files as store_files
from assistant.store.sparse import SparseIndex


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text("The unit investigates 625 allegations.\nIt was formed in January.", encoding="utf-8")
    (folder / "b.md").write_text("Commissioner Rowley vowed to rebuild trust.\nHe took over the role.", encoding="utf-8")
    (folder / "c.html").write_bytes(b"<p>Inspectors graded call handling inadequate.</p>")
    return folder


def make(tmp_path: Path, embedder, settings: Settings | None = None) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant(sources_dir=corpus(tmp_path / "sources"), index_dir=tmp_path / "index", embedder=embedder, settings=settings)


def test_a_fresh_build_indexes_every_source_and_records_a_manifest(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    report = assistant.refresh()
    assert report.changed and sorted(report.added) == ["a.txt", "b.md", "c.html"]
    manifest = assistant.store.manifest()
    assert manifest.format_version == FORMAT_VERSION and manifest.model.name == fake_embedder.name
    assert manifest.chunker == {"encoding": "cl100k_base", "max_tokens": 128, "overlap_tokens": 32, "unit": "window"}
    assert set(manifest.sources) == {"a.txt", "b.md", "c.html"}
    assert all(len(entry.sha256) == 64 for entry in manifest.sources.values())


def test_an_unchanged_corpus_is_not_re_embedded(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    assistant.refresh()
    fake_embedder.calls.clear()
    report = Assistant(assistant.sources_dir, tmp_path / "index", embedder=fake_embedder).refresh()
    assert not report.changed and fake_embedder.calls == []


def test_changing_one_source_re_embeds_only_its_chunks(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    assistant.refresh()
    fake_embedder.calls.clear()
    (assistant.sources_dir / "b.md").write_text("Commissioner Rowley resigned.", encoding="utf-8")
    report = assistant.refresh()
    assert report.updated == ("b.md",) and report.embedded_chunks == 1
    assert fake_embedder.calls == ["Commissioner Rowley resigned."]
    assert assistant.search("Rowley resigned", k=1).results[0].source.id == "b.md"


def test_deleted_sources_are_dropped(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    assistant.refresh()
    (assistant.sources_dir / "c.html").unlink()
    report = assistant.refresh()
    assert report.removed == ("c.html",)
    assert "c.html" not in assistant.snapshot.documents


def test_a_broken_file_is_reported_and_the_rest_indexed(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    (assistant.sources_dir / "empty.txt").write_bytes(b"")
    report = assistant.refresh()
    assert report.documents == 3
    assert [Path(f.path).name for f in report.failures] == ["empty.txt"]
    assert assistant.failures()[0].reason == "empty file"
    # Still broken, still unchanged: nothing to redo, and the failure is still reported.
    again = assistant.refresh()
    assert not again.changed and [Path(f.path).name for f in again.failures] == ["empty.txt"]


def test_an_interrupted_build_leaves_the_previous_index_loadable(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    assistant = make(tmp_path, fake_embedder)
    assistant.refresh()
    before = assistant.store.manifest()
    (assistant.sources_dir / "a.txt").write_text("Something new entirely.", encoding="utf-8")

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(SparseIndex, "build", interrupted)
    with pytest.raises(KeyboardInterrupt):
        assistant.refresh()
    monkeypatch.undo()
    reopened = Assistant(assistant.sources_dir, tmp_path / "index", embedder=fake_embedder)
    assert reopened.store.manifest() == before
    assert reopened.search("625 allegations", k=1).results[0].source.id == "a.txt"
    assert not list((tmp_path / "index").glob(".staging-*"))


def test_an_index_built_with_other_chunker_settings_is_refused_then_rebuilt(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path, fake_embedder).refresh()
    other = Settings(chunk=ChunkSettings(max_tokens=64, overlap_tokens=8))
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", settings=other, embedder=fake_embedder)
    with pytest.raises(IndexMismatchError, match="python -m assistant index"):
        assistant.search("trust")
    fake_embedder.calls.clear()
    report = assistant.refresh()
    assert "another model, chunker (settings or code version) or format" in report.reason and report.embedded_chunks > 0
    assert assistant.search("trust", k=1).results


def test_an_index_of_another_format_version_says_how_to_rebuild(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    assistant.refresh()
    current = (tmp_path / "index" / "CURRENT").read_text().strip()
    manifest_path = tmp_path / "index" / "snapshots" / current / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps(manifest | {"format_version": 99}))
    fresh = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    with pytest.raises(IndexFormatError, match="format version 99.*python -m assistant index"):
        fresh.search("trust")
    assert fresh.refresh().changed and fresh.search("trust", k=1).results


def test_searching_without_an_index_says_how_to_build_one(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IndexMissingError, match="python -m assistant index"):
        Assistant(tmp_path / "sources", tmp_path / "nothing", embedder=fake_embedder).search("x")


def test_an_unchanged_corpus_with_settled_files_is_not_even_read(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    assistant = make(tmp_path, fake_embedder)
    for path in assistant.sources_dir.iterdir():
        os.utime(path, ns=(1_600_000_000 * 10**9, 1_600_000_000 * 10**9))  # long before the scan
    assistant.refresh()

    def no_reading(self: Path) -> bytes:
        raise AssertionError(f"{self} has its recorded size and mtime; it should not be read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    assert not assistant.refresh().changed


def test_an_edit_that_keeps_the_size_is_found_by_its_mtime(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    settled = 1_600_000_000 * 10**9
    for path in assistant.sources_dir.iterdir():
        os.utime(path, ns=(settled, settled))
    assistant.refresh()
    edited = assistant.sources_dir / "a.txt"
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("625", "626"), encoding="utf-8")
    os.utime(edited, ns=(settled + 10**9, settled + 10**9))
    report = assistant.refresh()
    assert report.updated == ("a.txt",)
    assert assistant.search("626 allegations", k=1).results[0].source.id == "a.txt"
