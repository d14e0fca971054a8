"""A multi-page PDF is chunked by its pages and paragraphs, and its title line is never quoted over its body.

The fixture, tests/fixtures/vetting_review.pdf, is a three-page report set by fpdf2 (make_vetting_review_pdf.py):
a bold title line, paragraphs wrapped over many printed lines, and a last paragraph that runs across the
break between pages 2 and 3.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.chunking import chunk_document, tiktoken_counter
from assistant.config import ChunkSettings
from assistant.quoting import choose_quote, sentences_in
from assistant.segmentation import is_heading, paragraph_spans
from assistant.sources.pdf import load_pdf, reflow
from assistant.types import Document

FIXTURE = Path(__file__).parent / "fixtures" / "vetting_review.pdf"
TITLE = "Independent Review of Vetting and Standards"


@pytest.fixture(scope="module")
def report() -> Document:
    text, page_starts, meta = load_pdf(FIXTURE.name, FIXTURE.read_bytes())
    return Document("vetting_review.pdf", str(FIXTURE), meta.title or "", None, text, "0", page_starts)


def test_printed_lines_are_joined_into_paragraphs_and_the_title_keeps_its_own_line(report: Document) -> None:
    lines = report.text.splitlines()
    assert len(report.page_starts) == 3
    assert lines[0] == TITLE
    assert lines[1].startswith("The review of vetting was led by Baroness Louise Casey, who was asked by the Commissioner")
    assert lines[1].endswith("sometimes for years.")  # one paragraph of eleven printed lines is one line


def test_a_line_that_fills_the_page_runs_on_and_a_short_one_ends_its_paragraph() -> None:
    page = "A body line that fills the width of the\npage runs on.\nHeading\nAnother full-width line is cut at a well-\nknown word."
    assert reflow(page).splitlines() == [
        "A body line that fills the width of the page runs on.",
        "Heading",
        "Another full-width line is cut at a well-known word.",
    ]


@pytest.mark.parametrize("unit", ["window", "paragraph", "packed"])
def test_a_multi_page_pdf_is_several_chunks_none_across_a_page_break(report: Document, unit: str) -> None:
    chunks = chunk_document(report, ChunkSettings(unit=unit), tiktoken_counter("cl100k_base"))
    assert len(chunks) > 3
    assert {report.page_at(c.start) for c in chunks} == {1, 2, 3}
    for chunk in chunks:
        assert report.page_at(chunk.start) == report.page_at(chunk.end - 1), chunk.text
    # The paragraph cut by the page break is two chunks, each cited by its own page.
    tail = next(c for c in chunks if c.text.startswith("reported colleagues"))
    assert report.page_at(tail.start) == 3


def test_the_paragraph_unit_keeps_each_paragraph_that_fits_whole_and_windows_a_long_one(report: Document) -> None:
    count = tiktoken_counter("cl100k_base")
    chunks = chunk_document(report, ChunkSettings(max_tokens=64, overlap_tokens=16, unit="paragraph"), count, count, 100)
    paragraphs = list(paragraph_spans(report.text))
    for start, end in paragraphs:
        inside = [c for c in chunks if start <= c.start and c.end <= end]
        if count(report.text[start:end]) <= 100:
            assert [(c.start, c.end) for c in inside] == [(start, end)]
        else:
            assert len(inside) > 1 and all(count(c.text) <= 64 + 2 for c in inside)
    assert all(any(s <= c.start and c.end <= e for s, e in paragraphs) for c in chunks)


def test_a_title_line_is_not_quoted_over_a_body_sentence_even_when_it_is_closest(report: Document) -> None:
    spans = sentences_in(report, 0, report.text.index("Her team"))
    assert report.text[slice(*spans[0])] == TITLE and is_heading(report.text, *spans[0])
    closest_to_title = np.array([0.9, 0.5], dtype=np.float32)
    quote = choose_quote(report, spans, closest_to_title, "Who led the vetting review?").quote
    assert quote.text.startswith("The review of vetting was led by Baroness Louise Casey")
    title_only = choose_quote(report, spans[:1], closest_to_title[:1], "Who led the vetting review?").quote
    assert title_only.text == TITLE  # a passage of nothing but the title still has a quote


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("Independent Review of Vetting and Standards", True),
        ("Metropolitan Police Force Investigates Abuse Allegations", True),
        ("Serving police officer Wayne Couzens kidnapped, raped and murdered Sarah Everard in 2021", False),
        ("• The new Domestic and Sexual Offences Unit currently probing 625 complaints", False),
        ("Sir Mark said he was determined to root out abusers.", False),
        ("Labour is calling for:", False),
    ],
)
def test_headings_are_short_lines_that_do_not_end_like_a_sentence(line: str, heading: bool) -> None:
    text = f"Before.\n{line}\nAfter."
    start = text.index(line)
    assert is_heading(text, start, start + len(line)) is heading
    assert not is_heading(f"{line} and more.", 0, len(line))  # only a whole line can be a heading


def test_a_documents_first_line_is_its_title_in_any_case() -> None:
    text = "MET OFFICERS disciplined over 119 sexual abuse claims\nOf the 119 cases, 63 led to removal.\n"
    assert is_heading(text, 0, text.index("\n"))


@pytest.mark.integration
def test_the_vetting_review_is_answered_from_its_body_with_the_page_cited(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sources").mkdir()
    shutil.copy(FIXTURE, tmp_path / "sources" / FIXTURE.name)
    assistant = Assistant(sources_dir=tmp_path / "sources", index_dir=tmp_path / "index", embedder=real_embedder)
    assistant.refresh()
    first = assistant.search("Who led the vetting review?", k=3).results[0]
    assert "Baroness Louise Casey" in first.quote.text and first.page == 1
    reprisals = assistant.search("Were officers who reported colleagues protected from reprisals?", k=3).results[0]
    assert reprisals.page == 3 and reprisals.quote.text == "reported colleagues were protected from reprisals."
