"""The citations a user gathers in a session, and their export as Markdown and CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

from ..citations import cite, location
from ..service import SourceMeta, styled_citation
from ..types import Passage, Quote, SourceRef


@dataclass(frozen=True)
class CitationRecord:
    """One gathered quote with everything needed to find it again in its source."""

    quote: str
    title: str
    publisher: str | None
    location: str  # "para 12" or "p. 3"
    source: str  # source id, the file name under sources/
    path: str
    start: int  # character offsets of the quote in the source's text
    end: int
    citation: str  # the ready-to-paste line
    question: str = ""
    verdict: str = ""  # set by the quote desk ("exact", "altered", …); empty for search results
    author: str | None = None  # the source's metadata when the citation was gathered (``described``)
    published: str = ""  # ISO date, or empty when the source states none
    url: str | None = None
    accessed: str = ""  # ISO date the citation was gathered: the full style's access date

    @classmethod
    def of(
        cls,
        source: SourceRef,
        quote: Quote,
        page: int | None,
        paragraph: int | None,
        *,
        question: str = "",
        verdict: str = "",
    ) -> CitationRecord:
        return cls(
            quote=quote.text,
            title=source.title,
            publisher=source.publisher,
            location=location(page, paragraph),
            source=source.id,
            path=source.path,
            start=quote.start,
            end=quote.end,
            citation=cite(source, quote.text, page, paragraph),
            question=question,
            verdict=verdict,
        )

    @classmethod
    def from_passage(cls, passage: Passage, question: str = "") -> CitationRecord:
        return cls.of(passage.source, passage.quote, passage.page, passage.paragraph, question=question)

    def described(self, meta: SourceMeta | None, today: date | None = None) -> CitationRecord:
        """This record with its source's metadata (author, date, URL; title and publisher where given) and the
        day it was gathered, which a full citation names as its access date."""
        meta = meta or SourceMeta()
        return replace(
            self,
            title=meta.title or self.title,
            publisher=meta.publisher or self.publisher,
            author=meta.author,
            published=meta.published.isoformat() if meta.published else "",
            url=meta.url,
            accessed=(today or date.today()).isoformat(),
        )

    def in_style(self, style: str) -> CitationRecord:
        """This record with its ``citation`` written in ``style`` ("house" or "full", ``CITATION_STYLES``)."""
        meta = SourceMeta(
            self.title, self.publisher, self.author, date.fromisoformat(self.published) if self.published else None, self.url
        )
        accessed = date.fromisoformat(self.accessed) if self.accessed else None
        return replace(self, citation=styled_citation(self.quote, meta, self.location, style, accessed=accessed))


def gather(records: tuple[CitationRecord, ...], record: CitationRecord) -> tuple[CitationRecord, ...]:
    """``records`` with ``record`` added at the end, unless that span of that source is already there.

    A span already gathered from a search takes the verdict when the quote desk checks it again, so the
    export says what was verified.
    """
    same = [i for i, r in enumerate(records) if (r.source, r.start, r.end) == (record.source, record.start, record.end)]
    if not same:
        return (*records, record)
    if record.verdict and not records[same[0]].verdict:
        return (*records[: same[0]], record, *records[same[0] + 1 :])
    return records


COLUMNS = tuple(f.name for f in fields(CitationRecord))


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(records: tuple[CitationRecord, ...]) -> str:
    """One row per citation under a header row; ``csv`` quoting keeps commas, quotes and line breaks intact.

    Text from documents and users that a spreadsheet would run as a formula ("=HYPERLINK(...)") is
    prefixed with a single quote, which spreadsheets show as text.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in records:
        writer.writerow([_cell(getattr(r, c)) for c in COLUMNS])
    return out.getvalue()


def _cell(value: str | int | None) -> str | int:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_markdown(records: tuple[CitationRecord, ...]) -> str:
    """A numbered list of ready-to-paste citations, each with where to find it."""
    lines = ["# Citations", ""]
    if not records:
        lines.append("No citations gathered yet.")
    for number, r in enumerate(records, start=1):
        lines.append(f"{number}. {_one_line(r.citation)}")
        lines.append(f"   - Source: {r.path} (`{r.source}`), characters {r.start}–{r.end}")
        if r.question:
            lines.append(f"   - Question: {_one_line(r.question)}")
        if r.verdict:
            lines.append(f"   - Verdict: {r.verdict}")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    # A quote that crosses a paragraph break would otherwise end the list item.
    return " ".join(text.split())


def write_exports(records: tuple[CitationRecord, ...], folder: Path, style: str = "house") -> tuple[Path, Path]:
    """Write ``citations.md`` and ``citations.csv`` into ``folder``, each citation in ``style``; returns their paths."""
    records = tuple(r.in_style(style) for r in records)
    folder.mkdir(parents=True, exist_ok=True)
    markdown, table = folder / "citations.md", folder / "citations.csv"
    markdown.write_text(to_markdown(records), encoding="utf-8")
    # utf-8-sig so spreadsheet programs read the curly quotes correctly
    table.write_text(to_csv(records), encoding="utf-8-sig", newline="")
    return markdown, table
