"""Chunk and sentence vectors for an index version, made in the build so that a question costs one model call.

Every chunk's sentences (``quoting.sentences_in``: the spans a quote is chosen from) get a vector at
index time, by ``ModelSettings.sentence_vectors``:

- ``"separate"`` (default): each distinct sentence text is embedded on its own, a second pass over the
  text (a sentence that is a whole chunk is not embedded again).
- ``"pooled"``: one pass; each sentence is the mean of the chunk's own token embeddings that start inside
  it (``sentence_pooling.pooled_from_tokens``), so it costs the model nothing beyond the chunk, but read in
  its chunk's context it ranks and links worse (bench/README.md section 1). An embedder that does not give
  token embeddings (a test's fake) has its sentences embedded separately instead.

Each sentence's terms (``term_stats.SentenceTerms``) are stored beside its vector, so a question's words are
matched against them without stemming the passage at question time.

A chunk whose text the previous version already holds keeps its vectors and its sentences' (the spans
moved to where the chunk now lies), so an incremental build embeds only new and changed text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from .embedding import Embedder
from .quoting import sentences_in
from .sentence_pooling import embedded_separately, pooled_from_tokens, token_encoder
from .store import Snapshot
from .sentence_features import SentenceFeatures
from .store.sentences import STORED, SentenceTable, sentence_fields
from .term_stats import SentenceTerms
from .types import Chunk, Document

Progress = Callable[[int, int], None]

# Chunks per encode call: the model's output and intermediate buffers then hold a slice, not the corpus
# (at 556k chunks one call held 2-3 extra copies of the 0.8 GiB of vectors).
ENCODE_SLICE = 4096
PROGRESS_SLICE = 256  # with a progress listener: often enough for a page's progress bar and its Cancel


def chunk_spans(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> list[list[tuple[int, int]]]:
    """Each chunk's sentence spans, as offsets into its document's text."""
    return [sentences_in(documents[c.source_id], c.start, c.end) for c in chunks]


def encode(
    embedder: Embedder, method: str, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Chunk vectors of ``texts`` and each chunk's sentence vectors (``spans`` relative to each text)."""
    tokens = token_encoder(embedder) if method == "pooled" else None
    if tokens is not None:
        made = pooled_from_tokens(tokens, texts, spans)
    else:
        made = embedded_separately(embedder, texts, spans)
    return made.chunks, [made.of_chunk(i) for i in range(len(texts))]


def embed_chunks(
    chunks: Sequence[Chunk],
    documents: Mapping[str, Document],
    previous: Snapshot | None,
    embedder: Embedder,
    method: str,
    *,
    progress: bool = False,
    on_progress: Progress | None = None,
    reuse_from: Sequence[str] | None = None,
) -> tuple[np.ndarray, SentenceTable, int]:
    """Vectors of every chunk, its sentences' table, and how many chunks were embedded (the rest reused:
    from any previous chunk, or only from those of ``reuse_from``'s sources when given)."""
    spans = chunk_spans(chunks, documents)
    starts = np.concatenate([[0], np.cumsum([len(s) for s in spans])]).astype(np.int64)
    # Each sentence's terms, for matching a question's words without stemming the passage per question.
    terms = SentenceTerms.of(documents[c.source_id].text[s:e] for c, chunk in zip(chunks, spans, strict=True) for s, e in chunk)
    table = SentenceTable(
        spans=np.asarray([span for chunk in spans for span in chunk], dtype=np.int64).reshape(int(starts[-1]), 2),
        vectors=np.zeros((int(starts[-1]), embedder.dim), dtype=STORED),
        starts=starts,
        term_keys=terms.keys,
        term_starts=terms.starts,
        **sentence_fields(SentenceFeatures.of_chunks([documents[c.source_id].text for c in chunks], spans, [c.source_id for c in chunks])),
    )
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    missing = _reuse(chunks, previous, vectors, table, reuse_from)
    from tqdm.auto import tqdm

    report = on_progress or (lambda done, total: None)
    step = PROGRESS_SLICE if on_progress else ENCODE_SLICE
    report(0, len(missing))
    with tqdm(total=len(missing), unit="chunk", desc="Embedding", disable=not progress or not missing) as bar:
        for begin in range(0, len(missing), step):
            part = missing[begin : begin + step]
            relative = [[(s - chunks[i].start, e - chunks[i].start) for s, e in spans[i]] for i in part]
            vectors[part], sentences = encode(embedder, method, [chunks[i].text for i in part], relative)
            for i, rows in zip(part, sentences, strict=True):
                table.vectors[starts[i] : starts[i + 1]] = rows
            bar.update(len(part))
            report(begin + len(part), len(missing))
    return vectors, table, len(missing)


def _reuse(
    chunks: Sequence[Chunk],
    previous: Snapshot | None,
    vectors: np.ndarray,
    table: SentenceTable,
    reuse_from: Sequence[str] | None,
) -> list[int]:
    """Fill in the vectors of chunks whose text ``previous`` holds with the same sentences; return the
    positions left to embed (sentences split otherwise, by a newer segmenter, are embedded again)."""
    if previous is None:
        return list(range(len(chunks)))
    known: dict[str, tuple[int, int]] = {}  # chunk text -> (row, start) in the previous version
    for row, chunk in _previous_rows(previous, reuse_from):
        known.setdefault(chunk.text, (row, chunk.start))
    hit = [i for i, chunk in enumerate(chunks) if chunk.text in known]
    reused = set()
    # In slices: the previous version's sentences come back as float32, twice their stored size.
    for first in range(0, len(hit), ENCODE_SLICE):
        part = hit[first : first + ENCODE_SLICE]
        rows = [known[chunks[i].text][0] for i in part]
        old_vectors = previous.vectors(rows)
        for j, (i, old) in enumerate(zip(part, previous.sentences(rows), strict=True)):
            begin, end = table.starts[i], table.starts[i + 1]
            shift = chunks[i].start - known[chunks[i].text][1]
            if [[s + shift, e + shift] for s, e in old.spans] == table.spans[begin:end].tolist():
                vectors[i] = old_vectors[j]
                table.vectors[begin:end] = old.vectors
                reused.add(i)
    return [i for i in range(len(chunks)) if i not in reused]


def _previous_rows(previous: Snapshot, source_ids: Sequence[str] | None) -> Iterable[tuple[int, Chunk]]:
    """The previous version's chunks with their rows: all of them, or those of ``source_ids``."""
    if source_ids is None:
        return previous.chunk_rows()
    rows = [int(r) for r in previous.rows_of(source_ids)] if source_ids else []
    return ((row, previous.chunks[row]) for row in rows)
