"""Answers, listings and the app show a source's path as the sources folder's name and the path inside
it, never where that folder lies on the server."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.render import result_to_json, result_to_text
from assistant.service import Assistant
from assistant.webapp import cards


def test_an_absolute_sources_folder_never_shows_in_answers_listings_or_failures(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    sources = tmp_path / "private" / "library"
    (sources / "reports").mkdir(parents=True)
    (sources / "reports" / "unit.txt").write_text("The unit investigates 625 allegations.", encoding="utf-8")
    (sources / "broken.pdf").write_bytes(b"not a pdf")
    assistant = Assistant(sources.resolve(), tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()

    result = assistant.search("allegations", k=1)
    shown = json.dumps(result_to_json(result)) + result_to_text(result)
    shown += cards.sources_html(assistant.sources(), assistant.failures())

    assert result_to_json(result)["results"][0]["source"]["path"] == "library/reports/unit.txt"
    assert [s.path for s in assistant.sources()] == ["library/reports/unit.txt"]
    assert [f.path for f in assistant.failures()] == ["library/broken.pdf"]
    assert str(tmp_path) not in shown and "private" not in shown


def test_a_relative_sources_folder_keeps_the_documented_form(tmp_path: Path, fake_embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    Path("sources").mkdir()
    Path("sources/note.txt").write_text("The unit investigates 625 allegations.", encoding="utf-8")
    assistant = Assistant("sources", "index", embedder=fake_embedder)
    assistant.refresh()
    assert result_to_json(assistant.search("allegations", k=1))["results"][0]["source"]["path"] == "sources/note.txt"
