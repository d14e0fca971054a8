"""What a figure must measure to answer a question (assistant/answer_measure.py), on sentences of the shipped
articles: money for a budget or a salary, a length of time for "how long", the thing counted for "how many"."""

from __future__ import annotations

import pytest

from assistant.answer_measure import COUNTED, MONEY, SPAN, asked_measure, gives_measure

TEAM = (
    "The new team of approximately 100 detectives and officers will use a range of tactics including some akin to "
    "those usually deployed during investigations into major crime, to identify and investigate other officers."
)
DASO = "The new Domestic and Sexual Offences Unit – nicknamed the Daso team – has received 625 complaints about members of its force."
ACROSS = (
    "At least 1,600 allegations against police or police staff have been investigated across England and Wales in "
    "the past three years - our figures suggest - although several large forces, including Manchester and West "
    "Midlands Police refused to provide any figures, claiming it would be too costly to collate them."
)
MEASURES = (
    "Sir Mark said he wants to be able to show the public that progress has been made in key areas in 100 days, and "
    "to bring the force out of a form of special measures in 12 to 18 months."
)
COUZENS = (
    "Wayne Couzens, a former parliamentary and diplomatic protection officer, was given a full life term last year "
    "for the kidnap, rape and murder of 33-year-old Sarah Everard."
)


@pytest.mark.parametrize(
    ("question", "kind", "words"),
    [
        ("What is the Metropolitan Police's annual budget?", MONEY, ""),
        ("What salary was Wayne Couzens paid?", MONEY, ""),
        ("How much did policing the Clapham Common vigil cost?", MONEY, ""),
        ("How long was Scott Gallop jailed for?", SPAN, ""),
        ("How many officers does Greater Manchester Police employ?", COUNTED, "officers"),
        ("How many complaints has the Daso team received?", COUNTED, "complaints"),
        ("How many new officers joined the Met last year?", COUNTED, "new officers"),  # a verb ends what is counted
    ],
)
def test_the_measure_a_question_asks_for(question: str, kind: str, words: str) -> None:
    measure = asked_measure(question)
    assert measure is not None and (measure.kind, measure.words) == (kind, words)


@pytest.mark.parametrize(
    "question",
    [
        "What did Sir Mark say about pay?",  # pay is the topic, not what is asked
        "How long ago was the unit set up?",  # a date, answer_kind's "when"
        "How many of the 625 allegations have led to criminal charges?",  # names nothing counted before "of"
        "Who leads the Daso unit?",
    ],
)
def test_questions_that_ask_for_no_particular_measure(question: str) -> None:
    assert asked_measure(question) is None


def test_a_headcount_is_answered_by_a_figure_counting_officers_not_one_counting_allegations() -> None:
    headcount = "How many officers does the Metropolitan Police employ?"
    measure = asked_measure(headcount)
    assert measure is not None
    assert gives_measure(measure, TEAM, headcount)  # "approximately 100 detectives and officers"
    assert not gives_measure(measure, ACROSS, headcount)  # "1,600 allegations against police"
    assert not gives_measure(measure, DASO, headcount)  # "625 complaints"


def test_a_count_of_complaints_is_answered_by_the_figure_that_counts_them() -> None:
    question = "How many complaints has the Daso team received?"
    measure = asked_measure(question)
    assert measure is not None
    assert gives_measure(measure, DASO, question)
    assert not gives_measure(measure, "It was looking into 625 complaints.", "How many of the 625 complaints were upheld?")


def test_how_long_is_answered_by_a_length_of_time_or_a_life_term_and_not_by_a_count() -> None:
    measure = asked_measure("How long will it take to bring the force out of special measures?")
    assert measure is not None
    assert gives_measure(measure, MEASURES, "How long will it take to bring the force out of special measures?")
    assert gives_measure(measure, COUZENS, "How long was Couzens jailed for?")
    assert not gives_measure(measure, DASO, "How long was Couzens jailed for?")


def test_money_is_answered_by_an_amount_of_money_only() -> None:
    budget = "What is the unit's annual budget?"
    measure = asked_measure(budget)
    assert measure is not None
    for sentence in (TEAM, DASO, ACROSS, MEASURES):  # figures, none of them money
        assert not gives_measure(measure, sentence, budget)
    for sentence in ("The unit costs £2.3m a year.", "Its budget is 40 million pounds.", "It was paid $5 billion.", "It was fined 500 euros."):
        assert gives_measure(measure, sentence, budget), sentence
