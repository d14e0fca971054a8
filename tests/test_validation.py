"""Requests are checked at the service's door: a wrong type, text that is not valid, or a value out of range
gets an ``InputError`` naming the field and the reason -- never an exception from deep inside."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, EmptyQueryError, InputError, RequestSettings, Settings
from assistant.errors import AssistantError
from assistant.types import Exchange

QUESTION = "How many allegations is the unit investigating?"


TEXTS = {
    "met.txt": "The unit investigates 625 allegations against officers.\nIt was formed in January.",
    "other.txt": "Inspectors graded call handling as inadequate.",
}


@pytest.fixture
def small(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    (tmp_path / "sources").mkdir()
    for name, text in TEXTS.items():
        (tmp_path / "sources" / name).write_text(text, encoding="utf-8")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    return assistant


# -- the question --------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [42, 4.2, ["allegations"], {"q": "allegations"}, None, b"allegations"])
def test_a_question_that_is_not_a_string_is_refused_by_name(small: Assistant, question: object) -> None:
    with pytest.raises(InputError, match=r"^question: must be text, got ") as caught:
        small.search(question)  # type: ignore[arg-type]
    assert caught.value.field == "question"


@pytest.mark.parametrize("question", ["\ud800", "allegations \udfff against officers", "\udc80"])
def test_a_question_holding_a_lone_surrogate_is_not_valid_text(small: Assistant, question: str) -> None:
    with pytest.raises(InputError, match=r"question: is not valid text: character \d+ is a lone surrogate"):
        small.search(question)


def test_a_question_at_the_limit_is_searched_and_one_character_more_is_refused_naming_the_limit(
    small: Assistant,
) -> None:
    limit = small.settings.requests.question_chars
    at_limit = ("allegations " * limit)[:limit]
    assert small.search(at_limit, k=1).results
    with pytest.raises(InputError, match=f"question: is {limit + 1:,} characters long; the limit is {limit:,}"):
        small.search(at_limit + "s", k=1)


def test_white_space_around_a_question_does_not_count_against_the_limit(small: Assistant) -> None:
    padding = small.settings.requests.question_chars
    assert small.search(" " * padding + "allegations" + "\n" * padding, k=1).results


def test_the_limits_are_settings(tmp_path: Path, small: Assistant) -> None:
    limits = Settings(requests=RequestSettings(question_chars=10))
    strict = Assistant(small.sources_dir, tmp_path / "index", settings=limits, embedder=small.embedder)
    with pytest.raises(InputError, match="the limit is 10$"):
        strict.search("allegations against officers")


def test_an_empty_question_is_still_the_empty_question_error(small: Assistant) -> None:
    with pytest.raises(EmptyQueryError, match="empty"):
        small.search("  \n")


# -- k ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 2.0, "2", " 2 "])
def test_k_may_be_a_whole_number_as_int_float_or_digits(small: Assistant, k: object) -> None:
    assert len(small.search("allegations officers", k=k).results) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("k", ["abc", "", "2.5", 2.5, "-1", 0, -3, 51, 10**9, True, None, [3], "٣"])
def test_k_that_is_not_a_whole_number_from_1_to_50_is_refused_by_name(small: Assistant, k: object) -> None:
    with pytest.raises(InputError, match=r"^k: must be a whole number from 1 to 50, got ") as caught:
        small.search(QUESTION, k=k)  # type: ignore[arg-type]
    assert caught.value.field == "k"


# -- sources ---------------------------------------------------------------------------------------


def test_sources_as_one_string_is_refused_with_the_list_to_pass(small: Assistant) -> None:
    with pytest.raises(InputError, match=r"sources: must be a list of source ids, not one string: pass \['met.txt'\]"):
        small.search(QUESTION, sources="met.txt")  # type: ignore[arg-type]


@pytest.mark.parametrize("sources", [42, {"met.txt": 1}.keys(), {"met.txt"}])
def test_sources_that_is_not_a_list_is_refused(small: Assistant, sources: object) -> None:
    with pytest.raises(InputError, match=r"^sources: must be a list of source ids, got "):
        small.search(QUESTION, sources=sources)  # type: ignore[arg-type]


@pytest.mark.parametrize("sources", [[1], ["met.txt", None], [["met.txt"]]])
def test_a_source_id_that_is_not_a_string_is_refused(small: Assistant, sources: object) -> None:
    with pytest.raises(InputError, match=r"^sources: each source id must be text, got "):
        small.search(QUESTION, sources=sources)  # type: ignore[arg-type]


def test_a_source_id_holding_a_lone_surrogate_is_refused(small: Assistant) -> None:
    with pytest.raises(InputError, match="sources: is not valid text"):
        small.search(QUESTION, sources=["met\ud800.txt"])


def test_sources_as_a_tuple_or_an_empty_list_is_taken(small: Assistant) -> None:
    assert {r.source.id for r in small.search("allegations", sources=("met.txt",)).results} == {"met.txt"}
    assert small.search("allegations", sources=[]).results


def test_an_unknown_source_id_is_still_named(small: Assistant) -> None:
    with pytest.raises(AssistantError, match="unknown source.*nope.txt"):
        small.search(QUESTION, sources=["nope.txt"])


# -- mode ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["semantic", "BM25", 3, ["bm25"]])
def test_a_mode_outside_the_modes_is_refused_listing_them(small: Assistant, mode: object) -> None:
    with pytest.raises(InputError, match=r"^mode: must be one of hybrid, dense, bm25, got "):
        small.search(QUESTION, mode=mode)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", [None, ""])
def test_no_mode_is_the_configured_default(small: Assistant, mode: str | None) -> None:
    assert small.search(QUESTION, mode=mode).mode == small.settings.search.mode


# -- a question in a conversation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "options", "message"),
    [
        (["allegations"], {}, r"^question: must be text, got list"),
        ("alleg\ud800ations", {}, r"^question: is not valid text: character 6 is a lone surrogate"),
        (QUESTION, {"k": "abc"}, r"^k: must be a whole number from 1 to 50, got 'abc'"),
        (QUESTION, {"sources": "met.txt"}, r"^sources: must be a list of source ids, not one string"),
        (QUESTION, {"mode": "fuzzy"}, r"^mode: must be one of hybrid, dense, bm25, got 'fuzzy'"),
    ],
)
def test_ask_checks_its_arguments_as_search_does(small: Assistant, question: object, options: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError, match=message):
        small.ask(question, **options)  # type: ignore[arg-type]


def test_a_follow_up_is_checked_as_asked_not_joined_to_its_context(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "met.txt").write_text(TEXTS["met.txt"], encoding="utf-8")
    settings = Settings(requests=RequestSettings(question_chars=40))
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder, settings=settings)
    assistant.refresh()
    first = assistant.search("Which unit investigates the allegations?")
    follow_up = assistant.ask("and when was it formed?", [Exchange("Which unit investigates the allegations?", first)])
    assert follow_up.query == "and when was it formed? unit investigates allegations"  # 53 characters: over the limit
    with pytest.raises(InputError, match="question: is 41 characters long; the limit is 40"):
        assistant.ask("x" * 41)


# -- the quote -------------------------------------------------------------------------------------


@pytest.mark.parametrize("quote", [625, None, ["The unit investigates"], b"The unit investigates"])
def test_a_quote_that_is_not_a_string_is_refused_by_name(small: Assistant, quote: object) -> None:
    with pytest.raises(InputError, match=r"^quote: must be text, got "):
        small.verify(quote)  # type: ignore[arg-type]


def test_a_quote_holding_a_lone_surrogate_is_not_valid_text(small: Assistant) -> None:
    with pytest.raises(InputError, match=r"quote: is not valid text: character 15 is a lone surrogate \('\\ud800'\)"):
        small.verify("The unit inves\ud800tigates 625 allegations")


def test_a_quote_over_the_limit_is_refused_naming_the_limit(small: Assistant) -> None:
    limit = small.settings.requests.quote_chars
    with pytest.raises(InputError, match=f"quote: is {limit + 1:,} characters long; the limit is {limit:,}"):
        small.verify("x" * (limit + 1))


def test_an_empty_quote_is_still_the_empty_quote_error(small: Assistant) -> None:
    with pytest.raises(EmptyQueryError, match="the quote is empty"):
        small.verify(" “” ")


def test_a_valid_quote_is_verified(small: Assistant) -> None:
    assert small.verify("The unit investigates 625 allegations against officers.").verdict == "exact"
