"""Publishing cleans up after crashes, and never removes the live snapshot or the one live just before it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.store import files as store_files


def snapshots(index: Path) -> set[str]:
    return {p.name for p in (index / "snapshots").iterdir()}


def live(index: Path) -> str:
    return (index / "CURRENT").read_text(encoding="utf-8").strip()


def crash_before_current_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the process were killed after renaming its snapshot into place, before CURRENT points at it."""
    replace = os.replace

    def killed(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(dst).name == "CURRENT":
            raise KeyboardInterrupt
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(store_files.os, "replace", killed)


def indexed_note(tmp_path: Path, embedder, text: str) -> tuple[Assistant, Path, Path]:  # type: ignore[no-untyped-def]
    """An assistant over one note, indexed once; returns it, the note and the index folder."""
    (tmp_path / "sources").mkdir()
    note = tmp_path / "sources" / "note.txt"
    note.write_text(text, encoding="utf-8")
    assistant = Assistant(sources_dir=tmp_path / "sources", index_dir=tmp_path / "index", embedder=embedder)
    assistant.refresh()
    return assistant, note, tmp_path / "index"


def crash_publishing(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    crash_before_current_is_replaced(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        assistant.refresh()
    monkeypatch.undo()


def test_a_crash_between_rename_and_current_leaves_an_orphan_the_next_run_removes_keeping_live_and_previous(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    assistant, note, index = indexed_note(tmp_path, fake_embedder, "The harbour board met on Monday.")
    first = live(index)
    note.write_text("The harbour board met on Tuesday.", encoding="utf-8")
    assistant.refresh()
    second = live(index)

    note.write_text("The harbour board met on Wednesday.", encoding="utf-8")
    crash_publishing(assistant, monkeypatch)
    orphans = snapshots(index) - {first, second}
    assert live(index) == second and len(orphans) == 1 and (index / "CURRENT.tmp").exists()
    (index / ".staging-leftover").mkdir()

    # Nothing to publish: the folder holds what the live snapshot indexed.
    note.write_text("The harbour board met on Tuesday.", encoding="utf-8")
    report = Assistant(sources_dir=note.parent, index_dir=index, embedder=fake_embedder).refresh()
    assert not report.changed
    assert snapshots(index) == {first, second} and live(index) == second
    assert not (index / "CURRENT.tmp").exists() and not list(index.glob(".staging-*"))

    note.write_text("The harbour board met on Thursday.", encoding="utf-8")
    assistant.refresh()
    third = live(index)
    assert snapshots(index) == {second, third}
    assert assistant.search("Thursday", k=1).results[0].text == "The harbour board met on Thursday."


def test_a_publish_after_a_crash_keeps_the_snapshot_that_was_live_not_the_newer_orphan(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    assistant, note, index = indexed_note(tmp_path, fake_embedder, "First version.")
    was_live = live(index)
    note.write_text("Second version.", encoding="utf-8")
    crash_publishing(assistant, monkeypatch)
    note.write_text("Third version.", encoding="utf-8")
    assistant.refresh()
    assert snapshots(index) == {was_live, live(index)}
