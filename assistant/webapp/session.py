"""One user's session: the chat so far and the citations gathered. Kept in ``gr.State``, never in a global."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..types import Passage, SearchResult
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
