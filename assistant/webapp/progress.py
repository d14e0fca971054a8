"""Indexing as the page sees it: passages embedded of the total with the time left. An upload's build has a
Cancel that stops it before it publishes (the previous index keeps answering meanwhile); the builds the
watcher starts for changes in the sources folder are shown to every page (``Indexing``).

Gradio's ``cancels=`` only abandons the event's task; the build goes on in its worker thread. So the Cancel
button also sets its session's flag, and the build's progress listener raises ``Cancelled`` at its next slice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import AssistantError

if TYPE_CHECKING:
    from ..service import Assistant

T = TypeVar("T")


CANCELLED = "Cancelled: the files of this upload were removed and the index is as it was before."


class Cancelled(Exception):
    """The user pressed Cancel during a build."""


class Cancels:
    """One flag per browser session, so a Cancel stops only its own session's build."""

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def start(self, session: str) -> threading.Event:
        with self._lock:
            flag = self._flags[session] = threading.Event()
            return flag

    def cancel(self, session: str) -> bool:
        """Stop ``session``'s running build; False when it has none."""
        with self._lock:
            flag = self._flags.get(session)
        if flag is None:
            return False
        flag.set()
        return True

    def finish(self, session: str, flag: threading.Event) -> None:
        with self._lock:
            if self._flags.get(session) is flag:
                del self._flags[session]


class BuildProgress:
    """The ``on_progress(done, total)`` listener of one build, shown through a ``gr.Progress``-like callable.

    ``show(fraction_or_counts, desc=..., unit=...)`` is Gradio's progress; ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        show: Callable[..., Any],
        cancelled: threading.Event,
        files: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._show = show
        self._cancelled = cancelled
        self._files = files
        self._clock = clock
        self._started: float | None = None

    def reading(self) -> None:
        self._show(None, desc=f"Reading and splitting {_files(self._files)}…")

    def __call__(self, done: int, total: int) -> None:
        if self._cancelled.is_set():
            raise Cancelled
        now = self._clock()
        if self._started is None:
            self._started = now
        self._show((done, total), desc=self.describe(done, total, now - self._started), unit="passages")

    def describe(self, done: int, total: int, elapsed_s: float) -> str:
        return f"{_files(self._files)} read; {_embedded(done, total, elapsed_s)}"


class Indexing:
    """What the app is indexing for the sources folder's changes (the watcher's builds), for every page to show.

    ``run(build)`` runs ``build(on_progress)`` and records its progress meanwhile; ``describe()`` is read by
    each page's status timer from other threads, so the state is swapped under a lock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._job: tuple[float, int, int] | None = None  # started, passages embedded, passages to embed

    def run(self, build: Callable[[Callable[[int, int], None]], T]) -> T:
        with self._lock:
            self._job = (self._clock(), 0, 0)
        try:
            return build(self._heard)
        finally:
            with self._lock:
                self._job = None

    def _heard(self, done: int, total: int) -> None:
        with self._lock:
            if self._job is not None:
                self._job = (self._job[0], done, total)

    def describe(self) -> str | None:
        """None when idle, else e.g. "Indexing changes in the sources folder: 256 of 900 passages embedded, about 40 s left"."""
        with self._lock:
            job = self._job
        if job is None:
            return None
        started, done, total = job
        if total == 0:
            return "Indexing changes in the sources folder: reading the files…"
        return f"Indexing changes in the sources folder: {_embedded(done, total, self._clock() - started)}"


def _embedded(done: int, total: int, elapsed_s: float) -> str:
    head = f"{done} of {total} passages embedded"
    if done == 0 or done >= total:
        return head
    left = elapsed_s * (total - done) / done
    return f"{head}, about {_duration(left)} left"


def reindexed(assistant: Assistant, saved: list[Path], progress: BuildProgress) -> tuple[str, list[Path]]:
    """What happened to the index, and the saved files that stay (none once cancelled)."""
    started = time.perf_counter()
    progress.reading()
    try:
        report = assistant.refresh(on_progress=progress)
    except Cancelled:
        for path in saved:  # nothing was published: without its files the folder matches the index again
            path.unlink(missing_ok=True)
        return CANCELLED, []
    except AssistantError as error:
        return f"Saved, but the index could not be updated: {error}", saved
    summary = f"Indexed in {time.perf_counter() - started:.1f} s and searchable now: {report.documents} documents, {report.chunks} passages."
    # A saved file can still fail at indexing (e.g. past the time limit per file on a loaded machine): say so.
    skipped = {failure.path: failure.reason for failure in report.failures}
    names = {path: path.relative_to(assistant.sources_dir).as_posix() for path in saved}
    unread = [f"{name}: {skipped[name]}" for name in names.values() if name in skipped]
    return summary + (f" Not indexed: {'; '.join(unread)}." if unread else ""), saved


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
