"""The options every shell shares (``python -m assistant``, ``app.py``, ``python -m assistant.evaluation``),
declared once so each honours ``$ASSISTANT_SOURCES_DIR``, ``$ASSISTANT_INDEX_DIR``,
``$ASSISTANT_DATABASE_URL`` and ``$ASSISTANT_DATABASE_REPLICAS`` the same way."""

from __future__ import annotations

import argparse

from . import db
from .service import DATABASE_URL_ENV, REPLICAS_ENV, default_index_dir, default_sources_dir


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


def add_store(parser: argparse.ArgumentParser, *, defaults: bool = True) -> None:
    """``--store URL`` and ``--replica-url URL`` (repeatable): the index in PostgreSQL instead of the folder.

    Unset, ``store_from`` reads the environment, so the variables are honoured in one place.
    """
    store, replicas = (None, []) if defaults else (argparse.SUPPRESS,) * 2
    parser.add_argument(
        "--store",
        metavar="URL",
        default=store,
        help=f"keep the index in this PostgreSQL database, postgresql://... (default ${DATABASE_URL_ENV}, else --index)",
    )
    parser.add_argument(
        "--replica-url",
        metavar="URL",
        action="append",
        default=replicas,
        help=f"a read replica of --store for searches (repeatable; default ${REPLICAS_ENV}, comma-separated)",
    )


def add_database_server(parser: argparse.ArgumentParser) -> None:
    """The ``db`` sub-command's arguments: a local PostgreSQL + pgvector (``assistant.db``)."""
    db.add_arguments(parser)


def run_database_server(args: argparse.Namespace) -> int:
    return db.run(args)
