"""A time budget for one request, checked cooperatively inside the long loops.

``with time_budget(5.0, "verify"):`` opens a budget for the code run inside it, in this thread (a context
variable, so concurrent requests each have their own); the loops call ``check()``, which raises
``BudgetExceeded`` once the budget is spent. Outside any budget ``check()`` does nothing, so the same
functions serve the evaluation and the tests unbounded. Python cannot stop a thread from outside: the
check is how a runaway request gives its worker back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import BudgetExceeded


@dataclass(frozen=True)
class _Budget:
    what: str
    seconds: float
    deadline: float  # time.monotonic()


_current: ContextVar[_Budget | None] = ContextVar("assistant_budget", default=None)


@contextmanager
def time_budget(seconds: float, what: str) -> Iterator[None]:
    token = _current.set(_Budget(what, seconds, time.monotonic() + seconds))
    try:
        yield
    finally:
        _current.reset(token)


def check() -> None:
    """Raise ``BudgetExceeded`` when the current request has run past its budget."""
    budget = _current.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise BudgetExceeded(
            f"{budget.what} was stopped after {budget.seconds:g} s, its time budget: "
            "try a shorter text, or split it at an ellipsis (…)"
        )
