"""Citation styles: the short house style and the full reference, built from real passages of the articles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.citation_styles import CITATION_STYLES, cite, cite_passage
from assistant.errors import SettingsError
from assistant.sources import load_corpus
from assistant.sources.metadata import SourceMeta
from assistant.types import Document, Passage, Quote, SourceRef

ROOT = Path(__file__).resolve().parent.parent
ACCESSED = date(2026, 11, 30)


@pytest.fixture(scope="module")
def articles() -> dict[str, Document]:
    docs, failures = load_corpus(ROOT / "sources")
    assert not failures
    return {doc.id[:3]: doc for doc in docs}


def passage_of(doc: Document, sentence: str) -> Passage:
    """The passage a search would return for ``sentence``: its paragraph, and the sentence as the quote."""
    start = doc.text.index(sentence)
    end = start + len(sentence)
    line_start = doc.text.rfind("\n", 0, start) + 1
    line_end = doc.text.find("\n", end)
    line_end = len(doc.text) if line_end < 0 else line_end
    return Passage(
        rank=1, score=0.9, similarity=0.8, source=SourceRef.of(doc), page=doc.page_at(start),
        paragraph=doc.paragraph_at(start), text=doc.text[line_start:line_end], start=line_start, end=line_end,
        quote=Quote(sentence, start, end),
    )  # fmt: skip


ITV_SENTENCE = "It was looking into 625 misconduct allegations, ranging from “inappropriate behaviour” to criminal offences, as of 18 August."


def test_house_style_is_quote_publisher_date_and_paragraph(articles: dict[str, Document]) -> None:
    passage = passage_of(articles["001"], ITV_SENTENCE)
    meta = SourceMeta(publisher="ITV News", published=date(2022, 8, 18))
    assert passage.paragraph == 6
    assert cite_passage(passage, meta) == f"“{ITV_SENTENCE}” — ITV News, 18 Aug 2022, para 6"


def test_house_style_leaves_out_what_the_source_does_not_state(articles: dict[str, Document]) -> None:
    sentence = "According to the document, a total of 594 complaints were made between 2012 and 2018, of which just 119 were upheld."
    passage = passage_of(articles["004"], sentence)
    assert cite_passage(passage) == f"“{sentence}” — The Observer, para 2"


def test_house_style_shortens_a_long_title_at_a_word_when_no_publisher_is_known(articles: dict[str, Document]) -> None:
    sentence = "Since the Unit was formed allegations of abuse against officers has climbed to 625."
    passage = passage_of(articles["000"], sentence)
    assert passage.source.publisher is None
    assert cite_passage(passage) == f"“{sentence}” — Over 600 domestic and sexual abuse allegations are being…, para 5"


def test_full_style_names_author_title_publisher_date_place_url_and_access_day(articles: dict[str, Document]) -> None:
    sentence = "Since it was established in January, the team's caseload has grown to 625 allegations of sexual or domestic abuse against officers or police staff."
    passage = passage_of(articles["003"], sentence)
    meta = SourceMeta(
        title=passage.source.title, publisher="BBC", author="A. Reporter", published=date(2022, 8, 19),
        url="https://example.org/news/met-unit",
    )  # fmt: skip
    assert cite_passage(passage, meta, "full", accessed=ACCESSED) == (
        f"“{sentence}” — A. Reporter, “Inside the new Met police unit investigating officer abuse claims”, BBC, "
        f"19 August 2022, para {passage.paragraph}. https://example.org/news/met-unit (accessed 30 November 2026)"
    )


def test_full_style_without_metadata_keeps_the_indexed_title_and_publisher(articles: dict[str, Document]) -> None:
    passage = passage_of(articles["001"], ITV_SENTENCE)
    assert cite_passage(passage, None, "full", accessed=ACCESSED) == (
        f"“{ITV_SENTENCE}” — “{passage.source.title}”, ITV News, para 6 (accessed 30 November 2026)"
    )


def test_a_paged_source_is_cited_by_page() -> None:
    doc = Document("r.pdf", "sources/r.pdf", "Report", "Home Office", "Page one.\n\nPage two says this.", "0", (0, 11))
    quote = Quote("Page two says this.", 11, 30)
    assert cite(SourceRef.of(doc), quote, doc.page_at(11), doc.paragraph_at(11), SourceMeta(published=date(2023, 1, 5))) == (
        "“Page two says this.” — Home Office, 5 Jan 2023, p. 2"
    )


def test_an_unknown_style_is_refused_with_the_choices() -> None:
    source = SourceRef("a.txt", "A", None, "sources/a.txt")
    with pytest.raises(SettingsError, match="one of house, full, got 'apa'"):
        cite(source, Quote("x", 0, 1), None, 1, style="apa")
    assert CITATION_STYLES == ("house", "full")
