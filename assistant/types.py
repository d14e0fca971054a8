"""The frozen values that travel between stages: load -> chunk -> embed -> index -> retrieve -> cite.

Character offsets into ``Document.text`` are the source of truth: every ``text`` field on a chunk,
passage or quote is ``document.text[start:end]``, never a copy that could drift.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import PurePath

from .config import AnswerSettings


@dataclass(frozen=True)
class Document:
    """One source file's text as it was indexed."""

    id: str  # file name relative to the sources folder: stable and human-readable
    path: str
    title: str
    publisher: str | None
    text: str
    sha256: str  # of the file's bytes: decides whether a re-index must re-embed it
    page_starts: tuple[int, ...] = ()  # offset where each PDF page begins; empty for unpaged text
    encoding: str = "utf-8"
    # What the file states about itself (meta tags, PDF information, a dateline); sources.toml overrides
    # these when metadata is read (Assistant.metadata), so an edit there needs no re-read of the file.
    author: str | None = None
    published: date | None = None
    url: str | None = None

    @cached_property
    def paragraph_starts(self) -> tuple[int, ...]:
        """Offsets where each paragraph (a non-blank line, as the reader sees it) begins."""
        starts = []
        offset = 0
        for line in self.text.splitlines(keepends=True):
            stripped = line.lstrip()
            if stripped.strip():
                starts.append(offset + len(line) - len(stripped))
            offset += len(line)
        return tuple(starts)

    def paragraph_at(self, offset: int) -> int | None:
        """1-based number of the paragraph holding ``offset``."""
        number = bisect.bisect_right(self.paragraph_starts, offset)
        return number or None

    def page_at(self, offset: int) -> int | None:
        """1-based PDF page holding ``offset``; None for unpaged documents."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))


@dataclass(frozen=True)
class Chunk:
    """A window of a document that is embedded and indexed as one unit."""

    source_id: str
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.source_id}:{self.start}-{self.end}"


@dataclass(frozen=True)
class LoadFailure:
    """A source that could not be indexed, and why; kept in the manifest so the UI can show it."""

    path: str
    reason: str
    # It ran out of time, which a busy machine alone can cause: the next build tries it again, where a
    # failure of the file's content (a parse error, a PDF bomb) is kept until the file changes.
    retry: bool = False


@dataclass(frozen=True)
class SourceRef:
    id: str
    title: str
    publisher: str | None
    path: str

    @classmethod
    def of(cls, doc: Document) -> SourceRef:
        return cls(id=doc.id, title=doc.title, publisher=doc.publisher, path=shown_path(doc.path, doc.id))


@lru_cache(maxsize=4096)  # every result and "also in" shows one; parsing a path each time was ~5 % of a search
def shown_path(path: str, source_id: str | None = None) -> str:
    """What answers and listings show of a source's path: the sources folder's name and the path inside it
    ("sources/reports/a.pdf"), never where that folder lies on the server. ``source_id`` (the path inside
    the folder) says how many parts to keep; without one the file is taken to lie in the folder itself."""
    keep = (source_id.count("/") + 1 if source_id else 1) + 1
    return "/".join(PurePath(path).parts[-keep:])


@dataclass(frozen=True)
class Quote:
    """The sentence or sentences of a passage that best answer the question, verbatim."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Occurrence:
    """Where else a near-identical passage stands (the "also in" of a result)."""

    source: SourceRef
    page: int | None
    paragraph: int | None
    quote: Quote


@dataclass(frozen=True)
class Passage:
    """One ranked answer: a chunk of a source, the quote inside it, and where else it is said."""

    rank: int
    score: float  # the chosen mode's ranking score: cosine (dense), BM25, or for hybrid the fusion's (blend:
    # dense_weight x min-max cosine + the rest x min-max BM25, in [0, 1]; rrf: sum of 1 / (rrf_k + rank))
    similarity: float  # cosine between question and passage: comparable across modes and queries
    source: SourceRef
    page: int | None
    paragraph: int | None  # of the quote's first character
    text: str
    start: int
    end: int
    quote: Quote
    also_in: tuple[Occurrence, ...] = ()
    # The score the results are in order by: for the first ``SearchSettings.rerank_depth`` passages, ``score`` plus
    # the weighed score of their quote and of what it answers (retrieval.by_quote); beyond them, and for a passage
    # made without that reordering, ``score`` itself. Shown beside ``score``, so a card's number matches its place.
    rank_score: float | None = None
    # The best cosine between the question and one of the passage's sentences that holds the kind of answer it asks
    # for (any sentence when it asks for none; -1 when none holds it): the fourth test of "nothing answers"
    # (answerability.py). None for a passage made without a search, which that test then leaves out.
    sentence_similarity: float | None = None

    def __post_init__(self) -> None:
        if self.rank_score is None:
            object.__setattr__(self, "rank_score", self.score)


ABSTENTION_WITHIN = AnswerSettings.within  # results the "nothing answers" verdict looks at (Settings.answer.within)


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str
    results: tuple[Passage, ...] = field(default_factory=tuple)
    answered: bool = True  # False when nothing in the sources answers (see answerability.py); set by Assistant.search
    reason: str | None = None  # why it does not answer, as the shells show it

    def best_similarity(self, within: int = ABSTENTION_WITHIN) -> float | None:
        """The abstention signal: the highest ``Passage.similarity`` among the first ``within`` results.

        Under it, no passage answers the question closely (the app and the evaluation compare it with
        ``[abstention] abstain_below`` in eval/expected.toml). Not the first result's similarity alone:
        the hybrid blend can rank first a passage that matches the question's words but whose cosine is
        low, on a question a passage just below it answers. None when there are no results.
        """
        if within < 1:
            raise ValueError(f"within must be at least 1, got {within}")
        return max((p.similarity for p in self.results[:within]), default=None)


# -- the quote desk ------------------------------------------------------------------------------

EXACT, ALTERED, NOT_FOUND = "exact", "altered", "not_found"  # Verification.verdict


@dataclass(frozen=True)
class Span:
    """A stretch of a source in its own words: ``document.text[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DiffOp:
    """One step of the word-level diff from the source's words to the quote's.

    ``op`` is "equal", "changed", "added" (words in the quote that the source does not have) or
    "dropped" (source words the quote leaves out). Quote offsets index ``Verification.quote``;
    source offsets index the document's text. ``flag`` marks a changed "number" or "name".
    """

    op: str
    quote_text: str
    quote_start: int
    quote_end: int
    source_text: str
    source_start: int
    source_end: int
    flag: str | None = None


@dataclass(frozen=True)
class Match:
    """Where a quote (or its closest version) stands in one source: one span per fragment, in order."""

    source: SourceRef
    page: int | None
    paragraph: int | None
    spans: tuple[Span, ...]
    similarity: float  # 1.0 for exact; Indel similarity of quote and spans otherwise
    coverage: float  # share of the quote's words found unchanged, in order (1.0 for exact)
    folded: bool  # True when quote marks, dashes or white space had to be folded to match
    diff: tuple[DiffOp, ...] = ()


@dataclass(frozen=True)
class Verification:
    """The verdict on a quote and the evidence for it.

    exact: ``matches`` lists every place the quote stands verbatim (after folding).
    altered: ``matches`` holds the closest passage, with its diff.
    not_found: ``matches`` holds the nearest passages, which do not support the quote.
    """

    quote: str
    verdict: str
    fragments: tuple[str, ...]  # the quote split at its ellipses
    matches: tuple[Match, ...]

    @property
    def folded(self) -> bool:
        return self.verdict == EXACT and any(m.folded for m in self.matches)

    @property
    def similarity(self) -> float:
        return self.matches[0].similarity if self.matches else 0.0


@dataclass(frozen=True)
class Corroboration:
    """A sentence of another source that states the same thing, verbatim, with its citation data."""

    source: SourceRef
    page: int | None
    paragraph: int | None
    quote: Quote  # ``document.text[quote.start:quote.end] == quote.text``
    similarity: float  # link score: the cosine of this sentence and the quote, moved by their figures


@dataclass(frozen=True)
class FigureSpan:
    """Where a figure is stated, in the source's own words: ``document.text[start:end] == text``."""

    source_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Figure:
    """One figure and every span that states it.

    ``value`` is a number for counts, amounts and percentages and an ISO-style string for dates
    ("2021", "2021-03", "--08-18"); ``qualifier`` is the bound before it ("more than", "about"...).
    """

    text: str
    value: float | int | str
    noun: str
    kind: str  # "count" | "percent" | "money" | "date" | "age"
    qualifier: str | None
    sources: tuple[SourceRef, ...]
    spans: tuple[FigureSpan, ...]


# -- the index and the conversation --------------------------------------------------------------


@dataclass(frozen=True)
class BuildReport:
    """What an index run did; ``changed`` is False when the live index already matched the sources."""

    changed: bool
    documents: int
    chunks: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    embedded_chunks: int = 0
    failures: tuple[LoadFailure, ...] = field(default_factory=tuple)
    reason: str = ""


@dataclass(frozen=True)
class SourceInfo:
    """A row of the sources listing."""

    id: str
    title: str
    publisher: str | None
    path: str
    bytes: int
    chunks: int
    indexed: str


@dataclass(frozen=True)
class Exchange:
    """One turn of a conversation: the question as asked and the answer it got."""

    question: str
    result: SearchResult
