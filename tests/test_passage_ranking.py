"""Passages are reordered by their quote: of two the ranking nearly ties, the one whose quote itself names who or
states how many goes first; one whose quote says the figure is unknown never outranks one that states it.
Real sentences from the shipped articles."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assistant.quote_answers import quote_answers, quotes_answer
from assistant.quoting import QuoteSource, worded_for
from assistant.render import result_to_json, result_to_text
from assistant.retrieval import _Candidate, by_quote
from assistant.segmentation import sentence_spans
from assistant.sentence_features import SentenceFeatures
from assistant.store.sentences import ChunkSentences
from assistant.term_stats import DocumentTerms, SentenceTerms
from assistant.types import Document, Quote
from assistant.webapp.cards import passage_card

SOURCES = Path(__file__).resolve().parent.parent / "sources"

# Two articles' sentences on one event: the Observer's names the killer, the BBC's does not.
NAMES = (
    "The rape and murder of Sarah Everard in March 2021 by then-serving Met Police officer Wayne Couzens, who pretended "
    "to be a plain clothes officer to manipulate his victim, led the force to announce it would conduct an “urgent review” "
    "of all allegations of sexual misconduct and domestic abuse against officers."
)
UNNAMED = (
    "The rape and murder of Sarah Everard in March 2021 - by a police officer who pretended to be a plain-clothes "
    "detective to gain control of his victim - had a particularly devastating impact."
)
STATES = "Of the 119 cases of misconduct upheld by the investigations, 63 led to the ultimate removal of the accused from the police force."
UNKNOWN = "It has not been revealed, however, home many of the cases were subject to a criminal investigation."


def _answers(question: str, sentence: str) -> float:
    """``quote_answers`` for ``sentence`` quoted where it stands in the shipped articles."""
    for path in sorted(SOURCES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if sentence in text:
            start = text.index(sentence)
            return quote_answers(text, Quote(sentence, start, start + len(sentence)), question)
    raise AssertionError(f"not in the articles: {sentence}")


@pytest.mark.parametrize(
    ("question", "quote", "answers"),
    [
        ("Who murdered Sarah Everard?", NAMES, True),
        ("Who murdered Sarah Everard?", UNNAMED, False),
        ("How many of the upheld cases led to officers being removed?", STATES, True),
        ("How many of the upheld cases led to officers being removed?", UNKNOWN, False),
        ("Why did the force announce a review?", NAMES, False),  # asks for no kind of answer: nothing to hold
        # A follow-up is judged by its own words, not the subject it carries after its question mark.
        ("And who murdered her? Sarah Everard rape", NAMES, True),
    ],
)
def test_a_quote_answers_when_it_holds_the_kind_asked_for_and_the_questions_words(
    question: str, quote: str, answers: bool
) -> None:
    score = _answers(question, quote)
    assert 0.0 <= score <= 1.0
    assert (score >= 0.5) is answers and (answers or score == 0.0)


def test_a_quote_that_names_someone_but_not_what_is_asked_about_answers_less() -> None:
    question = "Who murdered Sarah Everard?"
    elsewhere = "Former officer Gemma MacRae blew the whistle at a different force, Police Scotland."
    assert 0.0 <= _answers(question, elsewhere) < _answers(question, NAMES)


def _candidates(question: str, scored: list[tuple[float, float, str]]) -> list[_Candidate]:
    """Passages whose quotes are the given sentences, with their ranking and quote scores."""
    return [
        _Candidate(row, score, Quote(text, 0, len(text)), 0.5, quote_score, _answers(question, text))
        for row, (score, quote_score, text) in enumerate(scored)
    ]


def test_of_two_near_tied_passages_the_one_whose_quote_names_who_goes_first() -> None:
    # The figures of "Who murdered Sarah Everard?" on the articles: the BBC passage ranks first by a hair.
    candidates = _candidates("Who murdered Sarah Everard?", [(1.000, 0.948, UNNAMED), (0.856, 0.954, NAMES)])
    assert [c.row for c in by_quote(candidates, 2.0, 10, answer_weight=0.2)] == [1, 0]
    assert [c.row for c in by_quote(candidates, 2.0, 10, answer_weight=0.0)] == [0, 1]


def test_a_quote_saying_the_figure_is_unknown_does_not_outrank_one_that_states_it() -> None:
    question = "How many of the upheld cases led to officers being removed from the force?"
    candidates = _candidates(question, [(0.90, 0.70, UNKNOWN), (0.85, 0.66, STATES)])
    assert [c.row for c in by_quote(candidates, 2.0, 10, answer_weight=0.2)] == [1, 0]


def test_a_clear_lead_in_the_ranking_is_not_overturned_by_the_quote_alone() -> None:
    # A passage far ahead keeps its place: the bonus settles near-ties, it does not replace the ranking.
    candidates = _candidates("Who murdered Sarah Everard?", [(1.000, 0.950, UNNAMED), (0.500, 0.950, NAMES)])
    assert [c.row for c in by_quote(candidates, 2.0, 10, answer_weight=0.2)] == [0, 1]


@pytest.mark.parametrize(
    ("question", "document", "worded"),
    [
        ("Who leads the unit?", "The unit's senior leader is Annette Clark.", "Who leader the unit?"),
        ("Who is the unit's leader?", "Annette Clark leads the unit.", "Who is the unit's lead?"),
        ("Who investigates officers?", "An investigator was appointed.", "Who investigates officers?"),  # one stem already
        ("Who leads the unit?", "Clark leads the unit and is its leader.", "Who leads the unit?"),  # the word is there
    ],
)
def test_a_document_is_asked_for_the_doer_of_the_deed_it_names_or_the_deed_of_the_doer(
    question: str, document: str, worded: str
) -> None:
    assert worded_for(question, DocumentTerms.of_text(document)) == worded


@pytest.mark.parametrize(
    ("question", "document"),
    [
        ("Which former officer blew the whistle?", "She filled in a form."),  # a modifier, not one who forms
        ("How long did the inquiry take?", "It took longer than planned."),  # a measure, whose -er compares
        ("Who was the actor?", "They act at once."),  # a three-letter deed is too often another word's start
        ("Who will act?", "The actor spoke."),
        ("Which actor plays the lead detective?", "The leader spoke."),  # a modifier again
    ],
)
def test_a_word_that_only_ends_like_a_doer_or_a_deed_is_asked_as_it_is(question: str, document: str) -> None:
    assert worded_for(question, DocumentTerms.of_text(document)) == question


@pytest.mark.integration
def test_who_leads_the_unit_puts_the_passage_naming_its_leader_first(articles) -> None:  # type: ignore[no-untyped-def]
    first = articles.search("Who leads the unit?").results[0]
    assert "Annette Clark" in first.quote.text and "leader" in first.quote.text


@pytest.mark.integration
def test_the_passage_naming_the_killer_is_first_on_the_articles(articles) -> None:  # type: ignore[no-untyped-def]
    first = articles.search("Who murdered Sarah Everard?").results[0]
    assert "Wayne Couzens" in first.quote.text


@pytest.mark.parametrize(
    "question",
    [
        "How many allegations is the unit investigating?",
        "Who leads the Daso unit?",
        "When was the unit formed?",
        "Where did the former officer blow the whistle?",
        "And who murdered her? Sarah Everard rape",
    ],
)
def test_a_search_scores_its_quotes_as_each_quote_alone_whether_one_stored_sentence_or_two_joined(question: str) -> None:
    # A search reads a one-sentence quote's answer kind from what the index stored per sentence, and a quote
    # joining two by the rules over its whole text: both must give what the quote scored alone gives.
    for path in sorted(SOURCES.glob("*.txt"))[:2]:
        text = path.read_text(encoding="utf-8")
        spans = sentence_spans(text)
        stored = ChunkSentences(
            tuple(spans), np.zeros((len(spans), 0), dtype=np.float32),
            SentenceTerms.of(text[s:e] for s, e in spans), SentenceFeatures.of(text, spans),
        )  # fmt: skip
        source = QuoteSource(Document(path.name, path.name, "", None, text, ""), stored, DocumentTerms.of_text(text))
        joined = [(spans[j][0], spans[j + 1][1]) for j in range(len(spans) - 1)]
        quotes = [Quote(text[s:e], s, e) for s, e in spans + joined]
        expected = [quote_answers(text, quote, question) for quote in quotes]
        assert quotes_answer([source] * len(quotes), quotes, question) == expected
        assert any(expected)


def test_the_rank_score_is_what_the_reordered_passages_are_placed_by() -> None:
    candidates = _candidates("Who murdered Sarah Everard?", [(1.000, 0.948, UNNAMED), (0.856, 0.954, NAMES), (0.2, 0.9, STATES)])
    placed = by_quote(candidates, 2.0, 2, answer_weight=0.2)
    assert [c.row for c in placed] == [1, 0, 2]
    named, unnamed, beyond = placed
    assert named.rank_score == pytest.approx(0.856 + 2.0 * 0.954 + 0.2 * named.answers)
    assert unnamed.rank_score == pytest.approx(1.000 + 2.0 * 0.948)
    assert beyond.rank_score == beyond.score  # beyond the reordered depth the search's own order stands


@pytest.mark.integration
@pytest.mark.parametrize(
    "question", ["Who murdered Sarah Everard?", "How many allegations is the unit investigating?", "Who leads the unit?"]
)
def test_the_cards_text_and_json_show_scores_in_the_order_shown(articles, question: str) -> None:  # type: ignore[no-untyped-def]
    result = articles.search(question, k=10)
    shown = [p.rank_score for p in result.results]
    assert shown == sorted(shown, reverse=True)
    assert [row["rank_score"] for row in result_to_json(result)["results"]] == shown
    text = result_to_text(result)
    assert [float(s) for s in re.findall(r"\[rank score ([\d.]+)", text)] == [round(s, 4) for s in shown]
    cards = [passage_card(0, p) for p in result.results]
    assert [float(re.search(r"rank score ([\d.]+)", c).group(1)) for c in cards] == [round(s, 4) for s in shown]
