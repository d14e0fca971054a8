"""One user's session: the chat so far and the citations gathered. Kept in ``gr.State``, never in a global."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

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
class Turn:
    """A question and its answer."""

    question: str
    result: SearchResult | None = None
    error: str = ""
    extra: str = ""  # HTML that add-ons show under the answer (already escaped by them)
    reported: tuple[tuple[Corroboration, ...], ...] = ()  # "reported also by" of each result, by rank; or none
    link: str = ""  # the answer's link, /?q=…&k=…&source=…&mode=…, which asks it again (shared_links.answer_url)

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

    def history(self) -> list[Exchange]:
        """The questions answered so far with their answers, oldest first: what a follow-up continues."""
        return [Exchange(t.question, t.result) for t in self.turns if t.result is not None]

    def ask(self, turn: Turn) -> Session:
        return replace(self, turns=(*self.turns, turn))

    def collect(self, record: CitationRecord) -> Session:
        return replace(self, citations=gather(self.citations, record))

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
