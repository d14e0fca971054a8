"""Figures side by side: rule-based extraction with nouns, grouped across sources, every span verbatim."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.figures import extract_figures, figures_in
from assistant.render import figures_to_json, figures_to_text
from assistant.types import Occurrence, Passage, Quote, SourceRef


def stated(text: str) -> list[tuple[str, object, str, str]]:
    return [(s.kind, s.value, s.shown, s.noun) for s in figures_in(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It was looking into 625 misconduct allegations, ranging from", [("count", 625, "625", "allegations")]),
        ("Over 600 domestic and sexual abuse allegations are", [("count", 600, "more than 600", "allegations")]),
        ("of which just 119 were upheld.", [("count", 119, "119", "upheld")]),
        ("The force currently answers 63.9% of 999 calls within", [("percent", 63.9, "63.9%", "of 999 calls")]),
        ("At least 1,600 allegations against police", [("count", 1600, "at least 1,600", "allegations")]),
        ("in 12 to 18 months.", [("count", 12, "12", "months"), ("count", 18, "18", "months")]),
        ("as of 18 August.", [("date", "--08-18", "18 August", "")]),
        ("Sarah Everard in March 2021 by", [("date", "2021-03", "March 2021", "")]),
        ("made between 2012 and 2018,", [("date", "2012", "2012", ""), ("date", "2018", "2018", "")]),
        ("a budget of £2.5 million for", [("money", 2500000, "£2.5 million", "")]),
        ("three police watchdogs ruling that", [("count", 3, "three", "watchdogs")]),
    ],
)
def test_each_figure_is_read_with_its_value_and_noun(text: str, expected: list[tuple[str, object, str, str]]) -> None:
    assert stated(text) == expected


def test_telephone_numbers_and_names_with_numbers_are_not_figures() -> None:
    assert stated("calls to the non-emergency number 101 abandoned") == []
    assert stated("answer 999 calls quickly enough, like AC-12 would") == []


def test_disciplined_over_a_number_is_not_more_than_it() -> None:
    assert stated("MET OFFICERS disciplined over 119 sexual abuse claims") == [("count", 119, "119", "claims")]


def passage(source: str, text: str, offset: int = 0, also_in: tuple[tuple[str, str, int], ...] = ()) -> Passage:
    def ref(sid: str) -> SourceRef:
        return SourceRef(sid, sid.upper(), None, f"sources/{sid}")

    occurrences = tuple(Occurrence(ref(s), None, 1, Quote(t, o, o + len(t))) for s, t, o in also_in)
    return Passage(1, 1.0, 0.5, ref(source), None, 1, text, offset, offset + len(text), Quote(text, offset, offset + len(text)), occurrences)


def test_the_same_figure_in_several_sources_is_one_row_listing_each_source_and_span() -> None:
    passages = [
        passage("itv", "It was looking into 625 misconduct allegations, ranging from", 100),
        passage("bbc", "Over 600 domestic and sexual abuse allegations are being investigated.", also_in=(("mail", "Over 600 domestic and sex abuse allegations are being investigated.", 40),)),
        passage("clark", "Since the Unit was formed allegations of abuse against officers has climbed to 625.", 7),
    ]
    figures = extract_figures(passages)
    assert [(f.text, [s.id for s in f.sources]) for f in figures] == [
        ("625 allegations", ["itv", "clark"]),
        ("more than 600 allegations", ["bbc", "mail"]),
    ]
    six_two_five = figures[0]
    assert [(s.source_id, s.start, s.text) for s in six_two_five.spans] == [
        ("itv", 120, "625 misconduct allegations"),
        ("clark", 86, "625"),
    ]


def test_a_bare_number_that_nothing_names_is_left_out() -> None:
    assert extract_figures([passage("mail", "Bibaa Henry, 46, and Nicole Smallman")]) == []


def test_the_json_has_text_value_noun_sources_and_spans() -> None:
    (row,) = figures_to_json(extract_figures([passage("obs", "of which just 119 were upheld.", 400)]))
    assert row["text"] == "119 upheld" and row["value"] == 119 and row["noun"] == "upheld"
    assert [s["id"] for s in row["sources"]] == ["obs"]
    assert row["spans"] == [{"source_id": "obs", "start": 414, "end": 429, "text": "119 were upheld"}]


@pytest.mark.integration
def test_figures_of_a_real_answer_link_to_the_sources_own_text(articles: Assistant) -> None:
    result = articles.search("How many allegations is the unit investigating?", k=5)
    figures = extract_figures(result.results)
    assert any(f.value == 625 and f.noun == "allegations" and len(f.sources) >= 2 for f in figures)
    for figure in figures:
        for span in figure.spans:
            assert articles.document(span.source_id).text[span.start : span.end] == span.text


def test_the_text_lists_each_figure_with_its_sources_and_wordings() -> None:
    passages = [
        passage("itv", "It was looking into 625 misconduct allegations, ranging from", 100),
        passage("bbc", "the team's caseload has grown to 625 allegations of sexual abuse", 7),
    ]
    assert figures_to_text(extract_figures(passages)) == (
        "625 allegations — ITV; BBC (“625 misconduct allegations” / “625 allegations”)"
    )
