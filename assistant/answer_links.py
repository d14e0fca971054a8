"""Answer links, ``/?q=…&k=…&source=…&mode=…``: open one and the same question runs again with the same choices.

The date range, publishers and order travel too (``from``, ``to``, ``publisher``, ``sort``), so a shared
answer shows what the sender saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .config import MODES
from .errors import LinkError, SettingsError
from .source_filters import ORDERS, SourceFilter
from .url_params import one_value, query_pairs, to_query, values

MAX_K = 100  # the app's slider stops lower; beyond this a link asks for more passages than anyone reads
MAX_QUERY_CHARS = 2000
DEFAULT_K = 5


@dataclass(frozen=True)
class AnswerLink:
    query: str
    k: int = DEFAULT_K
    sources: tuple[str, ...] = ()  # the source filter; empty = every source
    mode: str | None = None  # None = the configured default mode
    where: SourceFilter = field(default_factory=SourceFilter)
    sort: str = ORDERS[0]

    def __post_init__(self) -> None:
        _check(self)

    def to_url(self) -> str:
        pairs = [("q", self.query), ("k", str(self.k))]
        pairs += [("source", source) for source in self.sources]
        if self.mode:
            pairs.append(("mode", self.mode))
        if self.where.published_from:
            pairs.append(("from", self.where.published_from.isoformat()))
        if self.where.published_to:
            pairs.append(("to", self.where.published_to.isoformat()))
        pairs += [("publisher", publisher) for publisher in self.where.publishers]
        if self.sort != ORDERS[0]:
            pairs.append(("sort", self.sort))
        return to_query(pairs)

    @classmethod
    def from_url(cls, url: str) -> AnswerLink:
        """The answer link in ``url`` (a whole address, ``/?…`` or a bare query string).

        Raises:
            LinkError: naming the parameter and what it must be.
        """
        params = query_pairs(url)
        k = one_value(params, "k", default=str(DEFAULT_K))
        if not k.isdigit():
            raise LinkError(f"link parameter k must be a whole number from 1 to {MAX_K}, got {k!r}")
        mode = values(params, "mode")
        sources = tuple(source.strip() for source in values(params, "source"))
        publishers = tuple(publisher.strip() for publisher in values(params, "publisher"))
        if not all(publishers):
            raise LinkError("link parameter publisher is empty")
        try:
            where = SourceFilter(_day(params, "from"), _day(params, "to"), publishers)
        except SettingsError as error:
            raise LinkError(f"link parameters from and to: {error}") from None
        return cls(
            query=one_value(params, "q"),
            k=int(k),
            sources=sources,
            mode=one_value(params, "mode") if mode else None,
            where=where,
            sort=one_value(params, "sort", default=ORDERS[0]),
        )


def _day(params: list[tuple[str, str]], name: str) -> date | None:
    if not values(params, name):
        return None
    text = one_value(params, name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LinkError(f"link parameter {name} must be a date such as 2022-08-18, got {text!r}") from None


def _check(link: AnswerLink) -> None:
    if not link.query.strip():
        raise LinkError("link parameter q (the question) is empty")
    if len(link.query) > MAX_QUERY_CHARS:
        raise LinkError(f"link parameter q is longer than {MAX_QUERY_CHARS} characters")
    if not 1 <= link.k <= MAX_K:
        raise LinkError(f"link parameter k must be a whole number from 1 to {MAX_K}, got {link.k}")
    if link.mode is not None and link.mode not in MODES:
        raise LinkError(f"link parameter mode must be one of {', '.join(MODES)}, got {link.mode!r}")
    for source in link.sources:
        if not source:
            raise LinkError("link parameter source is empty")
    if link.sort not in ORDERS:
        raise LinkError(f"link parameter sort must be one of {', '.join(ORDERS)}, got {link.sort!r}")
    if len(set(link.sources)) != len(link.sources):
        raise LinkError("link parameter source names one source more than once")
