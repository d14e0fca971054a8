"""Date-range and publisher filters pick sources by their metadata; answers can be ordered by date."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.errors import SettingsError
from assistant.source_filters import SourceFilter, by_date, date_span, matching_sources, publishers
from assistant.sources.metadata import SourceMeta
from assistant.types import Passage, Quote, SourceRef

METADATA = {
    "itv.txt": SourceMeta(publisher="ITV News", published=date(2022, 8, 18)),
    "bbc.txt": SourceMeta(publisher="BBC", published=date(2022, 8, 19)),
    "observer.txt": SourceMeta(publisher="The Observer", published=date(2021, 3, 14)),
    "undated.txt": SourceMeta(publisher="BBC"),
    "bare.txt": SourceMeta(),
}
IDS = list(METADATA)


def test_no_filter_admits_every_source_even_without_metadata() -> None:
    assert not SourceFilter().active
    assert matching_sources([*IDS, "unknown.txt"], METADATA, SourceFilter()) == [*IDS, "unknown.txt"]


def test_a_date_range_is_inclusive_and_leaves_out_undated_sources() -> None:
    august = SourceFilter(date(2022, 8, 1), date(2022, 8, 18))
    assert matching_sources(IDS, METADATA, august) == ["itv.txt"]
    assert matching_sources(IDS, METADATA, SourceFilter(published_from=date(2022, 8, 18))) == ["itv.txt", "bbc.txt"]
    assert matching_sources(IDS, METADATA, SourceFilter(published_to=date(2022, 1, 1))) == ["observer.txt"]


def test_a_publisher_filter_ignores_case_and_combines_with_dates() -> None:
    assert matching_sources(IDS, METADATA, SourceFilter(publishers=("bbc",))) == ["bbc.txt", "undated.txt"]
    both = SourceFilter(published_from=date(2022, 1, 1), publishers=("BBC", "the observer"))
    assert matching_sources(IDS, METADATA, both) == ["bbc.txt"]


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(SettingsError, match="from 2022-08-19 to 2022-08-18"):
        SourceFilter(date(2022, 8, 19), date(2022, 8, 18))


def passage(rank: int, source_id: str) -> Passage:
    text = f"Passage {rank}."
    return Passage(rank, 1.0 / rank, 0.5, SourceRef(source_id, source_id, None, source_id), None, 1, text, 0, len(text), Quote(text, 0, len(text)))


def test_answers_sort_newest_first_with_undated_last_and_ties_in_rank_order() -> None:
    ranked = [passage(1, "observer.txt"), passage(2, "undated.txt"), passage(3, "bbc.txt"), passage(4, "itv.txt"), passage(5, "bbc.txt")]
    assert [p.rank for p in by_date(ranked, METADATA)] == [3, 5, 4, 1, 2]
    assert [p.rank for p in by_date(ranked, METADATA, newest_first=False)] == [1, 4, 3, 5, 2]


def test_the_filter_controls_offer_the_known_publishers_and_dates() -> None:
    assert publishers(METADATA) == ["BBC", "ITV News", "The Observer"]
    assert date_span(METADATA) == (date(2021, 3, 14), date(2022, 8, 19))
    assert date_span({"bare.txt": SourceMeta()}) is None
