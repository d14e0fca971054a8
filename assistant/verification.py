"""Verify a quote against the sources: exact, altered (with a word-level diff) or not found.

Candidates come through the index (dense + BM25 over chunks, fused); only windows around those chunks
are folded and aligned, so a quote costs the same in a corpus of five documents or of thousands.
Every span returned is the source's own text: ``document.text[start:end] == span.text``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from .citations import cite
from .candidates import find_candidates
from .config import SearchSettings, Settings
from .embedding import Embedder
from .errors import EmptyQueryError
from .fusion import rrf
from .quoting import sentences_in
from .segmentation import is_word_boundary
from .store import Snapshot
from .types import Document, SourceRef

EXACT, ALTERED, NOT_FOUND = "exact", "altered", "not_found"
_MAX_SLACK = 80  # characters either side of the aligned span searched for the source's own first/last word

_ELLIPSIS = re.compile(r"\s*(?:…|\.\s?\.\s?\.)\s*")
_OUTER_MARKS = "\"'“”‘’«»„‚ \t\r\n"
# Word tokens keep inner apostrophes, hyphens and decimal marks ("don’t", "63.9", "1,600");
# punctuation between words is its own token so a changed mark shows in the diff.
_TOKEN = re.compile(r"\w+(?:[-'’.,:/]\w+)*|[^\w\s]+")
_FOLD_TABLE = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
}
# What folding may change: runs of white space, a lone non-space white-space character, non-ASCII.
_FOLDABLE = re.compile(r"\s{2,}|[^\S ]|[^\x00-\x7f]")


# -- results ------------------------------------------------------------------------------------


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


# -- folding ------------------------------------------------------------------------------------


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


# -- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fragment:
    text: str
    offset: int  # in the quote


def verify_quote(snapshot: Snapshot, embedder: Embedder, text: str, settings: Settings | None = None) -> Verification:
    """Say whether ``text`` stands in the sources verbatim, altered, or not at all.

    Candidates are found as ``settings.search`` says; the verdict's thresholds are ``settings.desk``.

    Raises:
        EmptyQueryError: the quote is empty or only white space and quote marks.
    """
    quote = text.strip()
    if not quote.strip(_OUTER_MARKS + "…."):
        raise EmptyQueryError("the quote is empty: paste the words to verify")
    settings = settings or Settings()
    desk = settings.desk
    fragments = split_fragments(quote)
    searched = [quote] + ([f.text for f in fragments] if len(fragments) > 1 else [])
    windows = _windows(snapshot, _candidate_rows(snapshot, embedder, searched, desk.verify_candidates, settings.search), len(quote))
    folded = {key: fold(snapshot.documents[key[0]].text[key[1] : key[2]], key[1]) for key in _window_keys(windows)}

    for attempt in ((_Fragment(quote, 0),), fragments):
        # The writer's own quote marks may or may not be in the source: places found with them come
        # first, then places found without them that are not the same place.
        matches = _exact_matches(snapshot, windows, folded, attempt)
        for match in _exact_matches(snapshot, windows, folded, tuple(_unquoted(f) for f in attempt)):
            if not any(_overlap(match, kept) for kept in matches):
                matches.append(match)
        if matches:
            return Verification(quote, EXACT, tuple(f.text for f in attempt), tuple(matches))

    unquoted = tuple(_unquoted(f) for f in fragments)
    # Word diffs cost more than character alignment: diff only the sources that align best.
    hays = {sid: [folded[(sid, s, e)] for s, e in spans] for sid, spans in windows.items()}
    aligned = {sid: [_align(hays[sid], f, 0) for f in unquoted] for sid in windows}
    best = sorted(windows, key=lambda sid: -sum(a[0] if a else 0.0 for a in aligned[sid]))[: desk.nearest]
    closest = sorted(
        (c for c in (_closest(snapshot.documents[sid], hays[sid], quote, unquoted) for sid in best) if c),
        key=lambda m: (-_closeness(m), -m.similarity),
    )
    texts = tuple(f.text for f in fragments)
    if closest and (
        closest[0].similarity >= desk.altered_min_similarity or closest[0].coverage >= desk.altered_min_coverage
    ):
        return Verification(quote, ALTERED, texts, (closest[0],))
    nearest = [_as_sentences(snapshot.documents[m.source.id], windows[m.source.id], m) for m in closest[: desk.nearest]]
    return Verification(quote, NOT_FOUND, texts, tuple(nearest))


def _closeness(match: Match) -> float:
    return max(match.similarity, match.coverage)


def split_fragments(quote: str) -> tuple[_Fragment, ...]:
    """The quote's pieces between ellipses ("…" or "..."), with their offsets in the quote."""
    fragments = []
    last = 0
    for m in [*_ELLIPSIS.finditer(quote), None]:
        end = m.start() if m else len(quote)
        if quote[last:end].strip():
            fragments.append(_Fragment(quote[last:end], last))
        last = m.end() if m else last
    return tuple(fragments)


def _unquoted(fragment: _Fragment) -> _Fragment:
    """The fragment without the quote marks a writer puts around a quotation."""
    inner = fragment.text.lstrip(_OUTER_MARKS)
    offset = fragment.offset + len(fragment.text) - len(inner)
    return _Fragment(inner.rstrip(_OUTER_MARKS), offset)


def _overlap(a: Match, b: Match) -> bool:
    return a.source.id == b.source.id and a.spans[0].start < b.spans[-1].end and b.spans[0].start < a.spans[-1].end


def _candidate_rows(
    snapshot: Snapshot, embedder: Embedder, texts: Sequence[str], depth: int, search: SearchSettings
) -> list[int]:
    """Candidate chunks of the quote and of each fragment, each found as a search finds them; the
    rankings of several texts are merged by reciprocal rank, which needs no common score scale."""
    runs = [
        find_candidates(snapshot, text, vector, depth, search).ranked
        for text, vector in zip(texts, embedder.encode(list(texts)), strict=True)
    ]
    return [row for row, _ in (runs[0] if len(runs) == 1 else rrf(runs))]


Windows = dict[str, list[tuple[int, int]]]


def _windows(snapshot: Snapshot, rows: Sequence[int], quote_length: int) -> Windows:
    """Per source (best-ranked first), the candidate chunks widened by the quote's length and merged.

    Widening lets a quote that starts in a candidate chunk run on past its end.
    """
    margin = quote_length + 64
    spans: dict[str, list[tuple[int, int]]] = {}
    for row in rows:
        chunk = snapshot.chunks[row]
        text = snapshot.documents[chunk.source_id].text
        spans.setdefault(chunk.source_id, []).append(
            (_word_start(text, max(0, chunk.start - margin)), _word_end(text, min(len(text), chunk.end + margin)))
        )
    merged: Windows = {}
    for sid, ranges in spans.items():
        out: list[tuple[int, int]] = []
        for start, end in sorted(ranges):
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        merged[sid] = out
    return merged


def _window_keys(windows: Windows) -> Iterator[tuple[str, int, int]]:
    for sid, spans in windows.items():
        for start, end in spans:
            yield (sid, start, end)


def _exact_matches(
    snapshot: Snapshot, windows: Windows, folded: dict[tuple[str, int, int], Folded], fragments: Sequence[_Fragment]
) -> list[Match]:
    """Every place the fragments stand verbatim, in order and in one source, on word boundaries."""
    needles = [fold(f.text).text for f in fragments]
    if not all(needles):
        return []
    matches = []
    for sid, spans in windows.items():
        doc = snapshot.documents[sid]
        for chain in _chains(doc, [folded[(sid, s, e)] for s, e in spans], needles):
            found = tuple(Span(s, e, doc.text[s:e]) for s, e in chain)
            is_folded = any(span.text != f.text for span, f in zip(found, fragments, strict=True))
            matches.append(_match(doc, found, 1.0, is_folded))
    return matches


def _chains(doc: Document, hays: Sequence[Folded], needles: Sequence[str]) -> Iterator[list[tuple[int, int]]]:
    """Original spans of the first needle's every occurrence, each followed by the rest in order."""
    for first in _occurrences(doc, hays, needles[0], 0):
        chain = [first]
        for needle in needles[1:]:
            following = next(_occurrences(doc, hays, needle, chain[-1][1]), None)
            if following is None:
                break
            chain.append(following)
        else:
            yield chain


def _occurrences(doc: Document, hays: Sequence[Folded], needle: str, after: int) -> Iterator[tuple[int, int]]:
    for hay in hays:
        at = hay.text.find(needle, hay.index(after))
        while at >= 0:
            start, end = hay.span(at, at + len(needle))
            if is_word_boundary(doc.text, start) and is_word_boundary(doc.text, end):
                yield start, end
            at = hay.text.find(needle, at + 1)


def _closest(doc: Document, hays: Sequence[Folded], quote: str, fragments: Sequence[_Fragment]) -> Match | None:
    """The source's closest version of the quote: each fragment aligned in order, then diffed word by word."""
    after = 0
    found: list[Span] = []
    diff: list[DiffOp] = []
    similarity = coverage = 0.0
    for fragment in fragments:
        aligned = _align(hays, fragment, after)
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
    return _match(doc, tuple(found), round(similarity / total, 4), False, tuple(diff), round(coverage / total, 4))


def _align(hays: Sequence[Folded], fragment: _Fragment, after: int) -> tuple[float, int, int] | None:
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
    doc: Document, aligned: tuple[int, int], quote: str, fragment: _Fragment
) -> tuple[Span, list[DiffOp], float]:
    """Word diff of the fragment against the source near the aligned span, and the share of its words kept.

    The character alignment is as long as the quote, so a quote that dropped words ends short of the
    source's own end. The span's first and last source words are therefore searched within a few words
    either side: the best-fitting stretch of the source, no stray words.
    """
    text = doc.text
    slack = min(_MAX_SLACK, max(24, len(fragment.text)))
    region_start = _word_start(text, max(0, aligned[0] - slack))
    region_end = _word_end(text, min(len(text), aligned[1] + slack))
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


def _as_sentences(doc: Document, spans: Sequence[tuple[int, int]], match: Match) -> Match:
    """A nearest passage shown whole: the sentences around its closest span, not a ragged alignment."""
    start, end = match.spans[0].start, match.spans[-1].end
    window = next(((s, e) for s, e in spans if s <= start < e), (start, end))
    covering = [(s, e) for s, e in sentences_in(doc, *window) if s < end and start < e] or [(start, end)]
    s, e = covering[0][0], covering[-1][1]
    return _match(doc, (Span(s, e, doc.text[s:e]),), match.similarity, False, coverage=match.coverage)


def _match(
    doc: Document,
    spans: tuple[Span, ...],
    similarity: float,
    folded: bool,
    diff: tuple[DiffOp, ...] = (),
    coverage: float = 1.0,
) -> Match:
    first = spans[0].start
    return Match(SourceRef.of(doc), doc.page_at(first), doc.paragraph_at(first), spans, similarity, coverage, folded, diff)


def _word_start(text: str, offset: int) -> int:
    while offset > 0 and not text[offset - 1].isspace():
        offset -= 1
    return offset


def _word_end(text: str, offset: int) -> int:
    while offset < len(text) and not text[offset].isspace():
        offset += 1
    return offset


# -- presentation -------------------------------------------------------------------------------


def match_citation(match: Match) -> str:
    """``“span … span” — Title (Publisher), para 12``: the source's own words, fragments joined by an ellipsis."""
    return cite(match.source, " … ".join(span.text for span in match.spans), match.page, match.paragraph)


# Each verdict's word and what it means, as the CLI and the app show them.
VERDICT_HEADS = {
    EXACT: ("EXACT", "the quote stands verbatim in the sources"),
    ALTERED: ("ALTERED", "the closest passage says something different"),
    NOT_FOUND: ("NOT FOUND", "no passage is close; the nearest ones below do not support the quote"),
}


def to_text(verification: Verification) -> str:
    """The terminal text of ``verify``: the verdict, then each place with its citation and, if altered, the diff.

    In the diff ``[-words-]`` are source words the quote drops, ``{+words+}`` words it adds, and
    ``[~source -> quote~]`` words it changes, with "(number)" or "(name)" after a changed figure or name.
    """
    head = "{}: {}".format(*VERDICT_HEADS[verification.verdict])
    if verification.folded:
        head += " (after folding quote marks, dashes or white space)"
    lines = [head]
    for n, match in enumerate(verification.matches, start=1):
        lines.append(f"{n}. {match_citation(match)}  [similarity {match.similarity:.2f}]")
        if match.diff:
            lines.append("   Diff: " + " ".join(_diff_text(op) for op in match.diff))
    return "\n".join(lines)


def _diff_text(op: DiffOp) -> str:
    flag = f" ({op.flag})" if op.flag else ""
    if op.op == "equal":
        return op.quote_text
    if op.op == "dropped":
        return f"[-{op.source_text}-]{flag}"
    if op.op == "added":
        return f"{{+{op.quote_text}+}}{flag}"
    return f"[~{op.source_text} -> {op.quote_text}~]{flag}"


def to_json(verification: Verification) -> dict[str, Any]:
    """The ``verify --json`` object."""
    return {
        "quote": verification.quote,
        "verdict": verification.verdict,
        "folded": verification.folded,
        "similarity": verification.similarity,
        "fragments": list(verification.fragments),
        "matches": [{**asdict(m), "citation": match_citation(m)} for m in verification.matches],
    }
