"""The facade narrows a search by publication date and publisher and can list answers newest first; bad filter
values are refused naming the field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.errors import InputError
from assistant.service import SourceFilter, check_filter
from assistant.types import Exchange

TEXTS = {
    "old.txt": "Between 2012 and 2018 just 119 complaints of misconduct were upheld by the force.",
    "new.txt": "The unit investigates 625 allegations against officers this summer.",
    "undated.txt": "Allegations of misconduct and abuse are investigated by a new team.",
}
METADATA = """
["old.txt"]
publisher = "The Observer"
published = 2018-06-01

["new.txt"]
publisher = "BBC"
published = 2022-08-19
"""


@pytest.fixture
def assistant(assistant_over) -> Assistant:  # type: ignore[no-untyped-def]
    return assistant_over(TEXTS, METADATA)


def ids(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.source.id for p in result.results]


def test_a_date_range_keeps_to_the_sources_published_in_it(assistant: Assistant) -> None:
    assert sorted(ids(assistant.search("allegations of misconduct", k=5))) == ["new.txt", "old.txt", "undated.txt"]
    since_2020 = SourceFilter(published_from=date(2020, 1, 1))
    assert ids(assistant.search("allegations of misconduct", k=5, where=since_2020)) == ["new.txt"]
    assert ids(assistant.search("allegations of misconduct", where=check_filter("", "2019-12-31"))) == ["old.txt"]


def test_a_publisher_filter_combines_with_the_source_filter(assistant: Assistant) -> None:
    bbc = check_filter(publishers=["bbc"])
    assert ids(assistant.search("allegations", where=bbc)) == ["new.txt"]
    result = assistant.search("allegations", sources=["old.txt"], where=bbc)
    assert (result.results, result.answered) == ((), False)
    assert result.reason == "No source matches the filter (by bbc)."


def test_a_follow_up_keeps_to_the_filter(assistant: Assistant) -> None:
    first = assistant.search("allegations of misconduct")
    follow_up = assistant.ask("and in 2018?", [Exchange("allegations of misconduct", first)], where=check_filter(publishers=["BBC"]))
    assert ids(follow_up) == ["new.txt"]


def test_ordered_by_date_the_newest_source_comes_first_and_ranks_stay_those_of_relevance(assistant: Assistant) -> None:
    by_relevance = assistant.search("allegations of misconduct", k=3)
    by_date = assistant.search("allegations of misconduct", k=3, order="date")
    assert ids(by_date) == ["new.txt", "old.txt", "undated.txt"]
    assert sorted(p.rank for p in by_date.results) == [p.rank for p in by_relevance.results]
    assert by_date.answered == by_relevance.answered


def test_metadata_is_read_from_sources_toml_at_once_with_the_indexed_title_beneath(assistant: Assistant) -> None:
    meta = assistant.metadata()
    assert meta["new.txt"].published == date(2022, 8, 19) and meta["new.txt"].publisher == "BBC"
    assert meta["undated.txt"].published is None and meta["undated.txt"].title
    (assistant.sources_dir / "sources.toml").write_text('["undated.txt"]\npublished = 2023-01-05\n', encoding="utf-8")
    assert ids(assistant.search("allegations", where=check_filter("2023-01-01"))) == ["undated.txt"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (("18/08/2022", None, None), "published_from: must be a date such as 2022-08-18, got '18/08/2022'"),
        ((None, 20220818, None), "published_to: must be a date such as 2022-08-18, got 20220818"),
        (("2022-08-19", "2022-08-18", None), "published_to: must not be before published_from (2022-08-19), got 2022-08-18"),
        ((None, None, "BBC"), "publishers: must be a list of publisher names, not one string: pass ['BBC']"),
        ((None, None, ["BBC", " "]), "publishers: each publisher must be a non-empty name, got ' '"),
    ],
)
def test_bad_filter_values_are_refused_naming_the_field(values: tuple, message: str) -> None:
    with pytest.raises(InputError) as refused:
        check_filter(*values)
    assert str(refused.value) == message


def test_a_wrong_order_or_filter_type_is_refused_before_any_search(assistant: Assistant) -> None:
    with pytest.raises(InputError, match=r"^order: must be one of relevance, date, got 'newest'$"):
        assistant.search("allegations", order="newest")
    with pytest.raises(InputError, match=r"^where: must be a SourceFilter \(see check_filter\), got dict$"):
        assistant.search("allegations", where={"publishers": ["BBC"]})  # type: ignore[arg-type]
