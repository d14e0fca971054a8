"""``python -m assistant.db``: a local PostgreSQL + pgvector from the pinned wheel, in a folder of one's choice."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psycopg

from assistant import cli, db


def test_the_session_server_answers_with_pgvector_and_needs_no_password_in_its_url(pg_url: str) -> None:
    assert "passfile=" in pg_url and ":" not in pg_url.split("@")[0].removeprefix("postgresql://")
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        assert conn.execute("SELECT '[3,4]'::vector <#> '[1,0]'::vector").fetchone() == (-3.0,)


def test_start_status_stop_from_the_command_line(capsys) -> None:  # type: ignore[no-untyped-def]
    folder = Path(tempfile.mkdtemp(prefix="assistant-db-cli-"))
    folder.chmod(0o755)
    target = folder / "pg"
    try:
        assert cli.main(["db", "start", "--dir", str(target)]) == 0  # python -m assistant db start
        url = capsys.readouterr().out.strip().splitlines()[-1]
        assert url.startswith("postgresql://postgres@127.0.0.1:")
        password = (target / "pgpass").read_text().strip().rsplit(":", 1)[1]
        assert password not in url
        assert oct((target / "pgpass").stat().st_mode & 0o777) == "0o600"
        assert db.main(["start", "--dir", str(target)]) == 0  # a running server is left as it is
        assert capsys.readouterr().out.strip().splitlines()[-1] == url
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        if os.geteuid() == 0:
            assert (target / "data").owner() == "postgres"
        assert db.main(["status", "--dir", str(target)]) == 0
        assert db.main(["stop", "--dir", str(target)]) == 0
        assert db.main(["status", "--dir", str(target)]) == 3
        assert "stopped" in capsys.readouterr().out
    finally:
        db.stop(target)
        shutil.rmtree(folder, ignore_errors=True)


def test_status_of_an_empty_folder_says_how_to_start_one(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert db.main(["status", "--dir", str(tmp_path / "none")]) == 3
    assert "python -m assistant.db start" in capsys.readouterr().out
