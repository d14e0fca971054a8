"""The watcher calls refresh once per batch of changes in the sources folder, after the folder goes quiet."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from assistant.config import WatchSettings
from assistant.errors import SettingsError
from assistant.watcher import Debounce, SourceWatcher, folder_state

QUIET = WatchSettings().quiet


class FakeRefresh:
    """Counts calls; can be told to fail, like an index locked by another process."""

    def __init__(self) -> None:
        self.calls = 0
        self.failures = 0
        self.called = threading.Event()

    def __call__(self) -> None:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise OSError("index is locked")
        self.called.set()


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text("First article.", encoding="utf-8")
    return tmp_path


def touch(path: Path, text: str) -> None:
    """Write and move the mtime on, as a later edit would (file systems with coarse clocks may not)."""
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_no_change_means_no_refresh(sources: Path) -> None:
    refresh = FakeRefresh()
    watcher = SourceWatcher(sources, refresh)
    assert [watcher.tick(t) for t in (10.0, 20.0, 30.0)] == [False, False, False]
    assert refresh.calls == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda d: (d / "b.txt").write_text("A new article.", encoding="utf-8"),
        lambda d: touch(d / "a.txt", "First article, corrected."),
        lambda d: (d / "a.txt").unlink(),
        lambda d: (d / "sources.toml").write_text('["a.txt"]\ntitle = "A"\n', encoding="utf-8"),
        lambda d: (d / "nested").mkdir() or (d / "nested" / "c.md").write_text("# C", encoding="utf-8"),
    ],
    ids=["added", "changed", "removed", "metadata edited", "added in a subfolder"],
)
def test_a_change_is_refreshed_once_after_the_folder_is_quiet(sources: Path, change) -> None:  # type: ignore[no-untyped-def]
    refresh = FakeRefresh()
    watcher = SourceWatcher(sources, refresh)
    change(sources)
    assert watcher.tick(100.0) is False  # seen, but the folder may still be changing
    assert watcher.tick(100.0 + QUIET) is True
    assert watcher.tick(200.0) is False
    assert refresh.calls == 1


def test_a_file_still_growing_waits_until_it_stops(sources: Path) -> None:
    refresh = FakeRefresh()
    watcher = SourceWatcher(sources, refresh)
    big = sources / "big.txt"
    for second, size in enumerate((10, 20, 30)):
        big.write_text("x" * size, encoding="utf-8")
        assert watcher.tick(100.0 + second * QUIET) is False
    assert watcher.tick(100.0 + 3 * QUIET) is True
    assert refresh.calls == 1


def test_hidden_files_do_not_trigger_a_refresh(sources: Path) -> None:
    refresh = FakeRefresh()
    watcher = SourceWatcher(sources, refresh)
    (sources / ".a.txt.swp").write_text("editor state", encoding="utf-8")
    assert [watcher.tick(t) for t in (1.0, 1.0 + QUIET, 50.0)] == [False, False, False]


def test_a_failed_refresh_is_retried_later_with_back_off(sources: Path) -> None:
    refresh = FakeRefresh()
    refresh.failures = 2
    watcher = SourceWatcher(sources, refresh)
    (sources / "b.txt").write_text("New.", encoding="utf-8")
    watcher.tick(0.0)
    assert watcher.tick(QUIET) is False and refresh.calls == 1  # failed: logged, kept pending
    assert watcher.tick(QUIET) is False and refresh.calls == 1  # not retried at once
    assert watcher.tick(QUIET + 1.0) is False and refresh.calls == 2  # failed again: waits longer
    assert watcher.tick(QUIET + 2.0) is False and refresh.calls == 2
    assert watcher.tick(QUIET + 3.0) is True and refresh.calls == 3


def test_an_index_changed_by_another_process_is_refreshed_at_once(sources: Path) -> None:
    refresh = FakeRefresh()
    stale = [False]
    watcher = SourceWatcher(sources, refresh, index_changed=lambda: stale[0])
    assert watcher.tick(1.0) is False
    stale[0] = True
    assert watcher.tick(2.0) is True and refresh.calls == 1


def test_a_missing_folder_is_watched_until_it_appears(tmp_path: Path) -> None:
    refresh = FakeRefresh()
    folder = tmp_path / "later"
    watcher = SourceWatcher(folder, refresh)
    assert watcher.tick(1.0) is False
    folder.mkdir()
    (folder / "a.txt").write_text("Arrived.", encoding="utf-8")
    watcher.tick(2.0)
    assert watcher.tick(2.0 + QUIET) is True


def test_the_thread_notices_a_dropped_file_and_stops_when_asked(sources: Path) -> None:
    refresh = FakeRefresh()
    watcher = SourceWatcher(sources, refresh, WatchSettings(interval=0.05, quiet=0.0)).start()
    try:
        assert watcher.running
        (sources / "dropped.txt").write_text("Dropped in by a file manager.", encoding="utf-8")
        assert refresh.called.wait(timeout=30)
    finally:
        watcher.stop(timeout=30)
    assert not watcher.running
    assert "dropped.txt" in folder_state(sources)


def test_debounce_counts_quiet_from_the_last_change() -> None:
    debounce = Debounce({"a.txt": (1, 1)}, quiet=2.0)
    assert debounce.observe({"a.txt": (2, 2)}, 10.0) is False
    assert debounce.observe({"a.txt": (3, 3)}, 11.0) is False
    assert debounce.observe({"a.txt": (3, 3)}, 12.0) is False
    assert debounce.observe({"a.txt": (3, 3)}, 13.0) is True


def test_watch_settings_refuse_a_zero_interval() -> None:
    with pytest.raises(SettingsError, match="interval must be positive"):
        WatchSettings(interval=0)
