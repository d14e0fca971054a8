"""How many requests of each kind the app runs at once: the one place its concurrency is set.

Each kind has its own Gradio queue (``concurrency_id``), so a search never waits behind an upload being
indexed or a quote being verified: the ``Assistant`` answers searches from an immutable snapshot while a
build runs beside them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import gradio as gr


@dataclass(frozen=True)
class Queue:
    id: str
    limit: int

    def options(self, *, api: bool = False) -> dict[str, Any]:
        """Keywords for an event listener (or ``gr.api``); only ``api`` events are listed on the API page."""
        visibility = "public" if api else "undocumented"
        return {"concurrency_id": self.id, "concurrency_limit": self.limit, "api_visibility": visibility}


SEARCH = Queue("search", 2)  # questions, follow-ups and /search: one per core; more at once only share the cores and Python's lock
VERIFY = Queue("verify", 2)  # quote checks: alignment is CPU-bound, so two at a time leave room for searches
INDEX = Queue("index", 1)  # uploads and deletions re-index; the Assistant runs one build at a time anyway
# The reader, card buttons, listings, citations: quick, and never behind the others. One at a time, because
# several of them rewrite the user's session (a citation gathered), and two at once could each drop the other's.
UI = Queue("ui", 1)
# Each open page asks every few seconds what the watcher is indexing and whether the index moved on: a read of
# two small values, so many at once, apart from the UI queue, whose single slot the users' clicks need.
STATUS = Queue("status", 8)


def start(app: gr.Blocks) -> None:
    """Turn on ``app``'s queue: every event names its own queue above, so there is no default limit.

    Gradio also summarises every event it has seen (up to 10,000) into a pandas table after each request, for
    its monitoring page, which this app never turns on: 10 ms of CPU per request at 100 events and 30 ms at
    10,000, holding Python's lock that the searches need. The summary is left unmade (its cache never expires).
    """
    app.queue(default_concurrency_limit=None)
    app._queue.ANAYLTICS_CACHE_FREQUENCY = sys.maxsize  # Gradio's own spelling; its env knob, per app
