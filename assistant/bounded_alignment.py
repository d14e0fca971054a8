"""Where a quote best aligns in a stretch of text, at a cost that grows about linearly with the quote.

rapidfuzz's ``partial_ratio_alignment`` slides the whole quote along the text and scores every window: its
cost grows with the text's length times the square of the quote's (0.04 s for 500 characters in 3,000,
1.7 s for 2,000 in 6,000; a 16,000-character quote took a minute). It is kept for short quotes, where it is
fast and exact. A longer quote is cut into pieces of about ``PIECE`` characters at word boundaries; each
piece is placed by its anchor words -- the quote's words found in the text vote for an offset -- and
aligned only within a window around that offset; the pieces that align well and stand in the quote's order
make the span. A quote longer than the text, or one that runs across several sources, so aligns where it
matches, and its score says how much of it does: the verifier then judges it by coverage.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .budget import check

SHORT = 320  # characters: up to this a quote is aligned whole (about 25 ms against 20,000 characters)
PIECE = 200  # characters per piece of a longer quote
_PAD = 64  # characters either side of a piece's voted offset that its alignment may move into
_BUCKET = 32  # offsets voted for are pooled in buckets this wide: a dropped or added word moves them a little
_COMMON = 8  # a word found more often than this in the text is no anchor: its votes (1/8 or less) are noise
# A word found n times votes 1/n for each place: a piece is aligned only where its votes reach this, two
# rare words or many common ones agreeing. Random words drawn from the same text reach 1-1.5 by chance.
_MIN_VOTES = 2.0
_FOLLOW_SCORE = 90.0  # a piece aligning this well right after the one before is taken there, unvoted
_MIN_PIECE_SCORE = 60.0  # a piece aligning worse than this is not in the text (invented words score 40-55)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Alignment:
    """Score (0-100, like rapidfuzz's partial ratio) and the span ``[start, end)`` in the text searched."""

    score: float
    start: int
    end: int


# The verifier aligns every candidate source once to rank them, then the closest three again to diff them:
# the repeats come from here. Keys hold the texts, so the cache is kept small.
@lru_cache(maxsize=128)
def align(needle: str, hay: str, offset: int = 0) -> Alignment | None:
    """The needle's best alignment in ``hay[offset:]``, offsets into ``hay``; None when nothing aligns."""
    if len(needle) <= SHORT:
        return _window(needle, hay, offset, len(hay))
    anchors = _anchors(hay, offset)
    placed: list[tuple[int, Alignment]] = []
    for piece in _pieces(needle):
        check()
        # A piece mostly follows on from the one before: look there first, and vote only if it is not there.
        follows = placed[-1][1].end if placed else None
        found = None
        if follows is not None:
            found = _window(piece, hay, max(offset, follows - _PAD), follows + len(piece) + _PAD)
        if found is None or found.score < _FOLLOW_SCORE:
            found = _place(piece, hay, offset, anchors)
        if found is not None and found.score >= _MIN_PIECE_SCORE:
            placed.append((len(piece), found))
    chain = _in_order(placed)
    if not chain:
        return None
    score = sum(length * found.score for length, found in chain) / len(needle)
    return Alignment(round(score, 2), chain[0][1].start, chain[-1][1].end)


def _pieces(needle: str) -> list[str]:
    """The needle cut into nearly equal pieces of about PIECE characters, each ending at a word's end."""
    count = -(-len(needle) // PIECE)
    size = len(needle) / count
    pieces = []
    start = 0
    for n in range(1, count + 1):
        end = len(needle) if n == count else _word_end(needle, round(n * size))
        if end > start:
            pieces.append(needle[start:end])
        start = end
    return pieces


def _anchors(hay: str, offset: int) -> dict[str, list[int]]:
    """Each word of ``hay[offset:]`` (lower case) and where it starts."""
    where: dict[str, list[int]] = {}
    for m in _WORD.finditer(hay, offset):
        where.setdefault(m.group().lower(), []).append(m.start())
    return where


def _place(piece: str, hay: str, offset: int, anchors: dict[str, list[int]]) -> Alignment | None:
    """The piece's alignment near the offset its anchor words vote for most (the earliest on a tie)."""
    votes: defaultdict[int, float] = defaultdict(float)
    for m in _WORD.finditer(piece):
        spots = anchors.get(m.group().lower(), ())
        if len(spots) <= _COMMON:
            for spot in spots:
                votes[(spot - m.start()) // _BUCKET] += 1 / len(spots)
    bucket = min(votes, key=lambda b: (-votes[b], b), default=None)
    if bucket is None or votes[bucket] < _MIN_VOTES:
        return None
    return _window(piece, hay, max(offset, bucket * _BUCKET - _PAD), bucket * _BUCKET + len(piece) + _BUCKET + _PAD)


def _window(piece: str, hay: str, lo: int, hi: int) -> Alignment | None:
    """The text's partial-ratio alignment within ``hay[lo:hi]``."""
    lo, hi = max(0, lo), min(len(hay), hi)
    found = fuzz.partial_ratio_alignment(piece, hay[lo:hi]) if hi > lo else None
    if found is None or found.dest_end <= found.dest_start:
        return None
    return Alignment(found.score, lo + found.dest_start, lo + found.dest_end)


def _in_order(placed: Sequence[tuple[int, Alignment]]) -> list[tuple[int, Alignment]]:
    """The heaviest chain of placed pieces that stand in the text in the needle's order (weight: length x score)."""
    best: list[float] = []
    back: list[int] = []
    for i, (length, found) in enumerate(placed):
        weight = length * found.score
        prior = [j for j in range(i) if placed[j][1].end <= found.start + _PAD]
        j = max(prior, key=lambda j: best[j], default=-1)
        best.append(weight + (best[j] if j >= 0 else 0.0))
        back.append(j)
    chain = []
    i = max(range(len(placed)), key=lambda i: best[i], default=-1)
    while i >= 0:
        chain.append(placed[i])
        i = back[i]
    return chain[::-1]


def _word_end(text: str, at: int) -> int:
    while at < len(text) and not text[at].isspace():
        at += 1
    return at
