"""The CLI: exit codes, messages, and the --json schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import cli
from assistant.service import Assistant


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch, fake_embedder):  # type: ignore[no-untyped-def]
    """Run cli.main with the fake embedder in place of the real model."""
    original = Assistant.__init__

    def with_fake(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["embedder"] = fake_embedder
        original(self, *args, **kwargs)

    monkeypatch.setattr(Assistant, "__init__", with_fake)
    return cli.main


def test_index_reports_skipped_files_and_succeeds_when_something_indexed(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "ok.txt").write_text("Fine text.", encoding="utf-8")
    (tmp_path / "s" / "bad.txt").write_bytes(b"")
    assert fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"]) == 0
    out = capsys.readouterr()
    assert "bad.txt: empty file" in out.err and "1 documents" in out.out


def test_index_fails_when_nothing_could_be_indexed(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "bad.pdf").write_bytes(b"not a pdf")
    assert fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"]) == 1
    assert "bad.pdf: corrupt PDF" in capsys.readouterr().err


def test_ask_json_prints_one_object_in_the_documented_schema(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("Title line\nThe unit probes 625 allegations.", encoding="utf-8")
    fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"])
    capsys.readouterr()
    assert fake_cli(["ask", "625 allegations", "--json", "-k", "1", "--index", str(tmp_path / "i")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"query", "mode", "answered", "reason", "results", "figures"}
    assert payload["answered"] is True and payload["reason"] is None
    result = payload["results"][0]
    assert set(result) >= {"rank", "score", "source", "page", "paragraph", "text", "start", "end", "quote", "also_in"}
    assert set(result["source"]) == {"id", "title", "publisher", "path"}
    assert result["quote"] == {"text": "The unit probes 625 allegations.", "start": 11, "end": 43}
    assert result["paragraph"] == 2 and result["source"]["title"] == "Title line"


def test_an_empty_question_is_one_line_on_stderr_and_exit_2(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("Text.", encoding="utf-8")
    fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"])
    assert fake_cli(["ask", "  ", "--index", str(tmp_path / "i")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the question is empty") and "Traceback" not in err


def test_ask_without_an_index_says_how_to_build_one(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert fake_cli(["ask", "anything", "--index", str(tmp_path / "none")]) == 2
    assert "python -m assistant index" in capsys.readouterr().err


def test_verify_json_says_exact_and_points_at_the_sources_own_text(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("Title\nShe said: “We need to get rid of them.”", encoding="utf-8")
    fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"])
    capsys.readouterr()
    assert fake_cli(["verify", '"We need to get rid of them."', "--json", "--index", str(tmp_path / "i")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "exact"
    span = payload["matches"][0]["spans"][0]
    assert "We need to get rid of them." in span["text"]


def test_ask_json_lists_the_figures_the_quotes_state(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("The unit probes 625 allegations.", encoding="utf-8")
    fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"])
    capsys.readouterr()
    fake_cli(["ask", "625 allegations", "--json", "--index", str(tmp_path / "i")])
    figures = json.loads(capsys.readouterr().out)["figures"]
    assert figures[0]["value"] == 625 and figures[0]["noun"] == "allegations"


def test_ask_can_list_who_else_reports_each_result_in_other_words(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("Report A\nThe unit probes 625 allegations against officers.", encoding="utf-8")
    (tmp_path / "s" / "b.txt").write_text("Report B\nAgainst officers, 625 allegations are what the unit probes now.", encoding="utf-8")
    fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"])
    capsys.readouterr()
    ask = ["ask", "unit probes 625 allegations", "-k", "1", "--source", "a.txt", "--index", str(tmp_path / "i")]

    fake_cli([*ask, "--json"])
    assert "reported_also_by" not in json.loads(capsys.readouterr().out)["results"][0]

    fake_cli([*ask, "--json", "--reported-also-by"])
    (link,) = json.loads(capsys.readouterr().out)["results"][0]["reported_also_by"]
    assert link["source"]["id"] == "b.txt"
    assert link["quote"]["text"] == "Against officers, 625 allegations are what the unit probes now."
    assert link["citation"].endswith("— Report B, para 2")

    fake_cli([*ask, "--reported-also-by"])
    assert "Reported also by: Report B, para 2: “Against officers, 625 allegations" in capsys.readouterr().out
