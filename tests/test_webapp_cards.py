"""Passage cards, the reader and the listings: our markup around document text that is always escaped."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import pytest

from assistant.citations import format_citation
from assistant.service import SourceInfo
from assistant.types import SearchResult
from assistant.types import Document, LoadFailure, Occurrence, Passage, Quote, SourceRef
from assistant.webapp import cards, document_html
from assistant.webapp.citations_tab import citations_html
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


def test_a_card_shows_publisher_title_location_and_the_quote_marked_inside_its_passage() -> None:
    card = cards.passage_card(0, make_passage())
    assert_inert(card)
    header = card.split("<header>")[1].split("</header>")[0]
    assert Text(header).text.split() == ["1.", "ITV", "&amp;", "Co", "·", "Met", "&lt;b&gt;unit&lt;/b&gt;", "para", "2"]
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
    html = document_html.reader_html(doc, (p.quote.start, p.quote.end), (p.start, p.end))
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
    assert_inert(citations_html([record]))
    assert_inert(cards.upload_status_html([PAYLOAD], [f"{PAYLOAD}: unsupported"], PAYLOAD))


# -- scores, titles, rank order and links on cards ----------------------------------------------------


def test_raw_scores_sit_behind_a_details_toggle_not_in_the_header() -> None:
    card = cards.passage_card(0, make_passage())
    header = card.split("</header>")[0]
    assert "0.0318" not in header and "0.61" not in header
    details = card.split('<details class="scores">')[1].split("</details>")[0]
    assert "<summary>Details</summary>" in details
    assert "rank score 0.0318 · search score 0.0318 · similarity to the question 0.61" in details


def test_a_long_title_is_cut_at_a_word_with_the_whole_title_on_hover() -> None:
    title = "Metropolitan Police force investigates hundreds of misconduct allegations against officers in a new unit " * 2
    card = cards.passage_card(0, make_passage(title=title.strip()))
    tag = next(attrs for tag, attrs in Tags(card).tags if tag == "span" and attrs.get("class") == "title")
    assert tag["title"] == title.strip()
    shown = card.split('class="title"')[1].split(">", 1)[1].split("</span>")[0]
    assert shown.endswith("…") and len(shown) <= 90 and title.startswith(shown[:-1])
    assert not shown[:-1].endswith(" ")


def test_short_names_put_the_publisher_first_and_tell_two_sources_of_one_publisher_apart() -> None:
    bbc_a = SourceRef("a.txt", "Met unit looks into 625 allegations", "BBC", "sources/a.txt")
    bbc_b = SourceRef("b.txt", "New commissioner named", "BBC", "sources/b.txt")
    itv = SourceRef("c.txt", "Met Police force investigates", "ITV News", "sources/c.txt")
    untitled = SourceRef("d.txt", "A very long title of an article with no publisher at all, going on", None, "x")
    names = cards.short_names([bbc_a, bbc_b, itv, untitled, bbc_a])
    assert names[:3] == ["BBC: Met unit looks into 625 allegations", "BBC: New commissioner named", "ITV News"]
    assert names[3] == "A very long title of an article with…" and names[4] == names[0]


def test_cards_are_shown_in_rank_order_each_with_a_copy_link_button() -> None:
    passages = tuple(make_passage(rank) for rank in (1, 2, 3))
    html = cards.turn_html(0, Turn("Who?", SearchResult("Who?", "hybrid", passages)), lambda p: f"/?doc=x&rank={p.rank}")
    assert [a["data-rank"] for t, a in Tags(html).tags if t == "article"] == ["1", "2", "3"]
    links = [a["data-link"] for t, a in Tags(html).tags if t == "button" and "data-link" in a]
    assert links == ["/?doc=x&rank=1", "/?doc=x&rank=2", "/?doc=x&rank=3"]


def test_a_card_whose_source_changed_since_the_answer_offers_no_link() -> None:
    html = cards.turn_html(0, Turn("Who?", SearchResult("Who?", "hybrid", (make_passage(),))), lambda p: None)
    assert "data-link" not in html and "Copy citation" in html


def test_an_answer_carries_its_own_link_escaped_in_the_attribute() -> None:
    link = '/?q=%22Who%22&k=5&mode=hybrid&x="><script>'
    html = cards.turn_html(0, Turn("Who?", SearchResult("Who?", "hybrid", (make_passage(),)), link=link))
    assert_inert(html)
    button = next(a for t, a in Tags(html).tags if t == "button" and "data-link" in a)
    assert button["data-link"] == link and "Copy link to this answer" in html


def test_two_sources_alike_in_publisher_and_title_start_are_told_apart_by_file() -> None:
    first = SourceRef("a.txt", "Met Police misconduct unit: the first report of the year", "BBC", "sources/a.txt")
    second = SourceRef("b.txt", "Met Police misconduct unit: the first report of the decade", "BBC", "sources/b.txt")
    names = cards.short_names([first, second])
    assert names[0] != names[1] and names[0].endswith("(a.txt)") and names[1].endswith("(b.txt)")
