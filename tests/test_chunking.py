"""Chunks are exact, sentence-aligned windows that fit both the configured budget and the model."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document, tiktoken_counter
from assistant.config import ChunkSettings
from assistant.errors import SettingsError
from assistant.segmentation import is_word_boundary, paragraph_spans, sentence_spans
from assistant.types import Document

COUNT = tiktoken_counter("cl100k_base")
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé0123456789", min_size=1, max_size=12)
SENTENCES = st.lists(WORDS, min_size=1, max_size=30).map(lambda ws: " ".join(ws).capitalize() + ".")
PARAGRAPHS = st.lists(SENTENCES, min_size=1, max_size=6).map(" ".join)
TEXTS = st.lists(PARAGRAPHS, min_size=1, max_size=8).map("\n".join)


def doc(text: str) -> Document:
    return Document(id="d.txt", path="d.txt", title="d", publisher=None, text=text, sha256="0")


def test_sentences_split_on_terminal_punctuation_but_not_titles_or_decimals() -> None:
    text = "Det Supt. Annette Clark spoke. It answers 63.9% of calls!\n“We don’t want them.” She left."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Det Supt. Annette Clark spoke.",
        "It answers 63.9% of calls!",
        "“We don’t want them.”",
        "She left.",
    ]


def test_a_sentence_never_crosses_a_line_break() -> None:
    text = "A heading without a full stop\nThe body starts here."
    assert [text[s:e] for s, e in sentence_spans(text)] == ["A heading without a full stop", "The body starts here."]


@settings(max_examples=60, deadline=None)
@given(TEXTS, st.sampled_from([(32, 0), (48, 12), (128, 32)]))
def test_chunks_are_exact_spans_that_cover_all_the_text(text: str, budget: tuple[int, int]) -> None:
    d = doc(text)
    chunks = chunk_document(d, ChunkSettings(max_tokens=budget[0], overlap_tokens=budget[1]), COUNT)
    for chunk in chunks:
        assert d.text[chunk.start : chunk.end] == chunk.text
        assert is_word_boundary(d.text, chunk.start) and is_word_boundary(d.text, chunk.end)
        # Sentences are measured one by one; each join may shift a token across the boundary.
        assert COUNT(chunk.text) <= budget[0] + len(sentence_spans(chunk.text))
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    # Every character that is not white space is in some chunk: nothing is hidden from search.
    assert {i for i, ch in enumerate(text) if not ch.isspace()} <= covered


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    text = " ".join(f"Sentence number {i} says something about the unit." for i in range(40))
    chunks = chunk_document(doc(text), ChunkSettings(max_tokens=48, overlap_tokens=12), COUNT)
    assert len(chunks) > 3
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.start < before.end  # overlap
        assert after.start > before.start  # progress
        assert text[after.start - 2 : after.start] == ". "  # starts on a sentence


def test_an_over_long_sentence_is_split_between_words() -> None:
    text = " ".join(["allegation"] * 400) + "."
    chunks = chunk_document(doc(text), ChunkSettings(max_tokens=64, overlap_tokens=0), COUNT)
    assert len(chunks) > 1
    assert all(is_word_boundary(text, c.start) and is_word_boundary(text, c.end) for c in chunks)
    assert "".join(c.text + " " for c in chunks).strip() == text


def test_the_model_limit_caps_a_window_even_when_the_budget_allows_more() -> None:
    text = " ".join(f"Word{i} word word." for i in range(200))
    words = lambda t: len(t.split())  # noqa: E731 - a stand-in tokenizer
    chunks = chunk_document(doc(text), ChunkSettings(max_tokens=2000, overlap_tokens=0), COUNT, words, 30)
    assert len(chunks) > 1
    assert all(words(c.text) <= 30 for c in chunks)


def test_settings_are_validated_with_the_field_named() -> None:
    with pytest.raises(SettingsError, match="overlap_tokens"):
        ChunkSettings(max_tokens=64, overlap_tokens=64)
    with pytest.raises(SettingsError, match="max_tokens"):
        ChunkSettings(max_tokens=4)


@pytest.mark.integration
def test_no_chunk_of_the_articles_exceeds_what_the_model_reads(articles) -> None:  # type: ignore[no-untyped-def]
    tokenizer = articles.embedder.model.tokenizer
    limit = articles.embedder.model.max_seq_length
    for chunk in articles.snapshot.chunks:
        assert len(tokenizer(chunk.text)["input_ids"]) <= limit, chunk.id


@pytest.mark.integration
def test_a_dense_text_is_chunked_within_the_model_limit(real_embedder) -> None:  # type: ignore[no-untyped-def]
    # Numbers and rare words cost many more word pieces than cl100k tokens.
    text = " ".join(f"Ref {i * 7919}-{i * 104729}/XQZ{i}." for i in range(300))
    chunks = chunk_document(
        doc(text), ChunkSettings(max_tokens=256, overlap_tokens=0), COUNT, real_embedder.count_tokens, real_embedder.max_tokens
    )
    limit = real_embedder.model.max_seq_length
    assert all(len(real_embedder.model.tokenizer(c.text)["input_ids"]) <= limit for c in chunks)


def test_an_index_chunked_by_an_older_chunker_is_not_reused(tmp_path, fake_embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant import config
    from assistant.service import Assistant

    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.txt").write_text("One sentence. Another one.", encoding="utf-8")
    Assistant(tmp_path / "s", tmp_path / "i", embedder=fake_embedder).refresh()
    monkeypatch.setattr(config, "CHUNKER_VERSION", config.CHUNKER_VERSION + 1)
    assistant = Assistant(tmp_path / "s", tmp_path / "i", embedder=fake_embedder)
    assert not assistant.is_current()
    assert assistant.refresh().embedded_chunks == 1


# The "packed" unit: a news article is one short paragraph per line ("It was looking into 625 misconduct
# allegations, …"); alone, such a paragraph is a chunk too short to carry its subject, packed with its neighbours it
# is not, and no paragraph or sentence is ever cut to fill a window.
ITV = Path(__file__).parents[1] / "sources" / "001_3bd223bcd275ebfb.txt"
def packed(d: Document, max_tokens: int = 128, overlap: int = 32, model_limit: int = 254) -> list[tuple[int, int]]:
    chunks = chunk_document(d, ChunkSettings(max_tokens=max_tokens, overlap_tokens=overlap, unit="packed"), COUNT, COUNT, model_limit)
    assert all(d.text[c.start : c.end] == c.text for c in chunks)
    return [(c.start, c.end) for c in chunks]


def test_the_articles_short_paragraphs_are_packed_whole_into_windows() -> None:
    article = doc(ITV.read_text(encoding="utf-8"))
    spans = packed(article)
    starts = {s for s, _ in paragraph_spans(article.text)}
    ends = {e for _, e in paragraph_spans(article.text)}
    assert all(start in starts and end in ends for start, end in spans)  # every chunk is whole paragraphs
    assert len(spans) < len(starts)  # several paragraphs to a chunk
    # The next window opens on a whole paragraph and carries the ones after it.
    allegations = next(article.text[s:e] for s, e in spans if article.text[s:e].startswith("It was looking into 625"))
    assert "as of 18 August.\n\nAlleged victims include members of the public" in allegations


def test_a_paragraph_the_model_cannot_read_whole_is_windowed_between_its_sentences() -> None:
    long = " ".join(f"Officer {i} was accused of misconduct in a case the unit reviewed." for i in range(40))
    text = f"A short opening paragraph.\n\n{long}\n\nA short closing paragraph."
    d = doc(text)
    spans = packed(d, max_tokens=64, overlap=16, model_limit=100)
    sentence_edges = {e for s, e in sentence_spans(text)} | {s for s, e in sentence_spans(text)}
    begins, ends = text.index(long), text.index(long) + len(long)
    inside = [(s, e) for s, e in spans if begins <= s and e <= ends]
    assert len(inside) > 1 and all(s in sentence_edges and e in sentence_edges for s, e in inside)
    # The long paragraph is windowed on its own: its neighbours are chunks of their own, never packed into it.
    assert (0, len("A short opening paragraph.")) in spans
    assert (text.index("A short closing"), len(text)) in spans


@settings(max_examples=40, deadline=None)
@given(TEXTS, st.sampled_from([(48, 12, 80), (128, 32, 254)]))
def test_packed_chunks_never_cut_a_paragraph_that_fits_and_cover_all_the_text(text: str, budget: tuple[int, int, int]) -> None:
    d = doc(text)
    spans = packed(d, *budget)
    for start, end in paragraph_spans(text):
        if COUNT(text[start:end]) <= budget[2]:
            # A paragraph the model reads whole lies whole inside a chunk; no chunk starts or ends inside it.
            assert any(s <= start and end <= e for s, e in spans)
            assert not any(start < s < end or start < e < end for s, e in spans)
    covered = {i for s, e in spans for i in range(s, e)}
    assert {i for i, ch in enumerate(text) if not ch.isspace()} <= covered


def test_an_index_built_with_windows_is_rebuilt_not_reused_when_the_settings_ask_for_packed_paragraphs(
    tmp_path, fake_embedder
) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from assistant.config import Settings
    from assistant.service import Assistant

    (tmp_path / "s").mkdir()
    text = "\n".join(f"Paragraph {i} says the unit reviewed {i} cases. It found misconduct in some." for i in range(30))
    (tmp_path / "s" / "a.txt").write_text(text, encoding="utf-8")
    Assistant(tmp_path / "s", tmp_path / "i", embedder=fake_embedder).refresh()
    packed_settings = replace(Settings(), chunk=ChunkSettings(unit="packed"))
    assistant = Assistant(tmp_path / "s", tmp_path / "i", settings=packed_settings, embedder=fake_embedder)
    assert not assistant.is_current()
    assert assistant.refresh().embedded_chunks > 0
    starts = {s for s, _ in paragraph_spans(text)}
    assert all(chunk.start in starts for chunk in assistant.snapshot.chunks)
