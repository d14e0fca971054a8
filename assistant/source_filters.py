"""Narrow a search by publication date and publisher, and order answers by date: pure functions over metadata.

The filter turns into the ``sources`` list a search already takes, so retrieval needs no new code path.
A source whose date is unknown is left out of a date-bounded search (it may lie outside the range) and
sorts after every dated one: nothing is given a date it does not state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .errors import SettingsError
from .sources.metadata import SourceMeta
from .types import Passage

ORDERS = ("relevance", "date")  # how answers are listed: by rank, or newest source first (``by_date``)


@dataclass(frozen=True)
class SourceFilter:
    published_from: date | None = None  # inclusive
    published_to: date | None = None  # inclusive
    publishers: tuple[str, ...] = ()  # any of these, compared without case; empty = every publisher

    def __post_init__(self) -> None:
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise SettingsError(
                f"date range starts after it ends: from {self.published_from.isoformat()} to {self.published_to.isoformat()}"
            )

    @property
    def active(self) -> bool:
        return bool(self.published_from or self.published_to or self.publishers)

    def admits(self, meta: SourceMeta) -> bool:
        if self.publishers and (meta.publisher or "").casefold() not in {p.casefold() for p in self.publishers}:
            return False
        if self.published_from or self.published_to:
            if meta.published is None:
                return False
            if self.published_from and meta.published < self.published_from:
                return False
            if self.published_to and meta.published > self.published_to:
                return False
        return True


def matching_sources(source_ids: Iterable[str], metadata: Mapping[str, SourceMeta], where: SourceFilter) -> list[str]:
    """The ids among ``source_ids`` whose metadata the filter admits, in the order given."""
    return [sid for sid in source_ids if where.admits(metadata.get(sid, SourceMeta()))]


def by_date(passages: Sequence[Passage], metadata: Mapping[str, SourceMeta], *, newest_first: bool = True) -> list[Passage]:
    """The passages newest (or oldest) source first; undated sources last; equal dates keep rank order."""
    dated = [p for p in passages if _published(p, metadata) is not None]
    undated = [p for p in passages if _published(p, metadata) is None]
    dated.sort(key=lambda p: (_published(p, metadata), -p.rank if newest_first else p.rank), reverse=newest_first)
    return dated + undated


def _published(passage: Passage, metadata: Mapping[str, SourceMeta]) -> date | None:
    meta = metadata.get(passage.source.id)
    return meta.published if meta else None


def publishers(metadata: Mapping[str, SourceMeta]) -> list[str]:
    """Every publisher named, once, sorted without case: the choices of a publisher filter."""
    return sorted({m.publisher for m in metadata.values() if m.publisher}, key=str.casefold)


def date_span(metadata: Mapping[str, SourceMeta]) -> tuple[date, date] | None:
    """The earliest and latest publication date known: the bounds of a date-range control."""
    days = [m.published for m in metadata.values() if m.published]
    return (min(days), max(days)) if days else None
