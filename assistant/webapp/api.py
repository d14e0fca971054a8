"""The app's documented endpoints, ``/search`` and ``/verify``: the same JSON text as ``python -m assistant ask
--json`` and ``python -m assistant verify --json``.

Arguments go to the core as they came; it checks them and its ``AssistantError`` becomes ``gr.Error`` with the
core's message (``k: must be a whole number from 1 to 50, got 'abc'``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import gradio as gr

from ..errors import AssistantError
from ..render import result_to_json, verification_to_json
from ..service import Assistant, check_filter
from . import queues


def register(assistant: Assistant) -> None:
    """Add ``/search`` and ``/verify`` to the app being built (call inside its ``gr.Blocks``)."""

    def search(
        query: str,
        k: int = 5,
        sources: list[str] | None = None,
        mode: str = "",
        published_from: str = "",
        published_to: str = "",
        publishers: list[str] | None = None,
        order: str = "",
    ) -> str:
        """Ranked, cited passages for `query`: the same JSON text as `python -m assistant ask --json`.
        `published_from`/`published_to` (2022-08-18, inclusive) and `publishers` keep to the sources whose
        metadata they admit; `order` is "relevance" (default) or "date" (newest source first)."""

        def answer() -> dict[str, Any]:
            where = check_filter(published_from, published_to, publishers)
            return result_to_json(assistant.search(query, k=k, sources=sources, mode=mode, where=where, order=order))

        return _json(answer)

    def verify_quote(quote: str) -> str:
        """Whether `quote` stands in the sources (exact, altered or not found) with the evidence: the same JSON
        text as `python -m assistant verify --json`."""
        return _json(lambda: verification_to_json(assistant.verify(quote)))

    gr.api(search, api_name="search", **queues.SEARCH.options(api=True))
    gr.api(verify_quote, api_name="verify", **queues.VERIFY.options(api=True))


def _json(answer: Callable[[], dict[str, Any]]) -> str:
    try:
        found = answer()
    except AssistantError as error:
        raise gr.Error(str(error), print_exception=False) from None  # the caller's mistake: no traceback in the log
    # JSON text rather than a dict: gradio_client takes any dict with a "path" key (our sources have one) for a
    # file to download, and fails on it.
    return json.dumps(found, ensure_ascii=False)
