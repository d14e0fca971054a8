"""The options every shell shares (``python -m assistant``, ``app.py``, ``python -m assistant.evaluation``),
declared once so each honours ``$ASSISTANT_SOURCES_DIR`` and ``$ASSISTANT_INDEX_DIR`` the same way."""

from __future__ import annotations

import argparse

from .service import default_index_dir, default_sources_dir


def add_folders(parser: argparse.ArgumentParser, *, defaults: bool = True) -> None:
    """``--sources DIR`` and ``--index DIR``.

    ``defaults=False`` for a sub-command's copy, so a folder given before the sub-command is kept.
    """
    sources, index = (default_sources_dir(), default_index_dir()) if defaults else (argparse.SUPPRESS,) * 2
    parser.add_argument(
        "--sources", metavar="DIR", default=sources, help="sources folder (default $ASSISTANT_SOURCES_DIR or sources/)"
    )
    parser.add_argument(
        "--index", metavar="DIR", default=index, help="index folder (default $ASSISTANT_INDEX_DIR or index/)"
    )


def add_server(parser: argparse.ArgumentParser) -> None:
    """``--host`` and ``--port`` of the web app."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
