"""Serve the app: build or refresh the index, warm up, then listen (``python app.py``, ``python -m assistant serve``).

What a person waits for before the page answers is the index (built on a first start) and one warm-up question,
which loads the encoder and opens the index, so the first question is as quick as the next. The ONNX export
of the model (runtime.py), which only speeds up later cold starts, runs in the background after the app is
up, at low priority; a watcher keeps the index in step with the sources folder while the app runs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import gradio as gr

from ..render import failure_to_text
from ..service import MAX_UPLOAD_BYTES, Assistant
from .builder import build_app
from .login import auth_from_env
from .progress import Indexing

# Gradio refuses files over its limit in the browser, naming them in a message it shows as HTML. So its limit
# is only a ceiling that keeps huge files off the disk; files between MAX_UPLOAD_BYTES and it reach our
# upload handler, which refuses them with the name shown as text.
GRADIO_MAX_BYTES = 10 * MAX_UPLOAD_BYTES
_BACKGROUND_NICENESS = 10  # the export must not slow the questions answered meanwhile


def serve(assistant: Assistant, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Index what changed (a no-op in well under a second when nothing did), report skipped files, warm up, serve."""
    auth = auth_from_env()  # a bad ASSISTANT_AUTH stops the start before any indexing
    started = time.perf_counter()
    report = assistant.refresh(progress=True, export=False)
    for failure in report.failures:
        print(failure_to_text(failure), file=sys.stderr)
    assistant.warm_up()
    print(f"Ready in {time.perf_counter() - started:.1f} s: {report.documents} documents, {report.chunks} passages.")
    in_background(assistant.export_model, "onnx-export")
    indexing = Indexing()
    watcher = assistant.watch(lambda: indexing.run(lambda heard: assistant.refresh(export=False, on_progress=heard)))
    try:
        launch(build_app(assistant, indexing=indexing), host=host, port=port, auth=auth)
    finally:
        watcher.stop(timeout=5)


def in_background(work: Callable[[], object], name: str) -> threading.Thread:
    """Run ``work`` on a daemon thread at a lower CPU priority than the threads answering questions."""

    def run() -> None:
        try:  # Linux gives each thread its own nice value; elsewhere the work runs at normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _BACKGROUND_NICENESS)
        except (AttributeError, OSError):
            pass
        work()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = 7860, **kwargs: Any) -> tuple[Any, str, str]:
    """Serve ``app``: localhost unless told otherwise, with the logins from ``ASSISTANT_AUTH`` if set.

    ``port=None`` takes the first free port from 7860; other keywords go to ``gr.Blocks.launch``.
    """
    if "auth" not in kwargs:
        kwargs["auth"] = auth_from_env()
    kwargs.setdefault("max_file_size", GRADIO_MAX_BYTES)
    # Gradio probes its own address once it listens, to decide whether a share link is needed, and stops the
    # start when one HEAD request takes over 3 s: on a loaded machine a healthy app then never served. This
    # app never makes share links, so the probe (Gradio's only use of ``_frontend``) is skipped.
    kwargs.setdefault("_frontend", False)
    return app.launch(server_name=host, server_port=port, footer_links=["api"], **kwargs)
