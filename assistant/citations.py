"""Ready-to-paste citations."""

from __future__ import annotations

from .types import Corroboration, Match, Passage, SourceRef


def location(page: int | None, paragraph: int | None) -> str:
    """"p. 3" for paged documents, "para 12" otherwise."""
    if page is not None:
        return f"p. {page}"
    if paragraph is not None:
        return f"para {paragraph}"
    return ""


def source_label(source: SourceRef) -> str:
    return f"{source.title} ({source.publisher})" if source.publisher else source.title


def cite(source: SourceRef, quote: str, page: int | None, paragraph: int | None) -> str:
    """``“quote” — Title (Publisher), para 12``."""
    where = location(page, paragraph)
    label = source_label(source) + (f", {where}" if where else "")
    return f"“{quote}” — {label}"


def format_citation(passage: Passage) -> str:
    return cite(passage.source, passage.quote.text, passage.page, passage.paragraph)


def match_citation(match: Match) -> str:
    """``“span … span” — Title (Publisher), para 12``: the source's own words, fragments joined by an ellipsis."""
    return cite(match.source, " … ".join(span.text for span in match.spans), match.page, match.paragraph)


def corroboration_citation(c: Corroboration) -> str:
    return cite(c.source, c.quote.text, c.page, c.paragraph)
