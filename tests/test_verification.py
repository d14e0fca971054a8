"""Verifying a quote: exact (after folding), altered (with the changed words marked) or not found."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, EmptyQueryError
from assistant.segmentation import word_spans
from assistant.folding import fold
from assistant.render import verification_to_json as to_json
from assistant.render import verification_to_text as to_text
from assistant.types import ALTERED, EXACT, NOT_FOUND, Verification
from assistant.verification import split_fragments, verify_quote

CLARK = "000_b4efa6d47b194183.txt"
ITV = "001_3bd223bcd275ebfb.txt"
MAIL = "002_91d102806b45131f.txt"
BBC = "003_7582e51dae7e9a11.txt"


# -- folding and splitting (pure) ---------------------------------------------------------------


def test_folding_straightens_quotes_and_dashes_and_collapses_white_space() -> None:
    folded = fold("“We don’t” – they\n\n  said…")
    assert folded.text == "\"We don't\" - they said..."


def test_folded_offsets_map_back_to_the_original_text() -> None:
    original = "unit –\n\nthe “Daso” team"
    folded = fold(original, offset=100)
    at = folded.text.index('"Daso"')
    start, end = folded.span(at, at + len('"Daso"'))
    assert original[start - 100 : end - 100] == "“Daso”"
    start, end = folded.span(0, len("unit - the"))
    assert original[start - 100 : end - 100] == "unit –\n\nthe"


def test_a_quote_is_split_at_each_ellipsis_keeping_offsets() -> None:
    quote = "Particularly understanding domestic abuse … we need to get rid of them"
    fragments = split_fragments(quote)
    assert [f.text for f in fragments] == ["Particularly understanding domestic abuse", "we need to get rid of them"]
    assert all(quote[f.offset : f.offset + len(f.text)] == f.text for f in fragments)
    assert [f.text for f in split_fragments("... get rid of them...")] == ["get rid of them"]


# -- verdicts on the articles -------------------------------------------------------------------


def verify(articles: Assistant, quote: str) -> Verification:
    result = verify_quote(articles.snapshot, articles.embedder, quote)
    assert_spans_are_source_text(articles, result)
    return result


def assert_spans_are_source_text(articles: Assistant, result: Verification) -> None:
    """The invariant: every span and every diff offset returned is the source's own text."""
    for match in result.matches:
        text = articles.document(match.source.id).text
        for span in match.spans:
            assert text[span.start : span.end] == span.text
        for op in match.diff:
            assert text[op.source_start : op.source_end] == op.source_text
            assert result.quote[op.quote_start : op.quote_end] == op.quote_text


@pytest.mark.integration
def test_a_verbatim_sentence_is_exact_in_every_source_that_carries_it(articles: Assistant) -> None:
    result = verify(articles, "We don’t want them in the organisation and we need to get rid of them.")
    assert result.verdict == EXACT
    assert {m.source.id for m in result.matches} == {CLARK, BBC}
    assert result.folded  # the BBC prints a straight apostrophe
    clark = next(m for m in result.matches if m.source.id == CLARK)
    assert not clark.folded and clark.paragraph == 10


@pytest.mark.integration
def test_other_quote_marks_and_a_line_break_still_verify_as_exact_and_say_so(articles: Assistant) -> None:
    pasted = (
        'The Metropolitan Police is investigating more than 600 sexual and domestic abuse allegations against its '
        "own officers. It is after a new unit - the Domestic and Sexual Offences (Daso) unit, was set up in January"
    )
    result = verify(articles, pasted.replace("unit - the", "unit- the"))
    assert result.verdict == EXACT and result.folded
    (match,) = result.matches
    assert match.source.id == ITV
    assert "\n\n" in match.spans[0].text  # the source's own text, paragraph break included


@pytest.mark.integration
def test_a_quote_in_straight_quote_marks_matches_the_curly_original(articles: Assistant) -> None:
    result = verify(articles, "\"We don't want them in the organisation and we need to get rid of them.\"")
    assert result.verdict == EXACT and result.folded
    assert any(m.spans[0].text.startswith("“We don’t") for m in result.matches)


@pytest.mark.integration
def test_one_changed_number_is_altered_and_the_number_is_marked(articles: Assistant) -> None:
    result = verify(articles, "Since the Unit was formed allegations of abuse against officers has climbed to 652.")
    assert result.verdict == ALTERED
    (match,) = result.matches
    changed = [op for op in match.diff if op.op != "equal"]
    assert [(op.op, op.quote_text, op.source_text, op.flag) for op in changed] == [("changed", "652", "625", "number")]
    assert 0.9 < result.similarity < 1.0


@pytest.mark.integration
def test_a_misspelt_name_is_altered_and_marked_as_a_name(articles: Assistant) -> None:
    result = verify(articles, "The team's senior leader, Det Supt Annette Clarke, says they have experience in safeguarding")
    assert result.verdict == ALTERED
    changed = [op for op in result.matches[0].diff if op.op != "equal"]
    assert [(op.op, op.quote_text, op.source_text, op.flag) for op in changed] == [("changed", "Clarke", "Clark", "name")]


@pytest.mark.integration
def test_one_dropped_word_is_altered_with_the_dropped_words_shown(articles: Assistant) -> None:
    result = verify(articles, "Many of the officers in the task force are women who volunteered in order to ensure abusive officers are punished.")
    assert result.verdict == ALTERED
    (match,) = result.matches
    assert match.source.id == CLARK
    assert match.spans[0].text.startswith("Many of the officers") and match.spans[0].text.endswith("punished.")
    assert [(op.op, op.source_text) for op in match.diff if op.op != "equal"] == [("dropped", "have")]


@pytest.mark.integration
def test_an_ellipsis_quote_finds_each_fragment_in_order_in_one_source(articles: Assistant) -> None:
    result = verify(articles, "“Particularly understanding domestic abuse … we need to get rid of them.”")
    assert result.verdict == EXACT
    assert {m.source.id for m in result.matches} == {CLARK, BBC, MAIL}
    for match in result.matches:
        first, second = match.spans
        assert first.end < second.start


@pytest.mark.integration
def test_an_invented_sentence_is_not_found_and_the_nearest_passages_are_whole_sentences(articles: Assistant) -> None:
    result = verify(articles, "The Met has hired 300 new detectives to tackle fraud in the City of London.")
    assert result.verdict == NOT_FOUND
    assert 1 <= len(result.matches) <= 3
    assert all(not m.diff for m in result.matches)


ALTERATIONS = [
    "Cressida Dick resigned after a clash with Sadiq Khan.",
    "The force currently answers 69.3% of 999 calls within 10 seconds, against a national target of 90%.",
    "a total of 594 complaints were made between 2012 and 2019, of which just 119 were upheld",
    "We don’t want abusive officers in the force and we need to get rid of them.",
    "Det Supt Anette Clark",
    "He said he is determined to clean up the force.",
    "The Met was put into special measures by the watchdog three months ago.",
]
INVENTIONS = [
    "The police are investigating 600 abuse claims against their own staff.",
    "Rowley said the force will root out racists and misogynists within 100 days.",
    "Annette Clark said the unit had already secured dozens of convictions.",
    "The Home Secretary ordered an inquiry into the Daso unit last week.",
    "Sadiq Khan praised the new unit for its work with victims.",
    "The Observer obtained figures showing 1,200 complaints against officers in Manchester.",
    "Most victims are members of the public who were assaulted by officers on duty.",
    "The BBC drama Line of Duty was filmed inside Scotland Yard.",
]


@pytest.mark.integration
@pytest.mark.parametrize("quote", ALTERATIONS)
def test_trimmed_or_reworded_quotes_of_real_sentences_are_altered(articles: Assistant, quote: str) -> None:
    result = verify(articles, quote)
    assert result.verdict == ALTERED
    assert any(op.op != "equal" for op in result.matches[0].diff)


@pytest.mark.integration
@pytest.mark.parametrize("quote", INVENTIONS)
def test_sentences_the_sources_do_not_say_are_not_found(articles: Assistant, quote: str) -> None:
    assert verify(articles, quote).verdict == NOT_FOUND


@pytest.mark.integration
def test_the_json_names_the_verdict_and_gives_each_match_a_citation(articles: Assistant) -> None:
    data = to_json(verify(articles, "Since the Unit was formed allegations of abuse against officers has climbed to 652."))
    assert data["verdict"] == "altered" and data["folded"] is False
    match = data["matches"][0]
    assert match["source"]["id"] == CLARK
    assert match["citation"].startswith("“Since the Unit was formed") and match["citation"].endswith(", para 5")
    assert {"op", "quote_text", "source_text", "flag"} <= set(match["diff"][0])


@pytest.mark.integration
def test_the_text_marks_changed_dropped_and_added_words(articles: Assistant) -> None:
    text = to_text(verify(articles, "Since the Unit was formed allegations of abuse against officers has climbed to 652."))
    assert text.startswith("ALTERED")
    assert "[~625 -> 652~] (number)" in text
    trimmed = to_text(verify(articles, "Cressida Dick resigned after a clash with Sadiq Khan."))
    assert "Cressida Dick resigned [-earlier in the year-] after a clash with [-Mayor of London-] Sadiq Khan." in trimmed


@pytest.mark.integration
def test_an_empty_quote_is_a_clear_error(articles: Assistant) -> None:
    with pytest.raises(EmptyQueryError):
        verify_quote(articles.snapshot, articles.embedder, " “ … ” ")


@pytest.mark.integration
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_slice_of_whole_words_verifies_as_exact_at_that_slice(articles: Assistant, data: st.DataObject) -> None:
    doc = articles.document(data.draw(st.sampled_from(sorted(articles.snapshot.documents))))
    words = word_spans(doc.text, 0, len(doc.text))
    first = data.draw(st.integers(0, len(words) - 1))
    last = data.draw(st.integers(first, min(len(words) - 1, first + 40)))
    start, end = words[first][0], words[last][1]
    result = verify(articles, doc.text[start:end])
    assert result.verdict == EXACT
    # A slice of a few common words ("that's") stands in several documents, and the desk lists the
    # places its candidate chunks found, not every place in the corpus: any of them, curly or straight
    # apostrophes alike, is the quote standing verbatim.
    assert any(
        (m.source.id == doc.id and m.spans[0].start == start) or fold(m.spans[0].text).text == fold(doc.text[start:end]).text
        for m in result.matches
    )
