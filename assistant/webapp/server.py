"""Serve the app: build or refresh the index, then listen (``python app.py``, ``python -m assistant serve``)."""

from __future__ import annotations

import sys
from typing import Any

import gradio as gr

from ..service import Assistant, MAX_UPLOAD_BYTES
from ..render import failure_to_text
from .builder import build_app
from .login import auth_from_env

# Gradio refuses files over its limit in the browser, naming them in a message it shows as HTML. So its limit
# is only a ceiling that keeps huge files off the disk; files between MAX_UPLOAD_BYTES and it reach our
# upload handler, which refuses them with the name shown as text.
GRADIO_MAX_BYTES = 10 * MAX_UPLOAD_BYTES


def serve(assistant: Assistant, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Index what changed (a no-op in well under a second when nothing did), report skipped files, serve."""
    auth = auth_from_env()  # a bad ASSISTANT_AUTH stops the start before any indexing
    report = assistant.refresh(progress=True)
    for failure in report.failures:
        print(failure_to_text(failure), file=sys.stderr)
    launch(build_app(assistant), host=host, port=port, auth=auth)


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = 7860, **kwargs: Any) -> tuple[Any, str, str]:
    """Serve ``app``: localhost unless told otherwise, with the logins from ``ASSISTANT_AUTH`` if set.

    ``port=None`` takes the first free port from 7860; other keywords go to ``gr.Blocks.launch``.
    """
    if "auth" not in kwargs:
        kwargs["auth"] = auth_from_env()
    kwargs.setdefault("max_file_size", GRADIO_MAX_BYTES)
    return app.launch(server_name=host, server_port=port, footer_links=["api"], **kwargs)
