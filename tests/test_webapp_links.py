"""The app's links, below the browser: the link an answer and a card carry, and what opening one shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.answer_links import AnswerLink
from assistant.links import PassageLink, text_hash
from assistant.service import Assistant, SourceFilter
from assistant.webapp import addresses, reader

SURVEY = (
    "The harbour board met on Tuesday evening.\n\n"
    "Ferry wardens counted 4,312 bicycles crossing the estuary footbridge during the spring survey.\n"
)
OTHER = "The lighthouse keepers logged fog signals through the winter.\n"


@pytest.fixture
def desk(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "survey.txt").write_text(SURVEY, encoding="utf-8")
    (sources / "other.txt").write_text(OTHER, encoding="utf-8")
    assistant = Assistant(sources, tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    return assistant


def test_an_answer_link_names_the_question_count_sources_and_mode_it_was_asked_with(desk: Assistant) -> None:
    result = desk.search("How many bicycles crossed?", k=3, sources=["survey.txt"], mode="bm25")
    url = addresses.answer_url("How many bicycles crossed?", result, 3.0, ["survey.txt"])  # a slider sends floats
    assert AnswerLink.from_url(url) == AnswerLink("How many bicycles crossed?", 3, ("survey.txt",), "bm25")


def test_an_answer_link_keeps_the_date_and_publisher_filter_and_the_order(desk: Assistant) -> None:
    where = SourceFilter(date(2022, 8, 1), date(2022, 8, 31), ("BBC",))
    result = desk.search("How many bicycles crossed?", k=2)
    url = addresses.answer_url("How many bicycles crossed?", result, 2, None, where, "date")
    assert "from=2022-08-01" in url and "to=2022-08-31" in url and "publisher=BBC" in url and "sort=date" in url
    assert AnswerLink.from_url(url) == AnswerLink("How many bicycles crossed?", 2, (), result.mode, where, "date")


def test_a_question_too_long_for_a_link_gets_no_link(desk: Assistant) -> None:
    result = desk.search("bicycles " * 300, k=1)
    assert addresses.answer_url("bicycles " * 300, result, 1, None) == ""


def test_a_card_link_names_the_source_its_hash_the_span_and_the_text(desk: Assistant) -> None:
    passage = desk.search("bicycles estuary footbridge", k=1).results[0]
    link = PassageLink.from_url(addresses.passage_links(desk)(passage) or "")
    doc = desk.document("survey.txt")
    assert link == PassageLink("survey.txt", text_hash(doc.text), passage.start, passage.end, passage.text)


def test_a_card_whose_source_changed_since_the_answer_gets_no_link(desk: Assistant) -> None:
    passage = desk.search("bicycles estuary footbridge", k=1).results[0]
    (desk.sources_dir / "survey.txt").write_text("Rewritten entirely.\n" + SURVEY.upper(), encoding="utf-8")
    desk.refresh()
    assert addresses.passage_links(desk)(passage) is None


def test_opening_a_passage_link_marks_its_text_and_says_how_it_was_found(desk: Assistant) -> None:
    doc = desk.document("survey.txt")
    start = doc.text.index("Ferry")
    link = PassageLink.of(doc, start, len(doc.text) - 1)
    html, _ = reader.linked(desk, link)
    assert 'class="link-status exact"' in html and "Exact: the passage is where the link says." in html
    (desk.sources_dir / "survey.txt").write_text("A new paragraph on top.\n\n" + SURVEY, encoding="utf-8")
    desk.refresh()
    html, _ = reader.linked(desk, link)
    assert 'class="link-status moved"' in html and "Moved: the source was edited above the passage" in html
    assert '<mark class="quote">Ferry wardens counted 4,312' in html


def test_a_passage_link_to_a_removed_source_says_gone_and_marks_nothing(desk: Assistant) -> None:
    link = PassageLink.of(desk.document("survey.txt"), 0, 10)
    desk.delete_source("survey.txt")
    html, _ = reader.linked(desk, link)
    assert "Gone: survey.txt is no longer in the library." in html and "<mark" not in html
