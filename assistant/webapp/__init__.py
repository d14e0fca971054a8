"""The web app: a chat over the sources, a reader, uploads and citation export, built on ``Assistant``.

Only this package imports gradio.
"""

from __future__ import annotations

from .builder import DEFAULT_ABSTAIN_BELOW, AppContext, auth_from_env, build_app, launch, load_abstain_threshold
from .followup import contextual_query, fuse, is_follow_up, search_with_context

__all__ = [
    "DEFAULT_ABSTAIN_BELOW",
    "AppContext",
    "auth_from_env",
    "build_app",
    "contextual_query",
    "fuse",
    "is_follow_up",
    "launch",
    "load_abstain_threshold",
    "search_with_context",
]
