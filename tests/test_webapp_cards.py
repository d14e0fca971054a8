"""Passage cards, the reader and the listings: our markup around document text that is always escaped."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import pytest

from assistant.citations import format_citation
from assistant.service import SourceInfo
from assistant.types import SearchResult
from assistant.types import Document, LoadFailure, Occurrence, Passage, Quote, SourceRef
from assistant.webapp import cards
from assistant.webapp.export import CitationRecord
from assistant.webapp.session import Turn

PAYLOAD = '<script>window.pwned=1</script><img src=x onerror="window.pwned=1">'
TEXT = f"Intro line.\nThe unit looks into 625 allegations. {PAYLOAD} Done."


class Tags(HTMLParser):
    """Every tag and attribute the browser would build from a piece of HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


class Text(HTMLParser):
    """The text a browser would show for a piece of HTML, character references left as written."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = ""
        self.feed(markup)

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_entityref(self, name: str) -> None:
        self.text += f"&{name};"

    def handle_charref(self, name: str) -> None:
        self.text += f"&#{name};"


def assert_inert(markup: str) -> None:
    tags = Tags(markup).tags
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "svg", "object")]
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]


def make_passage(rank: int = 1, *, title: str = "Met <b>unit</b>", publisher: str | None = "ITV & Co") -> Passage:
    source = SourceRef("itv.txt", title, publisher, "sources/itv.txt")
    start = TEXT.index("The unit")
    end = len(TEXT)
    q_start = start
    q_end = TEXT.index(" Done.")
    quote = Quote(TEXT[q_start:q_end], q_start, q_end)
    also = Occurrence(SourceRef("bbc.txt", "BBC <i>story</i>", "BBC", "sources/bbc.txt"), None, 4, Quote("x", 0, 1))
    return Passage(rank, 0.0318, 0.61, source, None, 2, TEXT[start:end], start, end, quote, (also,))


def test_a_card_shows_source_location_score_and_the_quote_marked_inside_its_passage() -> None:
    card = cards.passage_card(0, make_passage())
    assert_inert(card)
    assert "Met &lt;b&gt;unit&lt;/b&gt;" in card and "(ITV &amp; Co)" in card
    assert "para 2" in card and "score 0.0318" in card and "similarity 0.61" in card
    marked = card.split('<mark class="quote">')[1].split("</mark>")[0]
    assert unescape(marked) == make_passage().quote.text
    assert "Also in: " in card and "BBC &lt;i&gt;story&lt;/i&gt; (BBC), para 4" in card


def test_the_copy_button_carries_the_ready_to_paste_citation() -> None:
    p = make_passage()
    tag = next(attrs for tag, attrs in Tags(cards.passage_card(3, p)).tags if tag == "button" and "data-cite" in attrs)
    assert tag["data-cite"] == format_citation(p)
    assert tag["data-action"] == "copy:3:1:-1"


def test_buttons_name_their_passage_and_round_trip_through_parse_action() -> None:
    actions = [a["data-action"] for _, a in Tags(cards.passage_card(2, make_passage(4))).tags if "data-action" in a]
    assert sorted(actions) == ["copy:2:4:-1", "open:2:4:-1", "open:2:4:0"]
    assert cards.parse_action("open:2:4:0") == ("open", 2, 4, 0)


@pytest.mark.parametrize("value", [None, "", "open:1:2", "delete:0:1:-1", "open:a:1:-1", "open:0:1:-1:9"])
def test_malformed_actions_are_ignored(value: object) -> None:
    assert cards.parse_action(value) is None


def test_a_weak_answer_says_so_plainly_and_marks_each_card() -> None:
    reason = "No passage in the sources answers <this> closely."  # the core's words, escaped like any text
    weak = SearchResult("<b>capital of France?</b>", "hybrid", (make_passage(),), answered=False, reason=reason)
    html = cards.turn_html(0, Turn("<b>capital of France?</b>", weak))
    assert_inert(html)
    assert "No passage in the sources answers &lt;this&gt; closely. The nearest passages are shown below" in html
    assert 'class="card weak"' in html and "weak match" in html
    assert "&lt;b&gt;capital of France?&lt;/b&gt;" in html


def test_an_answered_question_shows_its_cards_without_a_warning() -> None:
    html = cards.turn_html(0, Turn("Who?", SearchResult("Who?", "hybrid", (make_passage(),))))
    assert 'class="card"' in html and "weak" not in html and "answers this closely" not in html


def test_a_follow_up_shows_what_was_searched() -> None:
    searched = "Who is the commissioner? and his <predecessor>?"
    turn = Turn("and his <predecessor>?", SearchResult(searched, "hybrid", answered=False, reason="Nothing matches."))
    html = cards.turn_html(1, turn)
    assert (
        "searched with the conversation as “Who is the commissioner? and his &lt;predecessor&gt;?”" in html
    )
    assert '<p class="abstain">Nothing matches.</p>' in html


def test_an_error_is_shown_as_text() -> None:
    html = cards.turn_html(0, Turn("q", error=f"unknown source(s): {PAYLOAD}"))
    assert_inert(html)
    assert "unknown source(s): &lt;script&gt;" in html


def test_the_reader_marks_the_quote_inside_the_shaded_passage_and_escapes_the_rest() -> None:
    doc = Document("itv.txt", "sources/itv.txt", "T <x>", "P", TEXT, "sha")
    p = make_passage()
    html = cards.reader_html(doc, (p.quote.start, p.quote.end), (p.start, p.end))
    assert_inert(html)
    assert unescape(html.split('<mark class="quote">')[1].split("</mark>")[0]) == p.quote.text
    assert "cited: para 2" in html and f"characters {p.quote.start}–{p.quote.end}" in html
    body = html.split('<div class="reader-text">')[1].removesuffix("</div>")
    assert unescape(Text(body).text) == TEXT  # nothing lost, nothing added


def test_listings_escape_titles_reasons_and_citations() -> None:
    info = SourceInfo("x.html", PAYLOAD, None, "sources/x.html", 2048, 3, "2026-11-23T09:00:00+00:00")
    html = cards.sources_html([info], [LoadFailure("sources/bad.pdf", PAYLOAD)])
    assert_inert(html)
    assert "2.0 KiB" in html and "Not indexed" in html
    record = CitationRecord.of(SourceRef("x", PAYLOAD, None, "p"), Quote(PAYLOAD, 0, len(PAYLOAD)), None, 1)
    assert_inert(cards.citations_html([record]))
    assert_inert(cards.upload_status_html([PAYLOAD], [f"{PAYLOAD}: unsupported"], PAYLOAD))
