"""Keep a running app in step with its sources folder, whoever changes it (CLI, file manager, another server).

A cheap periodic check, not OS notifications: one ``stat`` scan of the folder every few seconds
(``scan_sources``, plus ``sources.toml``), compared with the previous scan. When files were added,
changed or removed, the watcher waits until the folder has been quiet for a moment (a large file
being copied changes size between scans) and then calls ``refresh`` once for the whole batch. The
scan works the same on every file system, including network mounts where inotify sees nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import WatchSettings
from .sources import scan_sources
from .sources.metadata import METADATA_FILE

log = logging.getLogger(__name__)

FolderState = dict[str, tuple[int, int]]  # source id -> (size, mtime_ns)
_MAX_RETRY = 60.0  # seconds: a refresh that keeps failing (index locked, disk full) is retried at most this far apart


def folder_state(folder: Path) -> FolderState:
    """What a stat scan says of every source file and of the metadata file: changes show as a difference."""
    state = {source.id: (source.size, source.mtime_ns) for source in scan_sources(folder)}
    try:
        meta = (folder / METADATA_FILE).stat()
    except OSError:
        return state
    state[METADATA_FILE] = (meta.st_size, meta.st_mtime_ns)
    return state


@dataclass
class Debounce:
    """Decides when a refresh is due: after a change, once scans have shown no change for ``quiet`` seconds."""

    state: FolderState
    quiet: float
    pending_since: float | None = None  # when the last unrefreshed change was seen
    retry_after: float = 0.0  # seconds to wait after a failed refresh; doubles while failures go on

    def observe(self, state: FolderState, now: float, *, stale: bool = False) -> bool:
        """Record a scan taken at ``now`` (monotonic seconds); True when ``refresh`` should run now.

        ``stale`` says the index on disk moved on without this process: due at once, no quiet needed.
        """
        if state != self.state:
            self.state = state
            self.pending_since = now
            return False
        if self.pending_since is None:
            if not stale:
                return False
            self.pending_since = now - self.quiet
        return now - self.pending_since >= max(self.quiet, self.retry_after)

    def refreshed(self) -> None:
        self.pending_since = None
        self.retry_after = 0.0

    def failed(self, now: float) -> None:
        """Keep the change pending and try again later, backing off so a lasting fault is not retried in a loop."""
        self.pending_since = now
        self.retry_after = min(_MAX_RETRY, max(2 * self.retry_after, self.quiet, 1.0))


class SourceWatcher:
    """A daemon thread that calls ``refresh()`` when the sources folder changes; ``stop()`` ends it.

    ``index_changed``, when given, is asked on every tick too (e.g. ``lambda: not assistant.is_current()``):
    another process may have re-indexed, and the index on disk is the truth. ``refresh`` runs on the
    watcher's thread; an exception from it is logged as one line and retried later, never fatal.
    """

    def __init__(
        self,
        folder: Path,
        refresh: Callable[[], object],
        settings: WatchSettings | None = None,
        *,
        index_changed: Callable[[], bool] | None = None,
    ) -> None:
        self.folder = folder
        self._refresh = refresh
        self._settings = settings or WatchSettings()
        self._index_changed = index_changed
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._debounce = Debounce(folder_state(folder), self._settings.quiet)

    def start(self) -> SourceWatcher:
        if self._thread is not None:
            raise RuntimeError("the source watcher is already running")
        self._thread = threading.Thread(target=self._run, name="source-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end and wait for it (a refresh under way finishes first)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopped.wait(self._settings.interval):
            self.tick(time.monotonic())

    def tick(self, now: float) -> bool:
        """One check at ``now``: scan, and refresh if due. True when a refresh ran and succeeded."""
        try:
            stale = self._index_changed is not None and self._index_changed()
            due = self._debounce.observe(folder_state(self.folder), now, stale=stale)
        except OSError as error:  # the folder was unmounted or removed: say so, keep watching
            log.warning("cannot scan %s: %s", self.folder, error)
            return False
        if not due:
            return False
        try:
            self._refresh()
        except Exception as error:  # noqa: BLE001 - the thread must outlive any failure of one refresh
            log.warning("refresh after a change in %s failed, will retry: %s: %s", self.folder, type(error).__name__, error)
            self._debounce.failed(now)
            return False
        self._debounce.refreshed()
        return True
