"""Folding for quote matching: curly quotes, dashes, ligatures and white space made comparable, with
every folded character mapped back to its offset in the original text (offsets are the truth)."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_FOLD_TABLE = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
}
# What folding may change: runs of white space, a lone non-space white-space character, non-ASCII.
_FOLDABLE = re.compile(r"\s{2,}|[^\S ]|[^\x00-\x7f]")

@dataclass(frozen=True)
class Folded:
    """Text with quote marks, dashes and white space folded, and where each folded character came from."""

    text: str
    starts: list[int]  # original offset of folded character i
    ends: list[int]  # original end of the character (or white-space run) that produced it

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the folded slice ``[start, end)`` (non-empty)."""
        return self.starts[start], self.ends[end - 1]

    def index(self, original: int) -> int:
        """First folded position at or after an original offset."""
        return bisect.bisect_left(self.starts, original)


def fold(text: str, offset: int = 0) -> Folded:
    """Fold curly quotes, dashes, ellipses, ligatures and white space; offsets map back (plus ``offset``)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for m in _FOLDABLE.finditer(text):
        if m.start() > last:
            out.append(text[last : m.start()])
            starts.extend(range(offset + last, offset + m.start()))
            ends.extend(range(offset + last + 1, offset + m.start() + 1))
        piece = " " if m.group().isspace() else _fold_char(m.group())
        out.append(piece)
        starts.extend([offset + m.start()] * len(piece))
        ends.extend([offset + m.end()] * len(piece))
        last = m.end()
    out.append(text[last:])
    starts.extend(range(offset + last, offset + len(text)))
    ends.extend(range(offset + last + 1, offset + len(text) + 1))
    return Folded("".join(out), starts, ends)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = _FOLD_TABLE.get(char)
    return folded if folded is not None else unicodedata.normalize("NFKC", char)
