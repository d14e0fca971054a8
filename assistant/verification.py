"""Verify a quote against the sources: exact, altered (with a word-level diff) or not found.

Candidates come through the index (dense + BM25 over chunks, fused); only windows around those chunks
are folded and aligned, so a quote costs the same in a corpus of five documents or of thousands.
Every span returned is the source's own text: ``document.text[start:end] == span.text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from .alignment import Fragment, align, closest_version, match_at, word_end, word_start
from .candidates import find_candidates
from .config import SearchSettings, Settings
from .embedding import Embedder
from .errors import EmptyQueryError
from .folding import Folded, fold
from .fusion import rrf
from .quoting import sentences_in
from .segmentation import is_word_boundary
from .store import Snapshot
from .types import ALTERED, EXACT, NOT_FOUND, Document, Match, Span, Verification

_ELLIPSIS = re.compile(r"\s*(?:…|\.\s?\.\s?\.)\s*")
_OUTER_MARKS = "\"'“”‘’«»„‚ \t\r\n"


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

    for attempt in ((Fragment(quote, 0),), fragments):
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
    aligned = {sid: [align(hays[sid], f, 0) for f in unquoted] for sid in windows}
    best = sorted(windows, key=lambda sid: -sum(a[0] if a else 0.0 for a in aligned[sid]))[: desk.nearest]
    closest = sorted(
        (c for c in (closest_version(snapshot.documents[sid], hays[sid], quote, unquoted) for sid in best) if c),
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


def split_fragments(quote: str) -> tuple[Fragment, ...]:
    """The quote's pieces between ellipses ("…" or "..."), with their offsets in the quote."""
    fragments = []
    last = 0
    for m in [*_ELLIPSIS.finditer(quote), None]:
        end = m.start() if m else len(quote)
        if quote[last:end].strip():
            fragments.append(Fragment(quote[last:end], last))
        last = m.end() if m else last
    return tuple(fragments)


def _unquoted(fragment: Fragment) -> Fragment:
    """The fragment without the quote marks a writer puts around a quotation."""
    inner = fragment.text.lstrip(_OUTER_MARKS)
    offset = fragment.offset + len(fragment.text) - len(inner)
    return Fragment(inner.rstrip(_OUTER_MARKS), offset)


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
            (word_start(text, max(0, chunk.start - margin)), word_end(text, min(len(text), chunk.end + margin)))
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
    snapshot: Snapshot, windows: Windows, folded: dict[tuple[str, int, int], Folded], fragments: Sequence[Fragment]
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
            matches.append(match_at(doc, found, 1.0, is_folded))
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


def _as_sentences(doc: Document, spans: Sequence[tuple[int, int]], match: Match) -> Match:
    """A nearest passage shown whole: the sentences around its closest span, not a ragged alignment."""
    start, end = match.spans[0].start, match.spans[-1].end
    window = next(((s, e) for s, e in spans if s <= start < e), (start, end))
    covering = [(s, e) for s, e in sentences_in(doc, *window) if s < end and start < e] or [(start, end)]
    s, e = covering[0][0], covering[-1][1]
    return match_at(doc, (Span(s, e, doc.text[s:e]),), match.similarity, False, coverage=match.coverage)


