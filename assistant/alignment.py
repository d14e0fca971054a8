"""A quote's closest version in a source: each fragment aligned by characters, then diffed word by word.

What the verifier shows for an altered quote: the source's own stretch (never ragged: it starts and
ends on the source's words), the word diff with changed figures and names flagged, and how similar
the two are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel, Levenshtein

from .bounded_alignment import align as align_text
from .budget import check
from .folding import Folded, fold
from .types import DiffOp, Document, Match, SourceRef, Span

_MAX_SLACK = 80  # characters either side of the aligned span searched for the source's own first/last word
_LONG_TOKENS = 64  # words: a longer quote takes its span's ends from one word alignment (_aligned_ends)
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
        check()
        offset = hay.index(after)
        if offset >= len(hay.text):
            continue
        found = align_text(needle, hay.text, offset)
        if found is not None and (best is None or found.score > best[0]):
            best = (found.score, *hay.span(found.start, found.end))
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
    q_keys = [_token_key(quote[s:e]) for s, e in q_tokens]
    s_keys = [_token_key(text[s:e]) for s, e in s_tokens]
    if len(q_keys) > _LONG_TOKENS:
        first, last = _aligned_ends(q_keys, s_keys)
    else:
        first, last = _best_ends(q_keys, s_keys, s_tokens, aligned, slack)
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


def _token_key(token: str) -> str:
    # A token holds no white space, so folding can only change its non-ASCII characters.
    return token if token.isascii() else fold(token).text


def _best_ends(
    q_keys: Sequence[str],
    s_keys: Sequence[str],
    s_tokens: Sequence[tuple[int, int]],
    aligned: tuple[int, int],
    slack: int,
) -> tuple[int, int]:
    """The source's first and last token for the quote: every pair near the aligned ends tried, the cheapest kept."""
    firsts = [i for i, (s, _) in enumerate(s_tokens) if s <= aligned[0] + slack]
    lasts = [j + 1 for j, (_, e) in enumerate(s_tokens) if e >= aligned[1] - slack]

    def cost(ij: tuple[int, int]) -> tuple[int, int]:
        # A quote word left unmatched costs twice a source word left out: a writer's trimmed quote keeps
        # the source's stretch whole, yet a stray match a few words on does not pull in a clause.
        length = ij[1] - ij[0]
        kept = (len(q_keys) + length - Indel.distance(q_keys, s_keys[ij[0] : ij[1]])) // 2
        return 2 * (len(q_keys) - kept) + (length - kept), ij[0]

    return min(((i, j) for i in firsts for j in lasts if j > i), key=cost, default=(0, len(s_tokens)))


def _aligned_ends(q_keys: Sequence[str], s_keys: Sequence[str]) -> tuple[int, int]:
    """The source's first and last token for a long quote: the first and last source words that one word
    alignment of the whole region pairs with the quote's (kept or changed). Trying every pair of ends, as for a
    short quote, costs words x ends squared."""
    kept = [op for op in Levenshtein.opcodes(q_keys, s_keys) if op.tag in ("equal", "replace")]
    if not kept:
        return 0, len(s_keys)
    return kept[0].dest_start, max(kept[-1].dest_end, kept[0].dest_start + 1)


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
