"""The quote desk's HTML: the verdict shown prominently, the word diff marked, figures side by side with links to
their spans, "reported also by" on each card, and document text always escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest

from assistant.citations import corroboration_citation
from assistant.types import ALTERED, Corroboration, DiffOp, EXACT, Figure, FigureSpan, Match, NOT_FOUND, SearchResult, Span, Verification
from assistant.types import Quote, SourceRef
from assistant.webapp import cards
from assistant.webapp.export import to_csv, to_markdown
from assistant.webapp.desk_html import (
    diff_html,
    figures_html,
    parse_desk_action,
    record_for,
    verdict_label,
    verification_html,
)
from assistant.webapp.session import Session, Turn
from tests.test_webapp_cards import PAYLOAD, Tags, assert_inert, make_passage

SOURCE = SourceRef("000.txt", "Over 600 <b>allegations</b>", None, "sources/000.txt")
ITV = SourceRef("001.txt", "Met investigates", "ITV News", "sources/001.txt")
SAID = "Since the Unit was formed allegations of abuse against officers has climbed to 625."
QUOTE = "Since the Unit was formed allegations of abuse against officers has climbed to 652."
AT = 599  # where SAID starts in its source


def altered() -> Verification:
    """The changed-number quote as ``verify_quote`` returns it (ops from source words to the quote's)."""
    diff = (
        DiffOp("equal", QUOTE[:78], 0, 78, SAID[:78], AT, AT + 78),
        DiffOp("changed", "652", 79, 82, "625", AT + 79, AT + 82, "number"),
        DiffOp("equal", ".", 82, 83, ".", AT + 82, AT + 83),
    )
    match = Match(SOURCE, None, 5, (Span(AT, AT + len(SAID), SAID),), 0.988, 0.9333, False, diff)
    return Verification(QUOTE, ALTERED, (QUOTE,), (match,))


def exact(*, folded: bool) -> Verification:
    matches = (
        Match(SOURCE, None, 5, (Span(AT, AT + len(SAID), SAID),), 1.0, 1.0, folded),
        Match(ITV, 2, None, (Span(10, 10 + len(SAID), SAID),), 1.0, 1.0, False),
    )
    return Verification(SAID, EXACT, (SAID,), matches)


def not_found(text: str = SAID) -> Verification:
    match = Match(SOURCE, None, 5, (Span(AT, AT + len(text), text),), 0.51, 0.3, False)
    return Verification("The unit was formed in 1850 by aliens.", NOT_FOUND, ("x",), (match,))


def readable(html: str) -> str:
    """The markup as text: ``[-struck-]``, ``{+inserted+}``, ``(flag)``, table cells joined by a space."""
    html = re.sub(r'<span class="flag">(.*?)</span>', r"(\1)", html)
    html = re.sub(r"<del[^>]*>(.*?)</del>", r"[-\1-]", html)
    html = re.sub(r"<ins[^>]*>(.*?)</ins>", r"{+\1+}", html)
    return unescape(re.sub(r"<[^>]+>", "", html.replace("</td><td>", " ")))


def marked(html: str, css: str) -> list[tuple[str, str]]:
    """(struck, inserted) text of each ``span.<css>`` in the diff."""
    out = []
    for piece in html.split(f'<span class="{css}"')[1:]:
        struck = piece.split("<del>")[1].split("</del>")[0]
        inserted = piece.split("<ins>")[1].split("</ins>")[0]
        out.append((unescape(struck), unescape(inserted)))
    return out


# -- the verdict ------------------------------------------------------------------------------------


def test_an_altered_quote_shows_the_verdict_the_similarity_the_source_text_and_the_changed_number() -> None:
    html = verification_html(altered())
    assert_inert(html)
    assert html.startswith('<div class="verdict altered"') and ">ALTERED</span>" in html
    assert "Similarity 0.99 · 93% of the quote’s words unchanged" in html
    assert f'<blockquote class="source-text">{SAID}</blockquote>' in html  # the source's own words
    assert "para 5" in html and "Over 600 &lt;b&gt;allegations&lt;/b&gt;" in html
    assert marked(html, "changed number") == [("625", "652")]
    assert '<span class="flag">number</span>' in html


def test_an_exact_quote_lists_every_place_and_says_whether_folding_was_needed() -> None:
    plain, folded = verification_html(exact(folded=False)), verification_html(exact(folded=True))
    assert ">EXACT</span>" in plain and "no folding was needed" in plain
    assert "Found after folding curly and straight quote marks, dashes or white space" in folded
    assert plain.count('<article class="card place"') == 2
    assert "ITV News</span> · " in plain and "p. 2" in plain  # the publisher first
    assert '<p class="diff">' not in plain


def test_not_found_marks_each_nearest_passage_as_not_supporting_the_quote() -> None:
    html = verification_html(not_found())
    assert ">NOT FOUND</span>" in html
    assert html.count("Does NOT support the quote") == html.count("<article") == 1
    assert 'class="card place weak"' in html


def test_every_place_has_open_and_add_to_citations_buttons_that_parse_back() -> None:
    actions = [a["data-action"] for _, a in Tags(verification_html(exact(folded=False))).tags if "data-action" in a]
    assert actions == ["open:0", "cite:0", "open:1", "cite:1"]
    assert [parse_desk_action(a, 2) for a in actions] == [("open", 0), ("cite", 0), ("open", 1), ("cite", 1)]


@pytest.mark.parametrize("value", [None, "", "cite", "cite:", "cite:2", "cite:-1", "cite:a", "copy:0", "open:0:1"])
def test_malformed_or_out_of_range_desk_actions_are_ignored(value: object) -> None:
    assert parse_desk_action(value, 2) is None


def test_document_and_quote_text_is_escaped_everywhere() -> None:
    hostile = SourceRef("x.txt", PAYLOAD, PAYLOAD, "sources/x.txt")
    diff = (DiffOp("changed", PAYLOAD, 0, len(PAYLOAD), PAYLOAD + "!", 0, len(PAYLOAD) + 1, "name"),)
    match = Match(hostile, None, 1, (Span(0, len(PAYLOAD), PAYLOAD),), 0.9, 0.9, False, diff)
    html = verification_html(Verification(PAYLOAD, ALTERED, (PAYLOAD,), (match,)))
    assert_inert(html)
    assert PAYLOAD not in html and unescape(html).count(PAYLOAD) >= 4


# -- the word diff ----------------------------------------------------------------------------------


def test_the_diff_marks_dropped_added_and_changed_words_in_the_quotes_own_spacing() -> None:
    quote = "the team has grown fast to 652, said Clarke"
    ops = (
        DiffOp("equal", "the team", 0, 8, "the team", 0, 8),
        DiffOp("dropped", "", 9, 9, "caseload", 9, 17),
        DiffOp("equal", "has grown", 9, 18, "has grown", 18, 27),
        DiffOp("added", "fast", 19, 23, "", 28, 28),
        DiffOp("equal", "to", 24, 26, "to", 28, 30),
        DiffOp("changed", "652", 27, 30, "625", 31, 34, "number"),
        DiffOp("equal", ", said", 30, 36, ", said", 34, 40),
        DiffOp("changed", "Clarke", 37, 43, "Clark", 41, 46, "name"),
    )
    html = diff_html(quote, ops)
    assert_inert(html)
    assert (
        readable(html)
        == "the team [-caseload-] has grown {+fast+} to [-625-]{+652+}(number), said [-Clark-]{+Clarke+}(name)"
    )
    assert marked(html, "changed number") == [("625", "652")] and marked(html, "changed name") == [("Clark", "Clarke")]


def test_the_label_a_gathered_citation_carries_says_what_was_verified() -> None:
    v = altered()
    assert verdict_label(v, v.matches[0]) == "altered (similarity 0.99): source “625”, quote “652”"
    assert verdict_label(exact(folded=True), exact(folded=True).matches[0]).startswith("exact (after folding")
    assert verdict_label(exact(folded=False), exact(folded=False).matches[1]) == "exact"
    assert verdict_label(not_found(), not_found().matches[0]).startswith("not found")


def test_a_verified_place_becomes_a_citation_in_the_sources_own_words_with_its_verdict() -> None:
    record = record_for(altered(), 0)
    assert (record.quote, record.start, record.end, record.location) == (SAID, AT, AT + len(SAID), "para 5")
    assert record.citation == f"“{SAID}” — Over 600 <b>allegations</b>, para 5"
    assert record.question == f"Verify: {QUOTE}"
    assert "altered (similarity 0.99)" in to_markdown((record,)) and "quote “652”" in to_csv((record,))


def test_an_ellipsis_quote_is_cited_as_its_fragments_joined_by_an_ellipsis() -> None:
    first, second = Span(100, 110, "we need to"), Span(150, 170, "get rid of them")
    match = Match(SOURCE, None, 3, (first, second), 1.0, 1.0, False)
    record = record_for(Verification("we need to … get rid of them", EXACT, ("a", "b"), (match,)), 0)
    assert (record.quote, record.start, record.end) == ("we need to … get rid of them", 100, 170)
    assert "Split at the ellipsis into 2 fragments" in verification_html(
        Verification("we need to … get rid of them", EXACT, ("a", "b"), (match,))
    )


# -- figures under an answer ------------------------------------------------------------------------


def figure(text: str, value: int, noun: str, qualifier: str | None, *spans: tuple[SourceRef, int, str]) -> Figure:
    sources = tuple(dict.fromkeys(s for s, _, _ in spans))
    found = tuple(FigureSpan(s.id, at, at + len(words), words) for s, at, words in spans)
    return Figure(text, value, noun, "count", qualifier, sources, found)


BBC = SourceRef("003.txt", "Inside the new Met unit", "BBC", "sources/003.txt")


def test_each_figure_shows_its_noun_and_the_sources_that_state_it_each_linked_to_its_span() -> None:
    figures = [
        figure("625 allegations", 625, "allegations", None, (BBC, 40, "625 allegations"), (ITV, 7, "625 misconduct")),
        figure("more than 600 allegations", 600, "allegations", "more than", (ITV, 90, "more than 600 abuse")),
        figure("119 claims", 119, "claims", None, (SOURCE, 5, "119 claims")),
    ]
    html = figures_html(figures)
    assert_inert(html)
    rows = [readable("<tr" + row) for row in html.split("<tr")[1:]]
    assert rows[0] == "625 allegations — BBC, ITV News (2 sources)"
    assert rows[2].startswith("119 claims — Over 600 <b>allegations</b> (1 source)")
    assert "The sources give different figures for: allegations (625 allegations; more than 600 allegations)" in html
    links = [a["data-action"] for _, a in Tags(html).tags if "data-action" in a]
    assert [cards.parse_read(a) for a in links[:3]] == [("003.txt", 40, 55), ("003.txt", 40, 55), ("001.txt", 7, 21)]
    assert figures_html([]) == ""


def test_a_source_named_like_markup_stays_inside_its_link() -> None:
    odd = SourceRef('x" onmouseover="alert(1)<b>.txt', PAYLOAD, None, "sources/x.txt")
    html = figures_html([figure("625 allegations", 625, "allegations", None, (odd, 3, "625 allegations"))])
    assert_inert(html)
    actions = [a["data-action"] for _, a in Tags(html).tags if "data-action" in a]
    assert [cards.parse_read(a) for a in actions] == [(odd.id, 3, 18)] * 2


def test_a_read_link_opens_only_a_span_of_a_quote_the_session_has_shown() -> None:
    passage = make_passage()
    session = Session().ask(Turn("q", SearchResult("q", "hybrid", (passage,))))
    inside = (passage.source.id, passage.quote.start + 4, passage.quote.start + 8)
    held = session.holding(*inside)
    assert held is not None and held.around == (passage.quote.start, passage.quote.end)
    assert held.quote == Quote(passage.quote.text[4:8], *inside[1:])  # what the reader marks
    assert session.holding(passage.source.id, passage.quote.end - 2, passage.quote.end + 5) is None
    assert session.holding("other.txt", *inside[1:]) is None
    assert cards.parse_read(cards.read_action("odd:name.txt", 3, 9)) == ("odd:name.txt", 3, 9)
    for bad in ("read:9:3:a.txt", "read:1:2:", "read:x:2:a.txt", "open:1:2:3"):
        assert cards.parse_read(bad) is None


# -- reported also by, on each card -----------------------------------------------------------------


def link(source: SourceRef = BBC, text: str = "The caseload has grown to 625 allegations.") -> Corroboration:
    return Corroboration(source, None, 9, Quote(text, 300, 300 + len(text)), 0.6756)


def test_a_card_names_the_other_sources_and_shows_each_sentence_verbatim_with_its_citation() -> None:
    card = cards.passage_card(1, make_passage(2), reported=[link(), link(ITV, f"It said {PAYLOAD} 625.")])
    assert_inert(card)
    assert "<summary>Reported also by: BBC, ITV News</summary>" in card
    assert "“The caseload has grown to 625 allegations.”" in card and "similarity 0.68" in card
    buttons = {a["data-action"]: a for _, a in Tags(card).tags if "data-action" in a}
    assert buttons["copy-rep:1:2:0"]["data-cite"] == corroboration_citation(link())
    assert "open-rep:1:2:1" in buttons
    assert cards.parse_action("copy-rep:1:2:0") == ("copy-rep", 1, 2, 0)
    assert "Reported also by" not in cards.passage_card(1, make_passage(2))


def test_the_session_finds_a_passage_its_copies_and_its_reported_sentences_by_turn_rank_and_index() -> None:
    passage = make_passage()
    turn = Turn("q", SearchResult("q", "hybrid", (passage,)), reported=((link(),),))
    session = Session().ask(turn)
    own = session.quoted(0, 1)
    assert own is not None and own.quote == passage.quote and own.around == (passage.start, passage.end)
    also = session.quoted(0, 1, also=0)
    assert also is not None and also.source == passage.also_in[0].source and also.around is None
    found = session.quoted(0, 1, reported=0)
    assert found is not None and (found.source, found.quote, found.question) == (BBC, link().quote, "q")
    assert found.record().citation == corroboration_citation(link())
    assert [session.quoted(0, 1, reported=1), session.quoted(0, 2, reported=0), session.quoted(1, 1)] == [None] * 3
    assert session.holding(BBC.id, 310, 320) is not None  # its span opens in the reader
    assert "Reported also by: BBC" in cards.turn_html(0, turn)
