"""Follow-up questions are searched as asked and with the conversation they continue, then fused."""

from __future__ import annotations

import pytest

from assistant.types import Occurrence, Passage, Quote, SearchResult, SourceRef
from assistant.conversation import contextual_query, fuse, is_follow_up, search_with_context


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


def test_a_follow_up_is_joined_to_the_question_it_continues() -> None:
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


def test_a_self_contained_or_first_question_has_no_context() -> None:
    assert contextual_query("How many officers were disciplined?", ["Who leads the unit?"]) is None
    assert contextual_query("and his predecessor?", []) is None


def passage(source: str, start: int, also: tuple[str, ...] = ()) -> Passage:
    ref = SourceRef(source, source.upper(), None, f"sources/{source}")
    quote = Quote("q", start, start + 1)
    others = tuple(Occurrence(SourceRef(s, s, None, s), None, 1, Quote("q", start, start + 1)) for s in also)
    return Passage(0, 1.0, 0.5, ref, None, 1, "q", start, start + 1, quote, others)


def ranked(*passages: Passage) -> SearchResult:
    return SearchResult("q", "hybrid", tuple(Passage(**{**p.__dict__, "rank": i}) for i, p in enumerate(passages, 1)))


def test_fusion_prefers_what_both_searches_found_and_never_repeats_a_passage() -> None:
    asked = ranked(passage("a", 0), passage("b", 5, also=("c",)), passage("d", 9))
    with_context = ranked(passage("c", 5), passage("b", 5), passage("e", 3))
    fused = fuse([asked, with_context], k=3, query="context question")
    assert [(p.rank, p.source.id) for p in fused.results] == [(1, "b"), (2, "a"), (3, "d")]
    assert fused.query == "context question"


def test_only_a_follow_up_is_searched_twice() -> None:
    searched: list[str] = []

    def search(text: str) -> SearchResult:
        searched.append(text)
        return ranked(passage(text[:3], 0))

    assert search_with_context(search, " Who leads the unit? ", [], 5).query == "q"
    assert searched == ["Who leads the unit?"]
    result = search_with_context(search, "and when was it set up?", ["Who leads the unit?"], 5)
    assert searched[1:] == ["and when was it set up?", "Who leads the unit? and when was it set up?"]
    assert result.query == "Who leads the unit? and when was it set up?"
    assert [p.source.id for p in result.results] == ["and", "Who"]
