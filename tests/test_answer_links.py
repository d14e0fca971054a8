"""Answer links re-run a question with its count, source filter and mode; bad values are refused by name."""

from __future__ import annotations

import pytest

from datetime import date

from assistant.answer_links import DEFAULT_K, MAX_K, AnswerLink
from assistant.errors import LinkError
from assistant.source_filters import SourceFilter


def test_an_answer_link_round_trips_with_every_choice() -> None:
    link = AnswerLink("Who leads the Daso unit? 50% & “more” + #1", 8, ("003_7582e51dae7e9a11.txt", "my notes & Q+A.pdf"), "dense")
    url = link.to_url()
    assert url.startswith("/?q=") and " " not in url and "+" not in url and "#" not in url
    assert AnswerLink.from_url(url) == link
    assert AnswerLink.from_url("http://127.0.0.1:7860" + url) == link


def test_an_answer_link_carries_the_date_range_publishers_and_order() -> None:
    where = SourceFilter(date(2022, 8, 1), date(2022, 8, 31), ("BBC", "ITV News"))
    link = AnswerLink("how many allegations", 5, (), "hybrid", where, "date")
    url = link.to_url()
    assert "&from=2022-08-01&to=2022-08-31&publisher=BBC&publisher=ITV%20News&sort=date" in url
    assert AnswerLink.from_url(url) == link


def test_an_answer_link_without_choices_takes_the_defaults() -> None:
    link = AnswerLink.from_url("/?q=how%20many%20allegations")
    assert link == AnswerLink("how many allegations", DEFAULT_K, (), None)
    assert link.to_url() == f"/?q=how%20many%20allegations&k={DEFAULT_K}"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("q=x&k=0", f"k must be a whole number from 1 to {MAX_K}, got 0"),
        ("q=x&k=ten", f"k must be a whole number from 1 to {MAX_K}, got 'ten'"),
        (f"q=x&k={MAX_K + 1}", f"from 1 to {MAX_K}, got {MAX_K + 1}"),
        ("q=x&mode=fuzzy", "mode must be one of hybrid, dense, bm25, got 'fuzzy'"),
        ("k=3", "no q parameter"),
        ("q=%20%20", "q is empty"),
        ("q=a&q=b", "q is given 2 times"),
        ("q=x&source=", "source is empty"),
        ("q=x&source=a.txt&source=a.txt", "more than once"),
        ("q=" + "x" * 2001, "longer than 2000 characters"),
        ("q=x&from=18%2F08%2F2022", "from must be a date such as 2022-08-18, got '18/08/2022'"),
        ("q=x&from=2022-09-01&to=2022-08-01", "date range starts after it ends"),
        ("q=x&publisher=%20", "publisher is empty"),
        ("q=x&sort=oldest", "sort must be one of relevance, date, got 'oldest'"),
    ],
)
def test_a_bad_answer_link_is_refused_with_a_clear_reason(query: str, reason: str) -> None:
    with pytest.raises(LinkError, match=reason):
        AnswerLink.from_url("/?" + query)
