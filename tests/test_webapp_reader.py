"""The reader's HTML: a PDF's pages shown as pages, the cited span marked on whichever pages it spans, and how a
passage link landed said in words."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

from assistant.types import Document
from assistant.webapp.document_html import reader_html

PAGES = ["First page text.\n", "Second page: the unit looks into 625 allegations.\n", "Third <page> & end.\n"]
PDF = Document("r.pdf", "sources/r.pdf", "Report", None, "".join(PAGES), "sha",
               page_starts=(0, len(PAGES[0]), len(PAGES[0]) + len(PAGES[1])))  # fmt: skip


class Sections(HTMLParser):
    """The text of each ``section.page`` and of its ``mark.quote`` elements, by page number."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.page: str | None = None
        self.marking = False
        self.text: dict[str, str] = {}
        self.marked: dict[str, str] = {}
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.page = dict(attrs)["data-page"]
        self.marking = self.marking or tag == "mark"

    def handle_endtag(self, tag: str) -> None:
        self.marking = self.marking and tag != "mark"

    def handle_data(self, data: str) -> None:
        if self.page is not None:
            self.text[self.page] = self.text.get(self.page, "") + data
            if self.marking:
                self.marked[self.page] = self.marked.get(self.page, "") + data


def test_a_pdf_shows_each_page_numbered_and_its_text_unchanged() -> None:
    html = reader_html(PDF)
    sections = Sections(html)
    assert [unescape(t) for t in sections.text.values()] == [f"Page {i}{text}" for i, text in enumerate(PAGES, 1)]
    assert "3 pages" in html


def test_the_cited_quote_is_marked_on_its_page_and_the_header_names_that_page() -> None:
    start = PDF.text.index("the unit")
    html = reader_html(PDF, (start, start + 8))
    assert Sections(html).marked == {"2": "the unit"}
    assert "cited: p. 2" in html


def test_a_quote_across_a_page_break_is_marked_on_both_pages() -> None:
    start = PDF.text.index("text.")
    end = PDF.text.index("Second page") + len("Second page")
    marked = Sections(reader_html(PDF, (start, end))).marked
    assert marked == {"1": "text.\n", "2": "Second page"}


def test_unpaged_text_has_no_page_sections() -> None:
    doc = Document("a.txt", "sources/a.txt", "A", None, "One.\nTwo.\n", "sha")
    assert "section" not in reader_html(doc, (0, 4)) and "Page 1" not in reader_html(doc)


def test_a_link_note_and_the_text_the_link_was_made_for_are_shown_as_text() -> None:
    html = reader_html(PDF, (0, 5), link="/?doc=r.pdf", note="Changed: <b>87%</b>", status="changed", linked="<i>old</i>")
    assert 'class="link-status changed"' in html and "Changed: &lt;b&gt;87%&lt;/b&gt;" in html
    assert "&lt;i&gt;old&lt;/i&gt;" in html and 'data-link="/?doc=r.pdf"' in html
