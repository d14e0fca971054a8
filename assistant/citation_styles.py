"""Citations in the style the user chooses: a short house style, or a full reference.

- ``house``: ``“quote” — Publisher, 18 Aug 2022, para 6``, for pasting into running text; the title
  stands in for a missing publisher, shortened at a word.
- ``full``: ``“quote” — Author, “Title”, Publisher, 18 August 2022, para 6. URL (accessed 30 November 2026)``,
  for a reference list.

Each part a source does not state is left out, never filled with a placeholder. Metadata comes from
``SourceMeta`` (sources.toml, or what the file says of itself); the indexed ``SourceRef`` supplies the
title and publisher when there is none.
"""

from __future__ import annotations

from datetime import date

from .citations import location
from .errors import SettingsError
from .sources.metadata import SourceMeta
from .types import Passage, Quote, SourceRef

CITATION_STYLES = ("house", "full")
_HOUSE_TITLE = 60  # characters: a house citation stays one short line beside the quote


def cite_passage(
    passage: Passage, meta: SourceMeta | None = None, style: str = "house", *, accessed: date | None = None
) -> str:
    """The citation of a ranked passage's quote."""
    return cite(passage.source, passage.quote, passage.page, passage.paragraph, meta, style, accessed=accessed)


def cite(
    source: SourceRef,
    quote: Quote,
    page: int | None,
    paragraph: int | None,
    meta: SourceMeta | None = None,
    style: str = "house",
    *,
    accessed: date | None = None,
) -> str:
    """``quote`` from ``source`` at page or paragraph, in ``style``; ``accessed`` defaults to today.

    Raises:
        SettingsError: ``style`` is not one of ``CITATION_STYLES``.
    """
    indexed = SourceMeta(title=source.title, publisher=source.publisher)
    where = location(page, paragraph)
    return styled_citation(quote.text, (meta or SourceMeta()).filled_from(indexed), where, style, accessed=accessed)


def styled_citation(quote: str, meta: SourceMeta, where: str, style: str = "house", *, accessed: date | None = None) -> str:
    """``quote`` at ``where`` ("para 6", "p. 2") of the source ``meta`` describes, in ``style``: what a gathered
    citation is exported with, in whichever style the user picks later.

    Raises:
        SettingsError: ``style`` is not one of ``CITATION_STYLES``.
    """
    if style not in CITATION_STYLES:
        raise SettingsError(f"citation style must be one of {', '.join(CITATION_STYLES)}, got {style!r}")
    title = meta.title or ""
    if style == "house":
        parts = [meta.publisher or _shorten(title), _day(meta.published, short=True), where]
        return f"“{quote}” — {_join(parts)}"
    parts = [meta.author, f"“{title}”" if title else None, meta.publisher, _day(meta.published), where]
    reference = _join(parts)
    if meta.url:
        reference += f". {meta.url}"
    return f"“{quote}” — {reference} (accessed {_day(accessed or date.today())})"


def _join(parts: list[str | None]) -> str:
    return ", ".join(part for part in parts if part)


def _day(day: date | None, *, short: bool = False) -> str | None:
    """``18 August 2022``, or ``18 Aug 2022`` when short: no leading zero, English month names."""
    if day is None:
        return None
    month = _MONTH_NAMES[day.month - 1]
    return f"{day.day} {month[:3] if short else month} {day.year}"


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip  (not strftime: its month names follow the process locale)


def _shorten(title: str) -> str:
    if len(title) <= _HOUSE_TITLE:
        return title
    cut = title[: _HOUSE_TITLE - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:–-") + "…"
