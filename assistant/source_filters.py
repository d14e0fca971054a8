"""Narrow a search by publication date and publisher, and order answers by date: pure functions over metadata.

The filter turns into the ``sources`` list a search already takes, so retrieval needs no new code path.
A source whose date is unknown is left out of a date-bounded search (it may lie outside the range) and
sorts after every dated one: nothing is given a date it does not state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import InputError, SettingsError
from .sources.metadata import SourceMeta, check_field
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

    def describe(self) -> str:
        """The filter in words, as an answer records it: ``published 2022-08-01 to 2022-08-31, by BBC``."""
        parts = []
        if self.published_from or self.published_to:
            start = self.published_from.isoformat() if self.published_from else "any date"
            end = self.published_to.isoformat() if self.published_to else "any date"
            parts.append(f"published {start} to {end}")
        if self.publishers:
            parts.append("by " + " or ".join(self.publishers))
        return ", ".join(parts)

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


def check_filter(published_from: Any = None, published_to: Any = None, publishers: Any = None) -> SourceFilter:
    """A filter from a request's raw values (a form's text, JSON, Python dates); ``InputError`` names the field.

    Dates are ``None``, ``""``, a ``date`` or ISO text (``2022-08-18``); ``publishers`` is ``None`` or a list of
    names, refused as one string for the same reason as a search's ``sources`` (it would be read as letters).
    """
    start, end = _check_day("published_from", published_from), _check_day("published_to", published_to)
    if start and end and start > end:
        raise InputError("published_to", f"must not be before published_from ({start.isoformat()}), got {end.isoformat()}")
    return SourceFilter(start, end, _check_publishers(publishers))


def check_order(order: Any) -> str:
    """``order`` as one of ``ORDERS``; ``None`` or ``""`` is relevance."""
    if order is None or order == "":
        return ORDERS[0]
    if order not in ORDERS:
        raise InputError("order", f"must be one of {', '.join(ORDERS)}, got {order!r:.60}")
    return str(order)


def _check_day(field: str, value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return check_field("published", value)  # type: ignore[return-value]  # the metadata file's own rule
    except ValueError:
        raise InputError(field, f"must be a date such as 2022-08-18, got {value!r:.60}") from None


def _check_publishers(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        raise InputError("publishers", f"must be a list of publisher names, not one string: pass [{value!r:.60}]")
    if not isinstance(value, Sequence):
        raise InputError("publishers", f"must be a list of publisher names, got {type(value).__name__}")
    names = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise InputError("publishers", f"each publisher must be a non-empty name, got {item!r:.60}")
        names.append(item.strip())
    return tuple(names)


def check_where(value: Any) -> SourceFilter:
    """A search's ``where``: ``None`` (no filter) or a ``SourceFilter`` (``check_filter`` builds one from raw values)."""
    if value is None:
        return SourceFilter()
    if not isinstance(value, SourceFilter):
        raise InputError("where", f"must be a SourceFilter (see check_filter), got {type(value).__name__}")
    return value
