"""One user's session: the chat so far and the citations gathered. Kept in ``gr.State``, never in a global."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..corroboration import Corroboration
from ..types import Passage, Quote, SearchResult
from .export import CitationRecord, gather


@dataclass(frozen=True)
class Turn:
    """A question and its answer."""

    question: str
    searched: str  # what was searched: the question, or the question with the chat's context
    result: SearchResult | None = None
    weak: bool = False  # the best passage is under the abstention threshold
    error: str = ""
    extra: str = ""  # HTML that add-ons show under the answer (already escaped by them)
    reported: tuple[tuple[Corroboration, ...], ...] = ()  # "reported also by" of each result, by rank; or none

    def quotes(self) -> Iterator[tuple[str, Quote]]:
        """(source id, quote) of everything the answer quotes: passages, their "also in" copies, their
        "reported also by" sentences."""
        for passage in self.result.results if self.result else ():
            yield passage.source.id, passage.quote
            yield from ((o.source.id, o.quote) for o in passage.also_in)
        for links in self.reported:
            yield from ((c.source.id, c.quote) for c in links)


@dataclass(frozen=True)
class Session:
    turns: tuple[Turn, ...] = ()
    citations: tuple[CitationRecord, ...] = ()

    def questions(self) -> list[str]:
        """The questions asked so far, oldest first, for follow-up context."""
        return [t.question for t in self.turns if t.error == ""]

    def ask(self, turn: Turn) -> Session:
        return replace(self, turns=(*self.turns, turn))

    def collect(self, record: CitationRecord) -> Session:
        return replace(self, citations=gather(self.citations, record))

    def passage(self, turn: int, rank: int) -> tuple[Turn, Passage] | None:
        """The passage ranked ``rank`` (1-based) in answer ``turn`` (0-based), if both exist."""
        if not 0 <= turn < len(self.turns):
            return None
        found = self.turns[turn]
        results = found.result.results if found.result else ()
        if not 1 <= rank <= len(results):
            return None
        return found, results[rank - 1]

    def reported(self, turn: int, rank: int, index: int) -> tuple[Turn, Corroboration] | None:
        """The ``index``-th (0-based) "reported also by" sentence of that passage, if it exists."""
        found = self.passage(turn, rank)
        if found is None or len(found[0].reported) < rank or not 0 <= index < len(found[0].reported[rank - 1]):
            return None
        return found[0], found[0].reported[rank - 1][index]

    def quote_holding(self, source_id: str, start: int, end: int) -> Quote | None:
        """The quote shown in this session that holds ``[start, end)`` of that source, if any."""
        for turn in self.turns:
            for sid, quote in turn.quotes():
                if sid == source_id and quote.start <= start and end <= quote.end:
                    return quote
        return None
