"""An upload's indexing as the page sees it: passages embedded of the total with the time left, and a
Cancel that stops the build before it publishes (the previous index keeps answering meanwhile).

Gradio's ``cancels=`` only abandons the event's task; the build goes on in its worker thread. So the Cancel
button also sets its session's flag, and the build's progress listener raises ``Cancelled`` at its next slice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


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
        head = f"{_files(self._files)} read; {done} of {total} passages embedded"
        if done == 0 or done >= total:
            return head
        left = elapsed_s * (total - done) / done
        return f"{head}, about {_duration(left)} left"


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
