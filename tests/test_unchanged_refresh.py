"""A refresh with nothing changed publishes nothing, whatever the builds before it did: files read again
because they were written just before a scan, a file that ran out of its time budget twice, edits that merged
segments and moved the sources files to a new base; in the same process and reopened from disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant import indexing
from assistant.sources.limits import Deadline
from assistant.store import segments as segments_module
from assistant.store import source_log

from test_incremental_index import FLAT, corpus, write_document


def make(tmp_path: Path, embedder, documents: int = 40) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant(corpus(tmp_path / "sources", documents=documents), tmp_path / "index", settings=FLAT, embedder=embedder)


def assert_nothing_to_publish(assistant: Assistant, embedder) -> None:  # type: ignore[no-untyped-def]
    live = assistant.snapshot.folder  # type: ignore[attr-defined]
    assert not assistant.refresh().changed
    reopened = Assistant(assistant.sources_dir, assistant.store.folder, settings=FLAT, embedder=embedder)  # type: ignore[attr-defined]
    assert not reopened.refresh().changed
    assert assistant.snapshot.folder == live  # type: ignore[attr-defined]


def test_files_written_just_before_the_build_are_read_again_and_change_nothing(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    assistant = make(tmp_path, fake_embedder)
    assistant.refresh()
    read: list[str] = []
    read_bytes = Path.read_bytes

    def counted(self: Path) -> bytes:
        read.append(self.name)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    assert_nothing_to_publish(assistant, fake_embedder)
    assert len(read) >= 40  # modified within the racy window of the build's scan: hashed again, same key


def test_a_file_that_keeps_running_out_of_its_time_budget_is_tried_once_more_then_changes_nothing(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    # doc07.txt's budget is spent before its first check, as a file's can be on a machine under load.
    monkeypatch.setattr(indexing, "Deadline", lambda path, seconds: Deadline(path, -1.0 if path == "doc07.txt" else seconds))
    assistant = make(tmp_path, fake_embedder)
    report = assistant.refresh()
    assert [(f.path, "limit per file" in f.reason) for f in report.failures] == [("doc07.txt", True)]
    assert [f.retry for f in assistant.failures()] == [True]  # what the app lists says the next build tries it
    assert [f.path for f in assistant.refresh().failures] == ["doc07.txt"]  # its retry, out of time again
    assert [f.retry for f in assistant.failures()] == [False]  # kept as failed until it changes
    assert_nothing_to_publish(assistant, fake_embedder)
    assert [f.path for f in assistant.refresh().failures] == ["doc07.txt"]


def test_after_edits_that_merge_segments_and_start_a_new_base_nothing_changed_publishes_nothing(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    merged: list[int] = []
    merge = segments_module.merge

    def counted(folder, parts, *args, **kwargs):  # type: ignore[no-untyped-def]
        merged.append(len(parts))
        return merge(folder, parts, *args, **kwargs)

    monkeypatch.setattr(segments_module, "merge", counted)
    assistant = make(tmp_path, fake_embedder)
    assistant.refresh()
    first_base = (assistant.snapshot.folder / source_log.BASE_FILE).stat().st_ino  # type: ignore[attr-defined]
    for edit in range(12):
        write_document(assistant.sources_dir, (edit * 7) % 40, seed=edit + 1)
        assert assistant.refresh().updated == (f"doc{(edit * 7) % 40:02d}.txt",)
        assert_nothing_to_publish(assistant, fake_embedder)
    assert merged  # the edits' segments were merged
    assert (assistant.snapshot.folder / source_log.BASE_FILE).stat().st_ino != first_base  # type: ignore[attr-defined]
