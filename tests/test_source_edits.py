"""Editing a source through the facade: its metadata saved to sources.toml (comments kept) and a new version of
its file, each checked before anything changes, then indexed by ``refresh`` so citations use it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.errors import AssistantError, IndexMissingError, LoadError, UploadError
from assistant.service import Assistant

SOURCES = Path(__file__).resolve().parent.parent / "sources"
BBC = "003_7582e51dae7e9a11.txt"


@pytest.fixture
def assistant(editable_articles: Assistant) -> Assistant:
    return editable_articles


def test_saved_metadata_keeps_the_files_comments_and_reaches_the_citation(assistant: Assistant) -> None:
    assistant.update_metadata(
        BBC,
        {"title": " Inside the unit ", "publisher": "BBC News", "author": "A. Reporter", "published": "2022-08-18",
         "url": "https://www.bbc.co.uk/news/uk-1"},
    )  # fmt: skip
    toml = (assistant.sources_dir / "sources.toml").read_text(encoding="utf-8")
    assert '# published: not stated; the text dates only events ("in March 2021", "established in January")' in toml
    assert '# "Credit: ITV News"' in toml  # another entry's comment, untouched
    meta = assistant.source_metadata(BBC)
    assert (meta.title, meta.publisher, meta.author, meta.published) == ("Inside the unit", "BBC News", "A. Reporter", date(2022, 8, 18))
    assistant.refresh()
    cited = assistant.search("new Met police unit investigating abuse claims", k=10, sources=[BBC]).results[0]
    assert (cited.source.title, cited.source.publisher) == ("Inside the unit", "BBC News")


def test_a_blank_field_removes_it_and_a_bad_one_is_named_without_changing_the_file(assistant: Assistant) -> None:
    toml = assistant.sources_dir / "sources.toml"
    before = toml.read_text(encoding="utf-8")
    with pytest.raises(LoadError, match=r"published must be a date such as 2022-08-18, got '18/08/2022'"):
        assistant.update_metadata(BBC, {"title": "T", "published": "18/08/2022"})
    with pytest.raises(LoadError, match=r"url must be an absolute http\(s\) address"):
        assistant.update_metadata(BBC, {"url": "javascript:alert(1)"})
    assert toml.read_text(encoding="utf-8") == before
    assistant.update_metadata(BBC, {"title": "Inside the new Met police unit", "publisher": ""})
    assert assistant.source_metadata(BBC).publisher is None


def test_metadata_of_an_unknown_source_is_refused(assistant: Assistant) -> None:
    with pytest.raises(IndexMissingError, match="no source named 'nope.txt'"):
        assistant.update_metadata("nope.txt", {"title": "x"})


def test_a_new_version_replaces_the_file_and_its_passages(assistant: Assistant, tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    new.write_text("The unit's second report counts 811 allegations against serving officers.", encoding="utf-8")
    assert assistant.replace_source(BBC, new) == assistant.sources_dir / BBC
    assistant.refresh()
    assert assistant.document(BBC).text.startswith("The unit's second report counts 811")
    assert "811" in assistant.search("second report allegations", k=1, sources=[BBC], mode="bm25").results[0].quote.text
    assert not [p for p in assistant.sources_dir.iterdir() if p.name.startswith(".upload-")]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("new.pdf", b"%PDF-1.4", r"a new version must be a \.txt file too, got '\.pdf'"),
        ("empty.txt", b"", "the file is empty"),
        ("same.txt", (SOURCES / "004_22b8a23762c7f0ec.txt").read_bytes(), "already in the sources as 004_22b8a23762c7f0ec.txt"),
    ],
)
def test_a_bad_new_version_is_refused_and_the_old_one_stays(assistant: Assistant, tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    new = tmp_path / name
    new.write_bytes(content)
    old = (assistant.sources_dir / BBC).read_bytes()
    with pytest.raises(UploadError, match=reason):
        assistant.replace_source(BBC, new)
    assert (assistant.sources_dir / BBC).read_bytes() == old


def test_replacing_a_source_that_is_not_indexed_is_refused(assistant: Assistant, tmp_path: Path) -> None:
    new = tmp_path / "x.txt"
    new.write_text("text", encoding="utf-8")
    with pytest.raises(AssistantError, match=r"no source named '\.\./app\.py'"):
        assistant.replace_source("../app.py", new)
