"""The command line on PostgreSQL: --store and --replica-url on every command, the environment, and no password shown."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from assistant import db
from assistant.store.postgres import PostgresStore


def _with_password(url: str, server: db.LocalServer) -> tuple[str, str]:
    """``url`` with the server's password written into it (and no passfile), as a managed service's URL comes."""
    password = server.passfile.read_text().strip().rsplit(":", 1)[1]
    base = url.split("?")[0].removeprefix("postgresql://postgres@")
    return f"postgresql://postgres:{quote(password, safe='')}@{base}", password


def _small_sources(tmp_path: Path) -> Path:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "a.txt").write_text("Title line\nThe unit probes 625 allegations.", encoding="utf-8")
    return folder


def test_index_and_ask_json_through_store_never_show_the_password(
    tmp_path: Path, pg_url: str, pg_server: db.LocalServer, fake_cli, capsys
) -> None:  # type: ignore[no-untyped-def]
    url, password = _with_password(pg_url, pg_server)
    sources = _small_sources(tmp_path)
    assert fake_cli(["index", "--sources", str(sources), "--store", url, "--quiet"]) == 0
    built = capsys.readouterr()
    assert fake_cli(["ask", "625 allegations", "--json", "-k", "1", "--store", url, "--replica-url", url]) == 0
    out = capsys.readouterr()
    assert password not in built.out + built.err + out.out + out.err
    assert json.loads(out.out)["results"][0]["quote"]["text"] == "The unit probes 625 allegations."
    assert not (tmp_path / "index").exists()  # the index went to the database, not the folder


def test_the_database_url_comes_from_the_environment_for_every_command(
    tmp_path: Path, pg_url: str, fake_cli, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", pg_url)
    assert fake_cli(["index", "--sources", str(_small_sources(tmp_path)), "--quiet"]) == 0
    assert PostgresStore(pg_url).manifest().sources.keys() == {"a.txt"}
    assert fake_cli(["ask", "625 allegations", "--json", "-k", "1"]) == 0
    assert "625 allegations" in capsys.readouterr().out


def test_a_server_that_does_not_answer_is_one_line_without_the_password(fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"postgresql://app:s3cret-word@127.0.0.1:{db.free_port()}/x"
    assert fake_cli(["ask", "anything", "--json", "--store", url]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.startswith("error: ") and out.err.count("\n") == 1
    assert "s3cret-word" not in out.err and "app:***@127.0.0.1" in out.err


def test_a_store_that_is_not_a_database_url_is_refused_by_name(fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert fake_cli(["ask", "anything", "--store", "mysql://u:pw@h/db"]) == 2
    err = capsys.readouterr().err
    assert "postgresql://" in err and "pw@" not in err


def test_eval_refuses_replicas_rather_than_ignore_them(fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert fake_cli(["--store", "postgresql://u@h/db", "eval", "--replica-url", "postgresql://u:pw@r/db"]) == 2
    err = capsys.readouterr().err
    assert "--replica-url does not apply" in err and "pw" not in err


def test_app_py_serves_the_index_in_the_database_it_is_given(
    tmp_path: Path, pg_url: str, fake_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import app
    from assistant.webapp import server

    sources = _small_sources(tmp_path)
    served: dict[str, object] = {}
    monkeypatch.setattr(server, "launch", lambda built, **where: served.update(where, app=built))
    assert app.main(["--sources", str(sources), "--store", pg_url, "--port", "8081"]) == 0
    assert served["port"] == 8081
    assert PostgresStore(pg_url).manifest().sources.keys() == {"a.txt"}  # serve built it there first
    assert not (tmp_path / "index").exists()
