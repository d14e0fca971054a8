"""Passage links that still land on their text after the index changes.

A passage link names the source, a hash of the document text it was made against, the character span,
and the passage text itself (as a browser's text fragment does): the hash proves an unchanged document
in one comparison, and the text is what is looked for when the document has changed. ``resolve`` says
how it found the passage — "exact", "moved", "changed" (with the nearest text and its similarity) or
"gone" — and never lands on other text without saying so.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .answer_links import AnswerLink
from .config import LinkSettings
from .errors import LinkError
from .types import Document
from .url_params import one_value, query_pairs, to_query

HASH_CHARS = 16  # hex digits of sha256: 64 bits tell versions of one document apart
MAX_LINKED_CHARS = 5000  # a passage is a few sentences; a longer "text" is not a link this app made
_GOOD_ENOUGH = 90.0  # a neighbourhood alignment this close ends the search
_WORD_WINDOWS = 3  # stretches aligned after the old neighbourhood: the ones sharing most words
_MIN_WINDOW = 200  # characters: a short passage still gets a stretch with some context to align in
_WORD = re.compile(r"\w+")
_MAX_SLACK = 200  # characters each edge of a changed passage may move: bounds the cost of fitting it

Status = Literal["exact", "moved", "changed", "gone"]


def text_hash(text: str) -> str:
    """The content hash a link names: a sha256 prefix of the document text as indexed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


@dataclass(frozen=True)
class PassageLink:
    source_id: str
    text_hash: str
    start: int
    end: int
    text: str  # document.text[start:end] when the link was made

    @classmethod
    def of(cls, doc: Document, start: int, end: int) -> PassageLink:
        if not 0 <= start < end <= len(doc.text):
            raise LinkError(f"span {start}-{end} is outside {doc.id} (0-{len(doc.text)})")
        return cls(doc.id, text_hash(doc.text), start, end, doc.text[start:end])

    def to_url(self) -> str:
        """``/?doc=…&rev=…&span=120-480&text=…``; the text comes last, so a link cut short is detected."""
        span = f"{self.start}-{self.end}"
        return to_query([("doc", self.source_id), ("rev", self.text_hash), ("span", span), ("text", self.text)])

    @classmethod
    def from_url(cls, url: str) -> PassageLink:
        """The link in ``url`` (a whole address, ``/?…`` or a bare query string).

        Raises:
            LinkError: a parameter is missing, repeated or out of range, naming it.
        """
        params = query_pairs(url)
        source_id = one_value(params, "doc")
        rev = one_value(params, "rev").lower()
        span = one_value(params, "span")
        text = one_value(params, "text", strip=False)
        if len(rev) != HASH_CHARS or any(c not in "0123456789abcdef" for c in rev):
            raise LinkError(f"link parameter rev must be {HASH_CHARS} hexadecimal digits, got {rev!r}")
        start, _, end = span.partition("-")
        if not (start.isdigit() and end.isdigit() and int(start) < int(end)):
            raise LinkError(f"link parameter span must be START-END with START < END, got {span!r}")
        if len(text) > MAX_LINKED_CHARS:
            raise LinkError(f"link parameter text is longer than {MAX_LINKED_CHARS} characters")
        if len(text) != int(end) - int(start):
            raise LinkError(
                f"link parameter text has {len(text)} characters but span {span} covers {int(end) - int(start)}:"
                " the link was cut short or edited"
            )
        return cls(source_id, rev, int(start), int(end), text)


@dataclass(frozen=True)
class Resolution:
    """Where a passage link lands in the current index, and how sure that is."""

    status: Status
    source_id: str
    start: int | None  # span of ``text`` in the current document; None when gone
    end: int | None
    text: str | None
    similarity: float  # rapidfuzz ratio 0-100 between the linked and the found text; 100 when verbatim
    message: str


def resolve(link: PassageLink, documents: Mapping[str, Document], settings: LinkSettings | None = None) -> Resolution:
    """Find ``link``'s passage in the current ``documents`` (keyed by source id)."""
    min_similarity = (settings or LinkSettings()).min_similarity
    doc = documents.get(link.source_id)
    if doc is None:
        return Resolution("gone", link.source_id, None, None, None, 0.0, f"Gone: {link.source_id} is no longer in the library.")
    if doc.text[link.start : link.end] == link.text:
        same = text_hash(doc.text) == link.text_hash
        note = "" if same else " The source has changed elsewhere since the link was made."
        return _found("exact", doc, link.start, link.end, 100.0, "Exact: the passage is where the link says." + note)
    found = _nearest_verbatim(doc.text, link.text, link.start)
    if found is not None:
        return _found("moved", doc, found, found + len(link.text), 100.0,
                      f"Moved: the source was edited above the passage, which now starts at character {found}, not {link.start}.")  # fmt: skip
    nearest = _nearest_alignment(doc.text, link.text, link.start)
    if nearest is None or nearest[0] < min_similarity:
        best = nearest[0] if nearest else 0.0
        return Resolution("gone", doc.id, None, None, None, best,
                          f"Gone: the passage is no longer in {doc.id}; the closest text is only {best:.0f}% similar.")  # fmt: skip
    score, start, end = nearest
    return _found("changed", doc, start, end, score,
                  f"Changed: the passage was edited since the link was made; here is the nearest text, {score:.0f}% similar.")  # fmt: skip


def _found(status: Status, doc: Document, start: int, end: int, similarity: float, message: str) -> Resolution:
    return Resolution(status, doc.id, start, end, doc.text[start:end], similarity, message)


def _nearest_verbatim(text: str, passage: str, around: int) -> int | None:
    """The start of the verbatim copy of ``passage`` nearest to ``around``."""
    best = None
    at = text.find(passage)
    while at >= 0:
        if best is None or abs(at - around) < abs(best - around):
            best = at
        at = text.find(passage, at + 1)
    return best


def _nearest_alignment(text: str, passage: str, around: int) -> tuple[float, int, int] | None:
    """``(similarity, start, end)`` of the closest text: near ``around`` first, then where its words are."""
    reach = 2 * len(passage) + 500  # an edit above the passage moves it by about what was added
    windows = [(max(0, around - reach), min(len(text), around + len(passage) + reach))]
    windows += [w for w in _word_windows(text, passage) if w != windows[0]]
    best: tuple[float, int, int] | None = None
    for lo, hi in windows:
        alignment = fuzz.partial_ratio_alignment(passage, text[lo:hi])
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            continue
        start, end = _fit_span(text, passage, lo + alignment.dest_start, lo + alignment.dest_end)
        score = fuzz.ratio(passage, text[start:end])
        if best is None or score > best[0]:
            best = (score, start, end)
        if best[0] >= _GOOD_ENOUGH:
            break
    return best


def _word_windows(text: str, passage: str) -> list[tuple[int, int]]:
    """The few stretches of ``text`` sharing most words with ``passage``, best first.

    Character alignment costs time in proportion to the text searched, and far more where nothing
    matches; counting shared words is linear and cheap, so alignment runs only where it can succeed.
    """
    step = max(len(passage), _MIN_WINDOW)
    wanted = set(_WORD.findall(passage.lower()))
    buckets: dict[int, set[str]] = {}
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if word in wanted:
            buckets.setdefault(match.start() // step, set()).add(word)
    # A passage starting in bucket b ends by the end of bucket b + 1: two buckets hold it whole.
    scored = [(len(words | buckets.get(b + 1, set())), -b) for b, words in buckets.items()]
    best = heapq.nlargest(_WORD_WINDOWS, scored)
    return [(-b * step, min(len(text), (-b + 2) * step)) for _, b in best]


def _fit_span(text: str, passage: str, start: int, end: int) -> tuple[int, int]:
    """The span around an alignment whose text is closest to ``passage``, cut at white space.

    The alignment is as long as the passage, so a passage that grew or shrank in the edit is cut short
    or runs over; each edge moves to the word boundary nearby that makes the text most similar.
    """
    slack = min(_MAX_SLACK, len(passage) // 4 + 20)
    for _ in range(2):  # edges interact a little: a second pass settles them
        starts = [i for i in range(max(0, start - slack), min(end, start + slack) + 1) if _word_starts(text, i)]
        start = max(starts, key=lambda i: (fuzz.ratio(passage, text[i:end]), -abs(i - start)), default=start)
        ends = [i for i in range(max(start + 1, end - slack), min(len(text), end + slack) + 1) if _word_ends(text, i)]
        end = max(ends, key=lambda i: (fuzz.ratio(passage, text[start:i]), -abs(i - end)), default=end)
    return start, end


def _word_starts(text: str, i: int) -> bool:
    return i < len(text) and not text[i].isspace() and (i == 0 or text[i - 1].isspace())


def _word_ends(text: str, i: int) -> bool:
    return i > 0 and not text[i - 1].isspace() and (i == len(text) or text[i].isspace())


def shared_link(url: str) -> PassageLink | AnswerLink | None:
    """The passage or answer link an address carries, or None for a plain visit.

    Raises:
        LinkError: the address carries a link whose parameters are bad.
    """
    names = {name for name, _ in query_pairs(url)}
    if "doc" in names:
        return PassageLink.from_url(url)
    if "q" in names:
        return AnswerLink.from_url(url)
    return None
