"""A running app stays in step with its sources folder: the watcher's refresh is wired through the facade, its
progress is shown to every page, and files added, changed or removed by any means are indexed incrementally."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.config import Settings, WatchSettings
from assistant.service import Assistant
from assistant.store import files
from assistant.store.files import FileStore
from assistant.webapp.progress import Indexing

SOURCES = Path(__file__).resolve().parent.parent / "sources"
FAST = Settings(watch=WatchSettings(interval=0.1, quiet=0.2))


@pytest.fixture
def watched(tmp_path: Path, fake_embedder) -> Iterator[Assistant]:  # type: ignore[no-untyped-def]
    """An assistant over a copy of the sources whose watcher looks every 0.1 s."""
    shutil.copytree(SOURCES, tmp_path / "sources")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", settings=FAST, embedder=fake_embedder)
    assistant.refresh()
    watcher = assistant.watch()
    yield assistant
    watcher.stop(timeout=30)


def eventually(check: Callable[[], bool], what: str, within: float = 60.0) -> None:
    """Wait for ``check`` (a patient bound for a loaded machine, not a timing assertion)."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def ids(assistant: Assistant) -> set[str]:
    return {source.id for source in assistant.sources()}


def test_a_file_copied_into_the_folder_becomes_searchable_without_a_refresh_call(watched: Assistant) -> None:
    (watched.sources_dir / "ferry.txt").write_text("The Zanzibar ferry inquiry heard 42 complaints.", encoding="utf-8")
    eventually(lambda: "ferry.txt" in ids(watched), "the new file indexed")
    top = watched.search("Zanzibar ferry complaints", k=1, mode="bm25").results[0]
    assert top.source.id == "ferry.txt" and "42 complaints" in top.text


def test_a_file_changed_or_removed_outside_the_app_is_reindexed_or_dropped(watched: Assistant) -> None:
    edited = watched.sources_dir / "003_7582e51dae7e9a11.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nThe unit also reviews 17 dormant cases.\n", encoding="utf-8")
    stat = edited.stat()  # a later edit: coarse file-system clocks may not move the mtime on their own
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    eventually(lambda: "17 dormant" in watched.document(edited.name).text, "the edit indexed")
    (watched.sources_dir / "004_22b8a23762c7f0ec.txt").unlink()
    eventually(lambda: "004_22b8a23762c7f0ec.txt" not in ids(watched), "the removed file dropped")
    assert all(p.source.id != "004_22b8a23762c7f0ec.txt" for p in watched.search("Observer document", k=10).results)


def test_a_metadata_entry_edited_by_hand_reaches_the_citations(watched: Assistant) -> None:
    toml = watched.sources_dir / "sources.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('publisher = "BBC"', 'publisher = "BBC News Online"'), encoding="utf-8")
    eventually(lambda: watched.document("003_7582e51dae7e9a11.txt").publisher == "BBC News Online", "the new publisher")


def test_an_index_published_by_another_process_is_what_the_app_answers_from(watched: Assistant, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    other = Assistant(watched.sources_dir, watched.store.folder, embedder=fake_embedder)  # e.g. `python -m assistant index`
    (watched.sources_dir / "cli.txt").write_text("Added with the command line: the harbour audit.", encoding="utf-8")
    other.refresh()
    assert "cli.txt" in ids(watched)  # the index on disk is the truth: re-opened at once, no watcher needed


def test_the_live_index_is_checked_by_its_pointers_stat_and_another_processs_publish_is_seen_at_once(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    shutil.copytree(SOURCES, tmp_path / "sources")
    app = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    app.refresh()
    monkeypatch.setattr(files, "_RACY_NS", -1)  # as if CURRENT were written long before: its stat is trusted
    reads: list[Path] = []
    read = FileStore._current
    monkeypatch.setattr(FileStore, "_current", lambda store: reads.append(store.folder) or read(store))
    for _ in range(3):
        app.search("harbour")
    assert len(reads) == 1
    other = Assistant(app.sources_dir, app.store.folder, embedder=fake_embedder)  # type: ignore[attr-defined]
    (app.sources_dir / "cli.txt").write_text("Added with the command line: the harbour audit.", encoding="utf-8")
    other.refresh()
    assert "cli.txt" in ids(app)


def test_the_pages_see_what_the_watcher_is_indexing_until_it_is_done() -> None:
    clock = iter([100.0, 110.0, 110.0])
    indexing = Indexing(clock=lambda: next(clock))
    seen: list[str | None] = []

    def build(heard: Callable[[int, int], None]) -> str:
        seen.append(indexing.describe())
        heard(100, 400)  # 100 passages in 10 s: about 30 s for the other 300
        seen.append(indexing.describe())
        return "published"

    assert indexing.describe() is None
    assert indexing.run(build) == "published"
    assert seen == [
        "Indexing changes in the sources folder: reading the files…",
        "Indexing changes in the sources folder: 100 of 400 passages embedded, about 30 s left",
    ]
    assert indexing.describe() is None


def test_a_failed_build_leaves_the_pages_showing_nothing_in_progress() -> None:
    indexing = Indexing()

    def build(heard: Callable[[int, int], None]) -> None:
        heard(1, 10)
        raise OSError("disk full")

    with pytest.raises(OSError):
        indexing.run(build)
    assert indexing.describe() is None
