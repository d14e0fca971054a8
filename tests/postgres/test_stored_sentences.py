"""Sentence vectors stored with the index, on both stores: a question costs one model call, and its quotes
do not depend on whether the index was just built, re-opened or updated incrementally."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.config import ModelSettings
from assistant.onnx_embedding import TokenOutput, normalise
from assistant.quoting import sentences_in

from .conftest import make_assistant

_WORD = re.compile(r"\w+")
QUESTIONS = (
    "How many allegations is the unit investigating?",
    "Who leads the unit?",
    "Why did Cressida Dick resign?",
    "What did the inspectors say about call handling?",
)


class TokenFake:
    """A model-free embedder with token embeddings: each word a hashed one-hot vector, [CLS] and [SEP] one of
    their own; a text's vector is the normalised mean of its tokens, as the real model's. ``calls`` counts
    every model call (``encode`` or ``token_embeddings``) and the texts it read."""

    name = "fake-tokens"
    dim = 64
    max_tokens = 254

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))

    def token_embeddings(self, texts: Sequence[str]) -> list[TokenOutput]:
        self.calls.append(list(texts))
        return [self._tokens(text) for text in texts]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        means = [self._tokens(text).vectors.mean(axis=0) for text in texts]
        return normalise(np.array(means, dtype=np.float32).reshape(len(texts), self.dim))

    def _tokens(self, text: str) -> TokenOutput:
        words = [(m.start(), m.end()) for m in _WORD.finditer(text.lower())][: self.max_tokens]
        rows = [0] + [1 + int(hashlib.sha256(text[s:e].lower().encode()).hexdigest(), 16) % (self.dim - 1) for s, e in words] + [0]
        offsets = np.array([(0, 0), *words, (0, 0)], dtype=np.int64)
        return TokenOutput(np.eye(self.dim, dtype=np.float32)[rows], offsets)


def _quotes(assistant) -> list[list[tuple[str, int, int]]]:  # type: ignore[no-untyped-def]
    return [
        [(p.source.id, p.quote.start, p.quote.end) for p in assistant.search(q, k=5).results] for q in QUESTIONS
    ]


@pytest.mark.parametrize("method", ["pooled", "separate"])
def test_quotes_are_the_same_built_fresh_reopened_and_after_an_incremental_build(
    sources: Path, store_url: str | None, tmp_path: Path, method: str
) -> None:
    settings = Settings(model=ModelSettings(sentence_vectors=method))
    built = make_assistant(sources, store_url, tmp_path / "index", TokenFake(), settings=settings)
    built.refresh()
    fresh = _quotes(built)
    reopened = make_assistant(sources, store_url, tmp_path / "index", TokenFake(), settings=settings)
    assert _quotes(reopened) == fresh

    extra = sources / "zz_extra.txt"
    extra.write_text("The lighthouse keeper counted forty-two herons. Nobody else saw them.\n", encoding="utf-8")
    embedder = TokenFake()
    updated = make_assistant(sources, store_url, tmp_path / "index", embedder, settings=settings)
    report = updated.refresh()
    assert report.added == ("zz_extra.txt",)
    assert {t for call in embedder.calls for t in call} <= {
        *(c.text for c in updated.snapshot.chunks if c.source_id == "zz_extra.txt"),
        "The lighthouse keeper counted forty-two herons.", "Nobody else saw them.",
    }  # only the new document was read by the model
    rebuilt = make_assistant(sources, None, tmp_path / "rebuilt", TokenFake(), settings=settings)
    rebuilt.refresh()
    assert _quotes(updated) == _quotes(rebuilt)  # as if built from scratch with the new document


@pytest.fixture
def built(sources: Path, store_url: str | None, tmp_path: Path) -> tuple[Assistant, TokenFake]:
    """The shipped articles indexed on the test's store with the token fake, sentences pooled."""
    embedder = TokenFake()
    settings = Settings(model=ModelSettings(sentence_vectors="pooled"))
    assistant = make_assistant(sources, store_url, tmp_path / "index", embedder, settings=settings)
    assistant.refresh()
    return assistant, embedder


def test_a_search_and_its_reported_also_by_make_exactly_one_model_call(built: tuple[Assistant, TokenFake]) -> None:
    assistant, embedder = built
    for question in QUESTIONS:
        embedder.calls.clear()
        result = assistant.search(question, k=5)
        assistant.reported_also_by(result.results[0])
        assert embedder.calls == [[question]]


def test_stored_spans_are_each_chunks_sentences_verbatim(built: tuple[Assistant, TokenFake]) -> None:
    snapshot = built[0].snapshot
    rows = [row for row, _ in snapshot.chunk_rows()]
    for row, stored in zip(rows, snapshot.sentences(rows), strict=True):
        chunk = snapshot.chunks[row]
        doc = snapshot.documents[chunk.source_id]
        assert list(stored.spans) == sentences_in(doc, chunk.start, chunk.end)
        assert all(chunk.start <= s < e <= chunk.end and doc.text[s:e].strip() for s, e in stored.spans)
        assert stored.vectors.shape == (len(stored.spans), TokenFake.dim)
        assert np.allclose(np.linalg.norm(stored.vectors, axis=1), 1.0, atol=2e-3)


def test_pooled_sentences_are_the_mean_of_their_own_tokens_in_the_chunk(built: tuple[Assistant, TokenFake]) -> None:
    snapshot, embedder = built[0].snapshot, built[1]
    row, chunk = next(iter(snapshot.chunk_rows()))
    stored = snapshot.sentences([row])[0]
    text = snapshot.documents[chunk.source_id].text
    for (s, e), vector in zip(stored.spans, stored.vectors, strict=True):
        words = embedder._tokens(text[s:e]).vectors[1:-1].mean(axis=0)  # its words, without [CLS] and [SEP]
        assert np.allclose(vector, words / np.linalg.norm(words), atol=2e-3)
