"""A quote's closest version in a source: each fragment aligned by characters, then diffed word by word.

What the verifier shows for an altered quote: the source's own stretch (never ragged: it starts and
ends on the source's words), the word diff with changed figures and names flagged, and how similar
the two are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from .folding import Folded, fold
from .types import DiffOp, Document, Match, SourceRef, Span

_MAX_SLACK = 80  # characters either side of the aligned span searched for the source's own first/last word
# Word tokens keep inner apostrophes, hyphens and decimal marks ("don’t", "63.9", "1,600");
# punctuation between words is its own token so a changed mark shows in the diff.
_TOKEN = re.compile(r"\w+(?:[-'’.,:/]\w+)*|[^\w\s]+")


@dataclass(frozen=True)
class Fragment:
    """A piece of the quote between ellipses, and its offset in the quote."""

    text: str
    offset: int


def closest_version(doc: Document, hays: Sequence[Folded], quote: str, fragments: Sequence[Fragment]) -> Match | None:
    """The source's closest version of the quote: each fragment aligned in order, then diffed word by word."""
    after = 0
    found: list[Span] = []
    diff: list[DiffOp] = []
    similarity = coverage = 0.0
    for fragment in fragments:
        aligned = align(hays, fragment, after)
        if aligned is None:
            return None
        span, ops, kept = _diff(doc, aligned[1:], quote, fragment)
        found.append(span)
        diff.extend(ops)
        weight = len(fragment.text)
        similarity += weight * Indel.normalized_similarity(fold(fragment.text).text, fold(span.text).text)
        coverage += weight * kept
        after = span.end
    total = sum(len(f.text) for f in fragments)
    return match_at(doc, tuple(found), round(similarity / total, 4), False, tuple(diff), round(coverage / total, 4))


def align(hays: Sequence[Folded], fragment: Fragment, after: int) -> tuple[float, int, int] | None:
    """Score and original span of the fragment's best character alignment after offset ``after``."""
    needle = fold(fragment.text).text
    best: tuple[float, int, int] | None = None
    for hay in hays:
        offset = hay.index(after)
        if offset >= len(hay.text):
            continue
        alignment = fuzz.partial_ratio_alignment(needle, hay.text[offset:])
        if alignment is None or alignment.dest_end <= alignment.dest_start:
            continue
        if best is None or alignment.score > best[0]:
            start, end = hay.span(offset + alignment.dest_start, offset + alignment.dest_end)
            best = (alignment.score, start, end)
    return best


def _diff(
    doc: Document, aligned: tuple[int, int], quote: str, fragment: Fragment
) -> tuple[Span, list[DiffOp], float]:
    """Word diff of the fragment against the source near the aligned span, and the share of its words kept.

    The character alignment is as long as the quote, so a quote that dropped words ends short of the
    source's own end. The span's first and last source words are therefore searched within a few words
    either side: the best-fitting stretch of the source, no stray words.
    """
    text = doc.text
    slack = min(_MAX_SLACK, max(24, len(fragment.text)))
    region_start = word_start(text, max(0, aligned[0] - slack))
    region_end = word_end(text, min(len(text), aligned[1] + slack))
    q_tokens = [(m.start() + fragment.offset, m.end() + fragment.offset) for m in _TOKEN.finditer(fragment.text)]
    s_tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text, region_start, region_end)]
    if not q_tokens or not s_tokens:
        return Span(aligned[0], aligned[1], text[aligned[0] : aligned[1]]), [], 0.0
    q_keys = [fold(quote[s:e]).text for s, e in q_tokens]
    s_keys = [fold(text[s:e]).text for s, e in s_tokens]
    firsts = [i for i, (s, _) in enumerate(s_tokens) if s <= aligned[0] + slack]
    lasts = [j + 1 for j, (_, e) in enumerate(s_tokens) if e >= aligned[1] - slack]

    def cost(ij: tuple[int, int]) -> tuple[int, int]:
        # A quote word left unmatched costs twice a source word left out: a writer's trimmed quote keeps
        # the source's stretch whole, yet a stray match a few words on does not pull in a clause.
        length = ij[1] - ij[0]
        kept = (len(q_keys) + length - Indel.distance(q_keys, s_keys[ij[0] : ij[1]])) // 2
        return 2 * (len(q_keys) - kept) + (length - kept), ij[0]

    first, last = min(((i, j) for i in firsts for j in lasts if j > i), key=cost, default=(0, len(s_tokens)))
    s_tokens = s_tokens[first:last]
    ops = Levenshtein.opcodes(q_keys, s_keys[first:last])
    span_start, span_end = s_tokens[0][0], s_tokens[-1][1]
    result = []
    for op in ops:
        q_start, q_end = _cover(q_tokens, op.src_start, op.src_end)
        s_start, s_end = _cover(s_tokens, op.dest_start, op.dest_end)
        kind = {"equal": "equal", "replace": "changed", "delete": "added", "insert": "dropped"}[op.tag]
        q_text, s_text = quote[q_start:q_end], text[s_start:s_end]
        result.append(DiffOp(kind, q_text, q_start, q_end, s_text, s_start, s_end, _flag(kind, q_text, s_text)))
    kept = sum(op.src_end - op.src_start for op in ops if op.tag == "equal") / len(q_keys)
    return Span(span_start, span_end, text[span_start:span_end]), result, kept


def _cover(tokens: Sequence[tuple[int, int]], first: int, last: int) -> tuple[int, int]:
    """Offsets from the start of token ``first`` to the end of token ``last - 1``; an empty span at the gap otherwise."""
    if last > first:
        return tokens[first][0], tokens[last - 1][1]
    at = tokens[first][0] if first < len(tokens) else tokens[-1][1]
    return at, at


def _flag(kind: str, quote_text: str, source_text: str) -> str | None:
    """Mark a changed figure or proper name: the alterations a briefing writer must never miss."""
    if kind == "equal":
        return None
    changed = quote_text + " " + source_text
    if any(ch.isdigit() for ch in changed):
        return "number"
    if kind == "changed" and any(word[:1].isupper() for word in changed.split()):
        return "name"
    return None


def match_at(
    doc: Document,
    spans: tuple[Span, ...],
    similarity: float,
    folded: bool,
    diff: tuple[DiffOp, ...] = (),
    coverage: float = 1.0,
) -> Match:
    first = spans[0].start
    return Match(SourceRef.of(doc), doc.page_at(first), doc.paragraph_at(first), spans, similarity, coverage, folded, diff)


def word_start(text: str, offset: int) -> int:
    while offset > 0 and not text[offset - 1].isspace():
        offset -= 1
    return offset


def word_end(text: str, offset: int) -> int:
    while offset < len(text) and not text[offset].isspace():
        offset += 1
    return offset
