"""The web app: a chat over the sources, a reader, uploads, citation export and the quote desk, built on ``Assistant``.

Only this package imports gradio.
"""

from __future__ import annotations

from .builder import DEFAULT_ABSTAIN_BELOW, AppContext, auth_from_env, build_app, launch, load_abstain_threshold
from ..conversation import contextual_query, fuse, is_follow_up, search_with_context
from .quote_desk import build_app_with_quote_desk, figures_panel, verify_tab

__all__ = [
    "DEFAULT_ABSTAIN_BELOW",
    "AppContext",
    "auth_from_env",
    "build_app",
    "build_app_with_quote_desk",
    "contextual_query",
    "figures_panel",
    "fuse",
    "is_follow_up",
    "launch",
    "load_abstain_threshold",
    "search_with_context",
    "verify_tab",
]
