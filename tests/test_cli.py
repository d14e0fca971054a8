"""The CLI: exit codes, messages, the --json schema, standard input, chat follow-ups, serve, and shared folders."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from assistant import answerability, cli, service
from assistant.evaluation import cli as evaluation_cli


def test_index_reports_skipped_files_and_succeeds_when_something_indexed(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "ok.txt").write_text("Fine text.", encoding="utf-8")
    (tmp_path / "s" / "bad.txt").write_bytes(b"")
    assert fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"]) == 0
    out = capsys.readouterr()
    assert "bad.txt: empty file" in out.err and "1 documents" in out.out


def test_index_prints_each_skipped_name_on_one_line_with_control_characters_escaped(tmp_path: Path, fake_cli, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "ok.txt").write_text("Fine text.", encoding="utf-8")
    (tmp_path / "s" / "two\nlines \x1b[31mred\u202etxt.txt").write_bytes(b"")
    assert fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == ["skipped two\\nlines \\x1b[31mred\\u202etxt.txt: empty file"]


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


def indexed(tmp_path: Path, fake_cli, files: dict[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Index ``files`` (name -> text) into tmp_path; returns the ``--index`` option for later commands."""
    (tmp_path / "s").mkdir()
    for name, text in files.items():
        (tmp_path / "s" / name).write_text(text, encoding="utf-8")
    assert fake_cli(["index", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--quiet"]) == 0
    return ["--index", str(tmp_path / "i")]


def test_ask_and_verify_read_the_question_or_quote_from_standard_input_given_a_dash(
    tmp_path: Path, fake_cli, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    index = indexed(tmp_path, fake_cli, {"a.txt": "Title line\nThe unit probes 625 allegations."})
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("How many allegations\ndoes the unit probe?\n"))
    assert fake_cli(["ask", "-", "--json", *index]) == 0
    assert json.loads(capsys.readouterr().out)["query"] == "How many allegations\ndoes the unit probe?"
    monkeypatch.setattr("sys.stdin", io.StringIO("“The unit probes 625 allegations.”"))
    assert fake_cli(["verify", "-", "--json", *index]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "exact"


def test_chat_answers_each_line_and_a_follow_up_continues_the_question_before_it(
    tmp_path: Path, fake_cli, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    index = indexed(tmp_path, fake_cli, {"a.txt": "Met report\nThe unit is led by Commander Clarke.\n\nIt was set up in 2022."})
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("Who leads the unit?\n\nand when was it set up?\n"))
    assert fake_cli(["chat", "--json", "-k", "1", *index]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["query"] == "Who leads the unit?"
    assert second["query"] == "and when was it set up? leads unit"

    monkeypatch.setattr("sys.stdin", io.StringIO("Who leads the unit?\nand when was it set up?\n"))
    fake_cli(["chat", *index])
    out = capsys.readouterr().out
    assert "searched with the conversation as “and when was it set up? leads unit”" in out


def test_a_weak_answer_says_so_before_the_nearest_passages(
    tmp_path: Path, fake_cli, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    index = indexed(tmp_path, fake_cli, {"a.txt": "Met report\nThe unit is led by Commander Clarke."})
    capsys.readouterr()
    # The core's rule (Settings.answer.abstain_below) with a threshold no answer reaches.
    monkeypatch.setattr(
        service, "judged", lambda result, configured: answerability.judged(result, replace(configured, abstain_below=1.0))
    )
    fake_cli(["ask", "Who leads the unit?", *index])
    out = capsys.readouterr().out
    assert out.startswith("No passage in the sources answers this closely. The nearest passages:") and "Clarke" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask"], "error: the following arguments are required: question"),
        (["ask", "x", "-k", "abc"], "error: argument -k: invalid int value: 'abc'"),
        (["ask", "x", "--mode", "fuzzy"], "error: argument --mode: invalid choice: 'fuzzy'"),
        (["serve", "--port", "http"], "error: argument --port: invalid int value: 'http'"),
        (["launch"], "error: argument command: invalid choice: 'launch'"),
    ],
)
def test_a_wrong_command_line_is_one_line_on_stderr_and_exit_2(argv: list[str], message: str, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.startswith(message) and err.count("\n") == 1


def test_every_command_and_the_evaluation_take_their_folders_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SOURCES_DIR", "/data/articles")
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", "/data/index")
    parser = cli.build_parser()
    for argv in (["index"], ["ask", "q"], ["chat"], ["verify", "q"], ["serve"], ["eval"]):
        args = parser.parse_args(argv)
        assert (str(args.sources), str(args.index)) == ("/data/articles", "/data/index")
    assert parser.parse_args(["--sources", "mine", "eval"]).sources == "mine"  # given before the command
    assert parser.parse_args(["eval", "--sources", "mine"]).sources == "mine"  # or after it


def test_the_standalone_evaluation_takes_its_sources_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SOURCES_DIR", "/data/articles")
    seen: list[object] = []
    monkeypatch.setattr(evaluation_cli, "run", lambda args: seen.append(args.sources) or 0)
    assert evaluation_cli.main([]) == 0 and str(seen[0]) == "/data/articles"


def test_serve_starts_the_app_with_the_quote_desk_where_it_is_told(
    tmp_path: Path, fake_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from assistant.webapp import server

    index = indexed(tmp_path, fake_cli, {"a.txt": "Met report\nThe unit is led by Commander Clarke."})
    served: dict[str, object] = {}
    monkeypatch.setattr(server, "launch", lambda app, **where: served.update(where, app=app))
    assert fake_cli(["serve", "--host", "0.0.0.0", "--port", "8080", "--sources", str(tmp_path / "s"), *index]) == 0
    assert (served["host"], served["port"]) == ("0.0.0.0", 8080)
    assert "tab-verify" in {getattr(b, "elem_id", None) for b in served["app"].blocks.values()}  # type: ignore[attr-defined]


def test_ask_verify_and_index_end_the_process_at_once_with_their_code_chat_and_serve_do_not(
    tmp_path: Path, fake_cli, monkeypatch: pytest.MonkeyPatch, capsys  # type: ignore[no-untyped-def]
) -> None:
    from assistant.webapp import server

    exits: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)  # record instead of ending the test run
    monkeypatch.setattr(server, "launch", lambda app, **where: None)
    monkeypatch.setattr("sys.stdin", io.StringIO("Who leads the unit?\n"))
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("Met report\nThe unit is led by Commander Clarke.", encoding="utf-8")
    index = ["--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i")]
    assert fake_cli(["index", "--quiet", *index], quick_exit=True) == 0
    assert fake_cli(["ask", "  ", *index], quick_exit=True) == 2
    assert fake_cli(["verify", "Commander Clarke", *index], quick_exit=True) == 0
    assert exits == [0, 2, 0]
    assert fake_cli(["chat", *index], quick_exit=True) == 0
    assert fake_cli(["serve", *index], quick_exit=True) == 0
    assert exits == [0, 2, 0]
    assert fake_cli(["ask", "Who leads the unit?", *index]) == 0  # in-process callers keep their process
    assert exits == [0, 2, 0]


def test_python_m_assistant_flushes_its_output_before_ending_at_once(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    run = [sys.executable, "-m", "assistant", "--sources", str(tmp_path / "s"), "--index", str(tmp_path / "i")]
    root = Path(__file__).resolve().parent.parent
    built = subprocess.run([*run, "index", "--quiet"], capture_output=True, text=True, cwd=root)
    assert (built.returncode, built.stdout) == (1, "built: there was no index: 0 documents, 0 chunks "
                                                   "(0 embedded; added 0, updated 0, removed 0, failed 0)\n")  # fmt: skip
    asked = subprocess.run([*run, "ask", "  "], capture_output=True, text=True, cwd=root)
    assert (asked.returncode, asked.stderr) == (2, "error: the question is empty: type a question to search the sources\n")
