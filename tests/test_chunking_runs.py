"""Text without white space is cut into chunks that fit the model, at character boundaries, with exact offsets."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document, tiktoken_counter
from assistant.config import ChunkSettings
from assistant.types import Document

COUNT = tiktoken_counter("cl100k_base")


def doc(text: str) -> Document:
    return Document(id="d.txt", path="d.txt", title="d", publisher=None, text=text, sha256="0")


def word_pieces(text: str) -> int:
    """A strict stand-in for the model's word pieces: one per visible code point, none for white space (as WordPiece)."""
    return sum(not ch.isspace() for ch in text)


def test_a_megabyte_run_of_one_letter_becomes_many_chunks_within_both_limits() -> None:
    text = "a" * (1024 * 1024)
    chunks = chunk_document(doc(text), ChunkSettings(max_tokens=128, overlap_tokens=32), COUNT, word_pieces, 254)
    assert len(chunks) > 1000
    assert all(COUNT(c.text) <= 128 and word_pieces(c.text) <= 254 for c in chunks)
    assert "".join(c.text for c in chunks) == text  # cut pieces do not overlap and lose nothing
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_a_run_is_never_cut_before_a_combining_mark_and_multibyte_characters_stay_whole() -> None:
    text = "Intro sentence. " + "e\u0301😀" * 3000 + " tail words."
    chunks = chunk_document(doc(text), ChunkSettings(max_tokens=64, overlap_tokens=8), COUNT)
    assert len(chunks) > 10 and all(COUNT(c.text) <= 64 for c in chunks)
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert not unicodedata.combining(c.text[0])  # the accent stays with its letter
        c.text.encode("utf-8")  # whole code points: encodes without a lone surrogate
    assert chunks[-1].text.endswith("tail words.")


def test_words_around_a_long_run_keep_their_own_chunks() -> None:
    text = "The harbour board met on Tuesday. " + "x" * 5000 + " Then it adjourned."
    chunks = chunk_document(doc(text), ChunkSettings(max_tokens=32, overlap_tokens=8), COUNT)
    assert chunks[0].text == "The harbour board met on Tuesday."
    assert chunks[-1].text == "Then it adjourned."
    assert all("x" not in c.text or set(c.text) == {"x"} for c in chunks)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=3000))
def test_any_text_is_chunked_within_the_limits_with_exact_offsets(text: str) -> None:
    chunks = chunk_document(doc(text), ChunkSettings(max_tokens=16, overlap_tokens=4), COUNT, word_pieces, 40)
    for c in chunks:
        assert text[c.start : c.end] == c.text and c.text.strip()
        # The cl100k budget sums the pieces a window holds, not the white space between them (README, Chunks).
        gaps = sum(len(gap.encode()) for gap in re.findall(r"\s+", c.text))
        assert COUNT(c.text) <= 16 + gaps
        assert word_pieces(c.text) <= 40
