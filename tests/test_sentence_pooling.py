"""Sentence vectors made at index time: separately embedded, or pooled from the chunk's own token embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding import SentenceTransformerEmbedder
from assistant.onnx_embedding import OnnxEmbedder, TokenOutput
from assistant.segmentation import sentence_spans
from assistant.sentence_pooling import SentenceTransformerTokens, embedded_separately, pooled_from_tokens

CHUNKS = [
    "The unit was formed in January. It has 625 cases.",
    "It has 625 cases. Officers face misconduct hearings.",
]


class OneHotTokens:
    """Token i of a text is the unit vector e_(i mod dim), with word offsets and [CLS]/[SEP] at (0, 0)."""

    dim = 16

    def token_embeddings(self, texts: Sequence[str]) -> list[TokenOutput]:
        outputs = []
        for text in texts:
            words, start = [], 0
            for word in text.split():
                start = text.index(word, start)
                words.append((start, start + len(word)))
                start += len(word)
            offsets = np.array([(0, 0), *words, (0, 0)], dtype=np.int64)
            vectors = np.eye(self.dim, dtype=np.float32)[np.arange(len(offsets)) % self.dim]
            outputs.append(TokenOutput(vectors, offsets))
        return outputs


def test_pooled_sentence_is_the_mean_of_its_own_tokens_and_the_chunk_the_mean_of_all() -> None:
    spans = [sentence_spans(CHUNKS[0])]
    result = pooled_from_tokens(OneHotTokens(), CHUNKS[:1], spans)
    # Tokens: [CLS]=0, "The".."January."=1..6, "It".."cases."=7..10, [SEP]=11.
    first, second = result.of_chunk(0)
    assert np.flatnonzero(first).tolist() == [1, 2, 3, 4, 5, 6]
    assert np.flatnonzero(second).tolist() == [7, 8, 9, 10]
    assert np.flatnonzero(result.chunks[0]).tolist() == list(range(12))
    assert np.allclose(np.linalg.norm(result.sentences, axis=1), 1.0)


def test_each_chunk_keeps_its_own_sentence_rows_in_span_order() -> None:
    spans = [sentence_spans(text) for text in CHUNKS]
    result = pooled_from_tokens(OneHotTokens(), CHUNKS, spans)
    assert result.starts.tolist() == [0, 2, 4]
    assert result.chunks.shape == (2, OneHotTokens.dim)
    assert result.sentences.shape == (4, OneHotTokens.dim)
    assert np.flatnonzero(result.of_chunk(1)[0]).tolist() == [1, 2, 3, 4]  # "It has 625 cases." in chunk 2


def test_separate_embedding_embeds_a_sentence_shared_by_two_chunks_once(fake_embedder) -> None:  # type: ignore[no-untyped-def]
    spans = [sentence_spans(text) for text in CHUNKS]
    result = embedded_separately(fake_embedder, CHUNKS, spans)
    assert fake_embedder.calls.count("It has 625 cases.") == 1
    assert np.array_equal(result.of_chunk(0)[1], result.of_chunk(1)[0])
    assert np.allclose(result.of_chunk(1)[1], fake_embedder.encode(["Officers face misconduct hearings."])[0])
    assert np.allclose(result.chunks, fake_embedder.encode(CHUNKS))


@pytest.mark.integration
def test_one_pass_gives_the_model_s_chunk_vectors_with_either_runtime(
    real_embedder: SentenceTransformerEmbedder, onnx_export: Path
) -> None:
    spans = [sentence_spans(text) for text in CHUNKS]
    torch_pass = pooled_from_tokens(SentenceTransformerTokens(real_embedder.model), CHUNKS, spans)
    onnx_pass = pooled_from_tokens(OnnxEmbedder(onnx_export), CHUNKS, spans)
    expected = real_embedder.encode(CHUNKS)
    assert float((1 - np.sum(torch_pass.chunks * expected, axis=1)).max()) <= 1e-4
    assert float((1 - np.sum(onnx_pass.sentences * torch_pass.sentences, axis=1)).max()) <= 1e-4
