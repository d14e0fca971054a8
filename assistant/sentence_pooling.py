"""Sentence vectors for quote choice, computed at index time beside the chunk vectors.

Two ways, measured against each other in bench/sentence_vectors.py:

- ``embedded_separately``: every distinct sentence text goes through the model on its own, as the
  quotes are chosen today on demand (the same vectors), at the cost of a second pass over the text.
- ``pooled_from_tokens``: one pass over the chunks; each chunk's vector is the mean of all its token
  embeddings (exactly what sentence-transformers returns) and each sentence's is the mean of the
  tokens that start inside it. No extra model time, but the sentence is read in its chunk's context.

Both take the chunk texts and, per chunk, the sentence spans as character offsets into that chunk
text; both return ``SentenceVectors``, every row L2-normalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .embedding import Embedder, SentenceTransformerEmbedder
from .onnx_embedding import TokenOutput, normalise

Spans = Sequence[Sequence[tuple[int, int]]]  # per chunk, its sentences' (start, end) within the chunk text


class TokenEncoder(Protocol):
    """A model that returns each text's token embeddings with their character offsets."""

    def token_embeddings(self, texts: Sequence[str]) -> list[TokenOutput]: ...


@dataclass(frozen=True)
class SentenceVectors:
    """Chunk vectors and sentence vectors; chunk ``i``'s sentences are rows ``starts[i]:starts[i + 1]``."""

    chunks: np.ndarray  # float32 [chunks, dim]
    sentences: np.ndarray  # float32 [sentences, dim], in chunk order then span order
    starts: np.ndarray  # int64 [chunks + 1]

    def of_chunk(self, i: int) -> np.ndarray:
        return self.sentences[self.starts[i] : self.starts[i + 1]]


def token_encoder(embedder: Embedder) -> TokenEncoder | None:
    """What gives ``embedder``'s token embeddings in the pass that embeds chunks, or None when it has none."""
    if isinstance(embedder, SentenceTransformerEmbedder):
        return SentenceTransformerTokens(embedder.model, embedder.batch_size)
    return embedder if hasattr(embedder, "token_embeddings") else None  # type: ignore[return-value]


def embedded_separately(embedder: Embedder, texts: Sequence[str], spans: Spans) -> SentenceVectors:
    """Chunks in one pass, then each distinct sentence text in a second: a sentence in two chunks is
    embedded once, and one that is a whole chunk not again."""
    chunks = embedder.encode(texts) if len(texts) else np.zeros((0, embedder.dim), dtype=np.float32)
    sentence_texts = [text[s:e] for text, chunk_spans in zip(texts, spans, strict=True) for s, e in chunk_spans]
    known = dict(zip(texts, chunks, strict=True))
    distinct = [t for t in dict.fromkeys(sentence_texts) if t not in known]
    known.update(zip(distinct, embedder.encode(distinct) if distinct else [], strict=True))
    sentences = np.array([known[t] for t in sentence_texts], dtype=np.float32).reshape(len(sentence_texts), embedder.dim)
    return SentenceVectors(chunks=chunks, sentences=sentences, starts=_starts(spans))


def pooled_from_tokens(encoder: TokenEncoder, texts: Sequence[str], spans: Spans) -> SentenceVectors:
    """One pass: chunk vectors pooled over all tokens, sentence vectors over each sentence's own tokens."""
    outputs = encoder.token_embeddings(texts)
    chunks, sentences = [], []
    for output, chunk_spans in zip(outputs, spans, strict=True):
        chunks.append(output.vectors.mean(axis=0))
        sentences.extend(pool_spans(output, chunk_spans))
    dim = outputs[0].vectors.shape[1] if outputs else 0
    return SentenceVectors(
        chunks=normalise(np.array(chunks, dtype=np.float32).reshape(len(outputs), dim)),
        sentences=normalise(np.array(sentences, dtype=np.float32).reshape(len(sentences), dim)),
        starts=_starts(spans),
    )


def pool_spans(output: TokenOutput, spans: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    """Mean of the tokens whose first character lies in each span (special tokens, which span nothing, left out).

    A span with no token of its own (cut off by truncation) takes the whole text's mean, so it still
    has a vector, the text's.
    """
    real = output.offsets[:, 1] > output.offsets[:, 0]
    token_starts, vectors = output.offsets[real, 0], output.vectors[real]
    whole = output.vectors.mean(axis=0)
    pooled = []
    for s, e in spans:
        inside = (token_starts >= s) & (token_starts < e)
        pooled.append(vectors[inside].mean(axis=0) if inside.any() else whole)
    return pooled


def _starts(spans: Spans) -> np.ndarray:
    return np.concatenate([[0], np.cumsum([len(s) for s in spans])]).astype(np.int64)


class SentenceTransformerTokens:
    """``TokenEncoder`` over a loaded SentenceTransformer: its token embeddings plus its tokenizer's offsets."""

    def __init__(self, model, batch_size: int = 32) -> None:  # type: ignore[no-untyped-def]
        self.model = model
        self.batch_size = batch_size

    def token_embeddings(self, texts: Sequence[str]) -> list[TokenOutput]:
        embeddings = self.model.encode(
            list(texts), batch_size=self.batch_size, output_value="token_embeddings", convert_to_numpy=False
        )
        offsets = self.model.tokenizer(
            list(texts), return_offsets_mapping=True, truncation=True, max_length=self.model.max_seq_length
        )["offset_mapping"]
        outputs = []
        for vectors, spans in zip(embeddings, offsets, strict=True):
            array = vectors.float().cpu().numpy()
            if len(array) != len(spans):
                raise ValueError(f"token embeddings ({len(array)}) and offsets ({len(spans)}) disagree")
            outputs.append(TokenOutput(array, np.asarray(spans, dtype=np.int64)))
        return outputs
