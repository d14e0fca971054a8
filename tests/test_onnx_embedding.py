"""The ONNX export gives the vectors sentence-transformers gives, for the real sentences of the sources."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embedding import SentenceTransformerEmbedder
from assistant.errors import AssistantError
from assistant.onnx_embedding import OnnxEmbedder
from assistant.segmentation import paragraph_spans, sentence_spans
from assistant.sources import load_corpus

SOURCES = Path(__file__).resolve().parent.parent / "sources"
AGREEMENT = 1e-4  # cosine distance the issue allows between the two runtimes


@pytest.fixture(scope="module")
def onnx_embedder(onnx_export: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_export, threads=0)


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    documents, _ = load_corpus(SOURCES)
    # Every sentence, then every paragraph: a few hundred texts from one to over 256 word pieces.
    found = [doc.text[s:e] for doc in documents for s, e in sentence_spans(doc.text)]
    found += [doc.text[s:e] for doc in documents for s, e in paragraph_spans(doc.text)]
    assert len(found) >= 250
    return found


@pytest.mark.integration
def test_vectors_agree_with_sentence_transformers_within_1e_4(
    onnx_embedder: OnnxEmbedder, real_embedder: SentenceTransformerEmbedder, sentences: list[str]
) -> None:
    ours = onnx_embedder.encode(sentences)
    theirs = real_embedder.encode(sentences)
    distance = 1.0 - np.sum(ours * theirs, axis=1)
    assert ours.shape == theirs.shape == (len(sentences), 384)
    assert float(distance.max()) <= AGREEMENT
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@pytest.mark.integration
def test_one_query_alone_matches_the_same_text_in_a_padded_batch(
    onnx_embedder: OnnxEmbedder, sentences: list[str]
) -> None:
    alone = onnx_embedder.encode([sentences[0]])
    batched = onnx_embedder.encode(sentences[:40])
    assert float(1.0 - alone[0] @ batched[0]) <= AGREEMENT


@pytest.mark.integration
def test_text_longer_than_the_model_reads_is_truncated_like_sentence_transformers(
    onnx_embedder: OnnxEmbedder, real_embedder: SentenceTransformerEmbedder, sentences: list[str]
) -> None:
    long_text = " ".join(sentences[:40])
    assert onnx_embedder.count_tokens(long_text) > onnx_embedder.max_tokens
    assert float(1.0 - onnx_embedder.encode([long_text])[0] @ real_embedder.encode([long_text])[0]) <= AGREEMENT


@pytest.mark.integration
def test_token_counts_are_the_model_tokenizer_s(
    onnx_embedder: OnnxEmbedder, real_embedder: SentenceTransformerEmbedder, sentences: list[str]
) -> None:
    sample = sentences[::7]
    assert [onnx_embedder.count_tokens(s) for s in sample] == [real_embedder.count_tokens(s) for s in sample]
    assert onnx_embedder.max_tokens == real_embedder.max_tokens == 254


@pytest.mark.integration
def test_token_embeddings_carry_character_offsets_into_each_text(onnx_embedder: OnnxEmbedder) -> None:
    texts = ["Daso was formed in January.", "The unit is investigating 625 allegations against officers."]
    outputs = onnx_embedder.token_embeddings(texts)
    for text, output in zip(texts, outputs, strict=True):
        assert output.vectors.shape == (len(output.offsets), 384)
        pieces = output.offsets[1:-1]
        assert (0, 0) == tuple(output.offsets[0]) == tuple(output.offsets[-1])  # [CLS] and [SEP]
        assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
        assert all(a[1] <= b[0] for a, b in zip(pieces, pieces[1:]))  # in order, never overlapping
        assert "".join(text[s:e] for s, e in pieces) == text.replace(" ", "")


def test_a_missing_export_is_named_in_a_clear_error(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(tmp_path / "absent.onnx")
    with pytest.raises(AssistantError, match=r"absent\.onnx.*export_onnx"):
        embedder.encode(["a question"])
