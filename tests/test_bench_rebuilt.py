"""A benchmark refresh that rebuilt with nothing changed says what it touched and how the file differs."""

from __future__ import annotations

from pathlib import Path

from assistant import Assistant
from bench.rebuilt import explain


def test_the_explanation_names_the_touched_source_with_its_recorded_and_current_stat(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.txt").write_text("The council met on Monday.\n", encoding="utf-8")
    (sources / "b.txt").write_text("The bridge reopened in May.\n", encoding="utf-8")
    assistant = Assistant(sources_dir=sources, index_dir=tmp_path / "index", embedder=fake_embedder)
    assistant.refresh(export=False)
    before = assistant.snapshot.manifest
    (sources / "b.txt").write_text("The bridge reopened in June.\n", encoding="utf-8")

    text = explain(before, assistant.refresh(export=False), sources)

    assert "updated 1" in text
    recorded = before.sources["b.txt"]
    assert f"b.txt: recorded stat {recorded.stat} key {recorded.key}; now stat (29, " in text
    assert "a.txt" not in text
