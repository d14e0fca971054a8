"""Serve the app: build or refresh the index, then listen (``python app.py``, ``python -m assistant serve``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

import gradio as gr

from ..service import Assistant, MAX_UPLOAD_BYTES
from ..errors import SettingsError
from .builder import build_app

AUTH_ENV = "ASSISTANT_AUTH"


def serve(assistant: Assistant, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Index what changed (a no-op in well under a second when nothing did), report skipped files, serve."""
    report = assistant.refresh(progress=True)
    for failure in report.failures:
        print(f"skipped {failure.path}: {failure.reason}", file=sys.stderr)
    launch(build_app(assistant), host=host, port=port)


def auth_from_env(environ: Mapping[str, str] = os.environ) -> list[tuple[str, str]] | None:
    """Logins from ``ASSISTANT_AUTH="alice:secret,bob:other"``; None (no login) when unset."""
    raw = environ.get(AUTH_ENV, "").strip()
    if not raw:
        return None
    logins = []
    for entry in raw.split(","):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user or not password:
            raise SettingsError(f"{AUTH_ENV} must look like 'user:password[,user2:password2]', got an entry {user!r}")
        logins.append((user, password))
    return logins


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = 7860, **kwargs: Any) -> tuple[Any, str, str]:
    """Serve ``app``: localhost unless told otherwise, with the logins from ``ASSISTANT_AUTH`` if set.

    ``port=None`` takes the first free port from 7860; other keywords go to ``gr.Blocks.launch``.
    """
    kwargs.setdefault("max_file_size", MAX_UPLOAD_BYTES)  # Gradio refuses bigger files before they touch the disk
    return app.launch(server_name=host, server_port=port, auth=auth_from_env(), footer_links=["api"], **kwargs)
