"""The boundary around one source file: bounded time, and any failure turned into a plain reason.

A loader or library bug on one file must never stop a build or reach the user as a traceback, so
everything a file's work raises becomes a ``LoadFailure`` naming the file; the traceback goes to the
debug log for whoever fixes the bug.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from ..errors import LoadError
from ..types import LoadFailure

log = logging.getLogger(__name__)
T = TypeVar("T")
_MAX_DETAIL = 200


class TimedOut(LoadError):
    """A file's work ran past its time budget: unlike a failure of its content, it may pass next time."""


class Deadline:
    """A time budget for one file, checked between units of work (pages, elements, chunks)."""

    def __init__(self, path: str, seconds: float) -> None:
        self.path = path
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise TimedOut(
                self.path, f"took longer than the {self.seconds:g} s limit per file (SourceSettings.seconds_per_file)"
            )


def plain_reason(error: BaseException) -> str:
    """What went wrong, for a reader who does not know the code."""
    if isinstance(error, RecursionError):
        return "too deeply nested to read (the parser ran out of stack)"
    if isinstance(error, MemoryError):
        return "too large to read in the memory available"
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    detail = str(error)
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL] + "…"
    if isinstance(error, UnicodeError):
        return f"undecodable text: {detail}"
    return f"could not be read ({type(error).__name__}: {detail})"


def as_load_error(path: str, error: Exception) -> LoadError:
    """``error`` as a LoadError on ``path``; the traceback is logged at debug level only."""
    if isinstance(error, LoadError):
        return error
    log.debug("loading %s failed", path, exc_info=error)
    return LoadError(path, plain_reason(error))


def guarded(source_id: str, work: Callable[[], T]) -> T | LoadFailure:
    """``work()``, or the failure that stops this file (and only this file)."""
    try:
        return work()
    except Exception as error:  # the file's boundary: whatever one file raises, the others go on
        failure = as_load_error(source_id, error)
        return LoadFailure(source_id, failure.reason, retry=isinstance(failure, TimedOut))
