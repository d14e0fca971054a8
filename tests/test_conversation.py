"""A follow-up is resolved against the turn it continues: its own words first, then that turn's subject."""

from __future__ import annotations

import pytest

from assistant.answer_kind import asked_kind
from assistant.conversation import is_follow_up, resolve, search_with_context
from assistant.types import Exchange, Passage, Quote, SearchResult, SourceRef


@pytest.mark.parametrize(
    "question",
    ["and what did his predecessor do?", "What about the Observer?", "When did she resign?", "Why?", "how many?"],
)
def test_continuations_are_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "How many allegations is the unit investigating?",
        "Roughly how many allegations against its own officers is the Met investigating?",
        "Why might police be especially prone to this kind of abuse?",
        "   ",
    ],
)
def test_self_contained_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question)


def answered(question: str, searched: str | None = None) -> Exchange:
    ref = SourceRef("a.txt", "A", None, "sources/a.txt")
    quote = Quote("The team's senior leader, Det Supt Annette Clark, said so.", 0, 57)
    passage = Passage(1, 1.0, 0.6, ref, None, 1, quote.text, 0, 57, quote)
    return Exchange(question, SearchResult(searched or question, "hybrid", (passage,)))


def test_a_follow_up_keeps_its_own_words_first_and_takes_the_subject_of_the_question_before() -> None:
    history = [answered("How many allegations is the unit investigating?")]
    resolved = resolve("And who leads it?", history)
    assert resolved == "And who leads it? allegations unit investigating"
    # The previous question's "how many" is left out, so the kind of answer asked for stays "who".
    assert asked_kind(resolved) == asked_kind("Who leads it?") != asked_kind(history[0].question)


def test_a_chain_keeps_its_topic_through_the_resolved_text_of_the_turn_before() -> None:
    history = [
        answered("How many allegations is the unit investigating?"),
        answered("And who leads it?", "And who leads it? allegations unit investigating"),
    ]
    assert resolve("What did she say about abusive officers?", history) == (
        "What did she say about abusive officers? leads allegations unit investigating"
    )


def test_a_self_contained_or_first_question_is_not_resolved() -> None:
    assert resolve("How many officers were disciplined?", [answered("Who leads the unit?")]) is None
    assert resolve("and his predecessor?", []) is None


def test_a_follow_up_is_searched_once_resolved_and_a_question_standing_alone_as_asked() -> None:
    searched: list[str] = []

    def search(text: str) -> SearchResult:
        searched.append(text)
        return SearchResult(text, "hybrid")

    assert search_with_context(search, " Who leads the unit? ", []).query == "Who leads the unit?"
    result = search_with_context(search, "and when was it set up?", [answered("Who leads the unit?")])
    assert searched == ["Who leads the unit?", "and when was it set up? leads unit"]
    assert result.query == "and when was it set up? leads unit"
