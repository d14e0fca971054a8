"""The app's documented endpoint, ``/search``: the same JSON text as ``python -m assistant ask --json``."""

from __future__ import annotations

import json

import gradio as gr

from ..errors import AssistantError
from ..render import result_to_json
from ..service import Assistant
from . import arguments, queues


def register(assistant: Assistant) -> None:
    """Add ``/search`` to the app being built (call inside its ``gr.Blocks``)."""

    def search(query: str, k: int = 5, sources: list[str] | None = None, mode: str = "") -> str:
        """Ranked, cited passages for `query`: the same JSON text as `python -m assistant ask --json`."""
        # Wrong types are named here: the core would fail on them with an error that is not the user's.
        query, count = arguments.text(query, "query"), arguments.whole_number(k, "k")
        only, ranking = arguments.source_ids(sources), arguments.mode(mode)
        try:
            result = assistant.search(query, k=count, sources=only, mode=ranking)
        except AssistantError as error:
            raise gr.Error(str(error)) from None
        # JSON text rather than a dict: gradio_client takes any dict with a "path" key (our sources have one)
        # for a file to download, and fails on it.
        return json.dumps(result_to_json(result), ensure_ascii=False)

    gr.api(search, api_name="search", **queues.SEARCH.options(api=True))
