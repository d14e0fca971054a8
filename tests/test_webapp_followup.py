"""Follow-up questions are searched with the conversation they continue; self-contained ones as asked."""

from __future__ import annotations

import pytest

from assistant.webapp.followup import contextual_query, is_follow_up


@pytest.mark.parametrize(
    "question",
    ["and what did his predecessor do?", "What about the Observer?", "When did she resign?", "Why?", "how many?"],
)
def test_continuations_are_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["How many allegations is the unit investigating?", "Is the force being watched from outside?", "   "],
)
def test_self_contained_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question)


def test_a_follow_up_is_searched_with_the_question_it_continues() -> None:
    previous = ["How many allegations is the unit investigating?", "Who is the new commissioner?"]
    assert (
        contextual_query("and what did his predecessor do?", previous)
        == "Who is the new commissioner? and what did his predecessor do?"
    )


def test_a_chain_of_follow_ups_reaches_back_to_its_topic_but_no_further_than_three_questions() -> None:
    previous = ["What did Mayor Sadiq Khan say?", "Who is the new commissioner?", "and his predecessor?"]
    assert contextual_query("when did she resign?", previous) == (
        "Who is the new commissioner? and his predecessor? when did she resign?"
    )
    longer = [*previous, "why did she go?"]
    assert contextual_query("and then?", longer) == "and his predecessor? why did she go? and then?"


def test_a_self_contained_question_or_a_first_question_is_searched_as_asked() -> None:
    assert contextual_query("  How many officers were disciplined? ", ["Who leads the unit?"]) == (
        "How many officers were disciplined?"
    )
    assert contextual_query("and his predecessor?", []) == "and his predecessor?"
