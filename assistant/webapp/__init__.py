"""The web app: a chat over the sources, a reader, the sources, citation export and the quote desk, built on
``Assistant``. Only this package imports gradio.

    builder.build_app   composes the parts:  chat (Ask tab), reader, sources_tab, citations_tab, quote_desk, api
    server              serve(): refresh the index, then launch (with ASSISTANT_AUTH logins)
    cards, desk_html    our HTML around document text, always escaped; style: its CSS and page scripts
    session, export     one user's conversation and citations; Markdown and CSV export
    context, queues     what the parts share; how many requests of each kind run at once
    arguments           endpoint arguments checked into clear messages

The names below load on first use, so importing one module of the package does not build the others.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {"build_app": "builder", "launch": "server", "serve": "server", "auth_from_env": "server"}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
