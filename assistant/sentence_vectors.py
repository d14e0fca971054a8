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
matched against them without stemming the passage at question time, and each document's term counts
(``term_stats.TermTable``) and each sentence's answer-kind evidence and flags (``sentence_features``) are
made in the same pass over its sentences.

A chunk whose text the previous version already holds keeps its vectors and its sentences' (the spans
moved to where the chunk now lies), so an incremental build embeds only new and changed text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedding import Embedder
from .quoting import sentences_in
from .segmentation import sentence_spans
from .sentence_pooling import SentenceVectors, embedded_separately, pooled_from_tokens, token_encoder
from .sentence_features import SentenceFeatures
from .store import Snapshot
from .store.sentences import STORED, SentenceTable, sentence_fields
from .store.spool import Spool
from .term_stats import DocumentTerms, SentenceTerms, TermTable, sentence_keys
from .types import Chunk, Document

Progress = Callable[[int, int], None]

# Chunks per encode call: the model's output and intermediate buffers then hold a slice, not the corpus
# (at 556k chunks one call held 2-3 extra copies of the 0.8 GiB of vectors).
ENCODE_SLICE = 4096
PROGRESS_SLICE = 256  # with a progress listener: often enough for a page's progress bar and its Cancel


@dataclass(frozen=True)
class Embedded:
    """What a build's chunks became: vectors and sentence vectors mapped from the spool's files (written as
    they were made), every chunk's sentences, its documents' term counts, and how many chunks were embedded."""

    vectors: np.ndarray  # float32 [chunks, dim]
    sentences: SentenceTable
    terms: TermTable  # document i's (in the order the build was handed them) is terms.of(i)
    embedded: int


@dataclass(frozen=True)
class _Sentences:
    spans: np.ndarray  # int64 [sentences, 2], into each chunk's document
    starts: np.ndarray  # int64 [chunks + 1]
    terms: SentenceTerms
    features: SentenceFeatures
    documents: TermTable


def _sentences(chunks: Sequence[Chunk], documents: Sequence[Document]) -> _Sentences:
    """Every chunk's sentences and their terms, and each document's term counts, in one pass per document
    (``chunks`` grouped by document in ``documents``' order, as a build makes them): a sentence is stemmed
    once per document, though the document's counts and each overlapping chunk that holds it all need it."""
    spans, counts, keys, term_starts, documents_terms, features = [], [], [], [], [], []
    position = 0
    for doc in documents:
        stemmed: dict[str, tuple[int, ...]] = {}
        documents_terms.append(DocumentTerms.of_sentences([_stemmed(stemmed, doc.text[s:e]) for s, e in sentence_spans(doc.text)]))
        found: list[tuple[int, int]] = []
        while position < len(chunks) and chunks[position].source_id == doc.id:
            chunk_spans = sentences_in(doc, chunks[position].start, chunks[position].end)
            found.extend(chunk_spans)
            counts.append(len(chunk_spans))
            position += 1
        held = SentenceTerms.of_keys([_stemmed(stemmed, doc.text[s:e]) for s, e in found])
        features.append(SentenceFeatures.of_chunks([doc.text], [found], [doc.id]))
        spans.append(np.asarray(found, dtype=np.int64).reshape(len(found), 2))
        keys.append(held.keys)
        term_starts.append(held.starts)
    if position != len(chunks):
        raise ValueError(f"chunk {position} ({chunks[position].source_id}) is not with its document's chunks in the documents' order")
    term_offsets = np.cumsum([0] + [int(s[-1]) for s in term_starts])[:-1]
    return _Sentences(
        spans=np.concatenate([np.zeros((0, 2), dtype=np.int64), *spans]),
        starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        terms=SentenceTerms(
            np.concatenate([np.zeros(0, dtype=np.uint64), *keys]).astype(np.uint64),
            np.concatenate([[0]] + [s[1:] + o for s, o in zip(term_starts, term_offsets, strict=True)]).astype(np.int64),
        ),
        features=SentenceFeatures.concat(features),
        documents=TermTable.of_terms(documents_terms),
    )


def _stemmed(known: dict[str, tuple[int, ...]], sentence: str) -> tuple[int, ...]:
    found = known.get(sentence)
    if found is None:
        found = known[sentence] = sentence_keys(sentence)
    return found


def encode(embedder: Embedder, method: str, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> SentenceVectors:
    """Chunk vectors of ``texts`` and their sentences' vectors (``spans`` relative to each text)."""
    tokens = token_encoder(embedder) if method == "pooled" else None
    if tokens is not None:
        return pooled_from_tokens(tokens, texts, spans)
    return embedded_separately(embedder, texts, spans)


def embed_chunks(
    chunks: Sequence[Chunk],
    documents: Sequence[Document],
    previous: Snapshot | None,
    embedder: Embedder,
    method: str,
    spool: Path,
    *,
    progress: bool = False,
    on_progress: Progress | None = None,
    reuse_from: Sequence[str] | None = None,
) -> Embedded:
    """Vectors of every chunk and of its sentences, written into files in the folder ``spool`` as they are
    made; chunks are embedded unless reused (from any previous chunk, or only from those of ``reuse_from``'s
    sources when given). ``chunks`` come grouped by document, in ``documents``' order."""
    rows = _sentences(chunks, documents)
    starts = rows.starts
    vectors = Spool(spool / "vectors.npy", (len(chunks), embedder.dim), np.float32)
    sentence_vectors = Spool(spool / "sentence_vectors.npy", (len(rows.spans), embedder.dim), STORED)
    missing = _reuse(chunks, previous, rows, vectors, sentence_vectors, reuse_from)
    from tqdm.auto import tqdm

    report = on_progress or (lambda done, total: None)
    step = PROGRESS_SLICE if on_progress else ENCODE_SLICE
    report(0, len(missing))
    with tqdm(total=len(missing), unit="chunk", desc="Embedding", disable=not progress or not missing) as bar:
        for begin in range(0, len(missing), step):
            part = missing[begin : begin + step]
            relative = [(rows.spans[starts[i] : starts[i + 1]] - chunks[i].start).tolist() for i in part]
            made = encode(embedder, method, [chunks[i].text for i in part], relative)
            for first, end in _consecutive(part):
                vectors.put(part[first], made.chunks[first:end])
                sentence_vectors.put(int(starts[part[first]]), made.sentences[made.starts[first] : made.starts[end]])
            bar.update(len(part))
            report(begin + len(part), len(missing))
    table = SentenceTable(
        spans=rows.spans, vectors=sentence_vectors.close(), starts=starts, term_keys=rows.terms.keys, term_starts=rows.terms.starts,
        **sentence_fields(rows.features),
    )
    return Embedded(vectors.close(), table, rows.documents, len(missing))


def _consecutive(positions: Sequence[int]) -> Iterator[tuple[int, int]]:
    """The runs ``[first, end)`` of indexes into ``positions`` whose values follow one another."""
    first = 0
    for at in range(1, len(positions) + 1):
        if at == len(positions) or positions[at] != positions[at - 1] + 1:
            yield first, at
            first = at


def _reuse(
    chunks: Sequence[Chunk],
    previous: Snapshot | None,
    rows: _Sentences,
    vectors: Spool,
    sentence_vectors: Spool,
    reuse_from: Sequence[str] | None,
) -> list[int]:
    """Write the vectors of chunks whose text ``previous`` holds with the same sentences; return the
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
        old_rows = [known[chunks[i].text][0] for i in part]
        old_vectors = previous.vectors(old_rows)
        for j, (i, old) in enumerate(zip(part, previous.sentences(old_rows), strict=True)):
            begin, end = int(rows.starts[i]), int(rows.starts[i + 1])
            shift = chunks[i].start - known[chunks[i].text][1]
            if [[s + shift, e + shift] for s, e in old.spans] == rows.spans[begin:end].tolist():
                vectors.put(i, old_vectors[j : j + 1])
                sentence_vectors.put(begin, old.vectors)
                reused.add(i)
    return [i for i in range(len(chunks)) if i not in reused]


def _previous_rows(previous: Snapshot, source_ids: Sequence[str] | None) -> Iterable[tuple[int, Chunk]]:
    """The previous version's chunks with their rows: all of them, or those of ``source_ids``."""
    if source_ids is None:
        return previous.chunk_rows()
    rows = [int(r) for r in previous.rows_of(source_ids)] if source_ids else []
    return ((row, previous.chunks[row]) for row in rows)
