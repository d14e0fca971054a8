"""One user's session: the chat so far, the citations gathered and the choices made. Kept in ``gr.State``, never
in a global, and saved in the browser (``saved``) so a reload finds it again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..service import ORDERS, SourceFilter
from ..types import Corroboration, Exchange, SearchResult
from ..types import Occurrence, Quote, SourceRef
from .export import CitationRecord, gather


@dataclass(frozen=True)
class Quoted:
    """A quote an answer shows: what a button on it cites, and where the reader opens it."""

    source: SourceRef
    page: int | None
    paragraph: int | None
    quote: Quote
    question: str
    around: tuple[int, int] | None = None  # a wider span shaded around the quote in the reader

    def record(self) -> CitationRecord:
        return CitationRecord.of(self.source, self.quote, self.page, self.paragraph, question=self.question)


@dataclass(frozen=True)
class Preferences:
    """The choices the Ask and Citations tabs offer, as last set: they come back with the session."""

    k: int = 5
    mode: str = "hybrid"  # the core's name for it
    sources: tuple[str, ...] = ()  # the source filter; empty = every source
    published_from: str = ""  # as typed (2022-08-18); checked when a question is asked
    published_to: str = ""
    publishers: tuple[str, ...] = ()
    order: str = ORDERS[0]
    use_context: bool = True
    style: str = "house"  # how citations are shown and exported (citation_styles)


@dataclass(frozen=True)
class Turn:
    """A question and its answer, with the choices that produced it."""

    question: str
    result: SearchResult | None = None
    error: str = ""
    extra: str = ""  # HTML that add-ons show under the answer (already escaped by them)
    reported: tuple[tuple[Corroboration, ...], ...] = ()  # "reported also by" of each result, by rank; or none
    link: str = ""  # the answer's link, /?q=…&k=…&source=…&mode=…, which asks it again (shared_links.answer_url)
    k: int = 5
    sources: tuple[str, ...] = ()
    where: SourceFilter = SourceFilter()
    order: str = ORDERS[0]

    @property
    def produced_by(self) -> str:
        """How the answer was asked for, shown with it: ``hybrid · 5 passages · by BBC · newest source first``."""
        if self.result is None:
            return ""
        parts = [self.result.mode, f"{self.k} passage{'s' if self.k != 1 else ''}"]
        if self.sources:
            parts.append("only " + ", ".join(self.sources))
        if self.where.active:
            parts.append(self.where.describe())
        if self.order == "date":
            parts.append("newest source first")
        return " · ".join(parts)

    @property
    def searched(self) -> str:
        """What was searched: the question, or (a follow-up) the question with the chat's context."""
        return self.result.query if self.result is not None else self.question

    @property
    def weak(self) -> bool:
        """The core found no passage that answers closely (``SearchResult.answered``)."""
        return self.result is not None and bool(self.result.results) and not self.result.answered

    def quoted(self, rank: int, also: int = -1, reported: int = -1) -> Quoted | None:
        """The quote of the passage ranked ``rank`` (1-based), shaded in its passage; or, when given, its
        ``also``-th "also in" copy or its ``reported``-th "reported also by" sentence (0-based)."""
        results = self.result.results if self.result else ()
        if not 1 <= rank <= len(results):
            return None
        passage = results[rank - 1]
        places: tuple[Occurrence | Corroboration, ...] = passage.also_in
        index = also
        if reported >= 0:
            places, index = (self.reported[rank - 1] if rank <= len(self.reported) else ()), reported
        if index >= 0:
            return self._place(places[index]) if index < len(places) else None
        around = (passage.start, passage.end)
        return Quoted(passage.source, passage.page, passage.paragraph, passage.quote, self.question, around)

    def everything_quoted(self) -> Iterator[Quoted]:
        """Each passage's quote, its "also in" copies and its "reported also by" sentences."""
        for rank, passage in enumerate(self.result.results if self.result else (), start=1):
            reported = self.reported[rank - 1] if rank <= len(self.reported) else ()
            yield from (
                q
                for q in (
                    self.quoted(rank),
                    *(self.quoted(rank, also=i) for i in range(len(passage.also_in))),
                    *(self.quoted(rank, reported=i) for i in range(len(reported))),
                )
                if q is not None
            )

    def _place(self, place: Occurrence | Corroboration) -> Quoted:
        return Quoted(place.source, place.page, place.paragraph, place.quote, self.question)


@dataclass(frozen=True)
class Session:
    turns: tuple[Turn, ...] = ()
    citations: tuple[CitationRecord, ...] = ()
    preferences: Preferences = Preferences()

    def history(self) -> list[Exchange]:
        """The questions answered so far with their answers, oldest first: what a follow-up continues."""
        return [Exchange(t.question, t.result) for t in self.turns if t.result is not None]

    def ask(self, turn: Turn) -> Session:
        return replace(self, turns=(*self.turns, turn))

    def collect(self, record: CitationRecord) -> Session:
        return replace(self, citations=gather(self.citations, record))

    def without_citation(self, index: int) -> Session:
        """The citations less the ``index``-th (0-based); unchanged when there is none there."""
        if not 0 <= index < len(self.citations):
            return self
        return replace(self, citations=self.citations[:index] + self.citations[index + 1 :])

    def citation_moved(self, index: int, step: int) -> Session:
        """The ``index``-th citation moved ``step`` places (-1 up, 1 down); unchanged at either end."""
        to = index + step
        if not (0 <= index < len(self.citations) and 0 <= to < len(self.citations)):
            return self
        moved = list(self.citations)
        moved[index], moved[to] = moved[to], moved[index]
        return replace(self, citations=tuple(moved))

    def choosing(self, preferences: Preferences) -> Session:
        return replace(self, preferences=preferences)

    def quoted(self, turn: int, rank: int, also: int = -1, reported: int = -1) -> Quoted | None:
        """``Turn.quoted`` of answer ``turn`` (0-based); None when there is no such answer or quote."""
        return self.turns[turn].quoted(rank, also, reported) if 0 <= turn < len(self.turns) else None

    def holding(self, source_id: str, start: int, end: int) -> Quoted | None:
        """``[start, end)`` of that source if it lies inside a quote shown in this session, with that quote
        shaded around it."""
        for turn in self.turns:
            for q in turn.everything_quoted():
                if q.source.id == source_id and q.quote.start <= start and end <= q.quote.end:
                    part = Quote(q.quote.text[start - q.quote.start : end - q.quote.start], start, end)
                    return replace(q, quote=part, around=(q.quote.start, q.quote.end))
        return None
