"""A snapshot's segments: immutable groups of documents with their chunks, vectors, term counts and graph.

A build writes the documents it (re)indexed as one new segment and hard-links the previous snapshot's
segments into the new snapshot, so an edit writes its document only. A document lives in the newest
segment that holds it, and only while the manifest lists it: rows of an older copy, or of a deleted
document, are dead and never returned. Trailing segments are merged when the newest grows to a
quarter of the one before (dropping dead rows, no re-tokenising or re-embedding), which keeps a few
segments at any size at a cost per document that grows with the logarithm of the corpus.

    segments.json                       the segments' names, oldest first
    segments/<name>/documents.jsonl     the documents written with this segment
    segments/<name>/chunks.jsonl        source_id, start, end; line i <-> row i of vectors.npy
    segments/<name>/vectors.npy         float32 [chunks, dim], L2-normalised; memory-mapped
    segments/<name>/bm25/               term counts (store/sparse.py)
    segments/<name>/sentence_*.npy      each chunk's sentence spans and vectors (store/sentences.py)
    segments/<name>/term_*.npy          each document's sentence frequencies of its terms (term_stats.py)
    segments/<name>/dense.faiss         the HNSW graph, for a segment that has one (see ``wants_graph``)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..config import DenseSettings
from ..types import Chunk, Document
from .dense import EXACT_ROWS, DenseIndex
from .jsonl import document_from_json, document_to_json, fsync, read_jsonl, write_jsonl
from ..term_stats import DocumentTerms, TermTable
from .sentences import SentenceTable, read_table, read_terms, write_table, write_terms
from .sparse import SparseIndex
from .spool import save

SEGMENTS_FILE = "segments.json"
GRAPH_FILE = "dense.faiss"
MERGE_FACTOR = 4  # merge the newest segment into the one before once it holds a quarter of its live rows


@dataclass(eq=False)
class Segment:
    """One segment as held in memory; shared by every snapshot that links it."""

    name: str
    documents: list[Document]
    chunks: list[Chunk]
    sparse: SparseIndex
    dense: DenseIndex  # its vectors (memory-mapped) and graph, if it has one
    sentences: SentenceTable  # chunk i's sentences are sentences.of(i)
    terms: TermTable  # documents[i]'s term counts are terms.of(i)
    _runs: list[tuple[str, int, int]] | None = field(default=None, init=False, repr=False)
    _by_source: dict[str, list[tuple[int, int]]] | None = field(default=None, init=False, repr=False)
    _positions: dict[str, int] | None = field(default=None, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.chunks)

    def runs(self) -> list[tuple[str, int, int]]:
        """The runs of rows (source id, start, end) that hold one document's chunks, in row order; found
        once per segment (a build writes a document's chunks together, so each has one run)."""
        if self._runs is None:
            runs, start = [], 0
            for row in range(1, len(self.chunks) + 1):
                if row == len(self.chunks) or self.chunks[row].source_id != self.chunks[start].source_id:
                    runs.append((self.chunks[start].source_id, start, row))
                    start = row
            self._runs = runs
        return self._runs

    def rows_of(self, source_id: str) -> list[tuple[int, int]]:
        """The runs (start, end) of ``source_id``'s rows in this segment."""
        if self._by_source is None:
            self._by_source = {}
            for sid, start, end in self.runs():
                self._by_source.setdefault(sid, []).append((start, end))
        return self._by_source.get(source_id, [])

    def terms_of(self, source_id: str) -> DocumentTerms:
        """The term counts of ``source_id``, a document this segment holds."""
        if self._positions is None:
            self._positions = {d.id: i for i, d in enumerate(self.documents)}
        return self.terms.of(self._positions[source_id])


def new_name() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(4)


def wants_graph(layout: dict[str, Any], position: int, rows: int) -> bool:
    """An HNSW layout gives the first segment a graph, and any other too large to scan exactly in a few ms."""
    return layout["index"] == "hnsw" and rows > 0 and (position == 0 or rows > EXACT_ROWS)


def write(
    folder: Path, name: str, documents: Sequence[Document], chunks: list[Chunk], vectors: np.ndarray,
    sentences: SentenceTable, graph: bool, settings: DenseSettings, sparse: SparseIndex | None = None,
    terms: TermTable | None = None,
) -> Segment:  # fmt: skip
    """Write a segment under ``folder/segments/name`` (fsynced) and return it with its vectors mapped;
    its term counts (per chunk for BM25, per document for quotes) are counted from the text unless given."""
    target = folder / "segments" / name
    target.mkdir(parents=True)
    write_jsonl(target / "documents.jsonl", (document_to_json(d) for d in documents))
    write_jsonl(target / "chunks.jsonl", ({"source_id": c.source_id, "start": c.start, "end": c.end} for c in chunks))
    save(target / "vectors.npy", vectors, np.float32)
    write_table(target, sentences)
    write_terms(target, terms if terms is not None else TermTable.of_texts(d.text for d in documents))
    sparse = sparse if sparse is not None else SparseIndex.build([c.text for c in chunks])
    sparse.save(target / "bm25")
    dense = DenseIndex.build(map_vectors(target), settings, graph=graph)
    if graph:
        save_graph(dense, target)
    return Segment(name, list(documents), chunks, sparse, dense, read_table(target, len(chunks)), read_terms(target, len(documents)))


def merge(
    folder: Path, parts: Sequence[Segment], live: Sequence[np.ndarray], sources: Any, graph: bool, settings: DenseSettings
) -> Segment:
    """The trailing segments ``parts`` as one new segment of their live documents and rows, in order:
    copied, never re-tokenised or re-embedded."""
    keep = [np.flatnonzero(mapping >= 0) for mapping in live]
    latest = {d.id: d for p in parts for d in p.documents}  # trailing: the newest copy of each is live
    documents = [doc for doc_id, doc in latest.items() if doc_id in sources]
    home = {d.id: p for p in parts for d in p.documents}
    terms = TermTable.of_terms([home[d.id].terms_of(d.id) for d in documents])
    chunks = [p.chunks[row] for p, rows in zip(parts, keep, strict=True) for row in rows.tolist()]
    dim = parts[0].dense.vectors.shape[1]
    vectors = np.concatenate([np.asarray(p.dense.vectors[rows]).reshape(-1, dim) for p, rows in zip(parts, keep, strict=True)])
    sparse = SparseIndex.concat([p.sparse.subset(rows) for p, rows in zip(parts, keep, strict=True)])
    sentences = SentenceTable.concat([p.sentences.take(rows) for p, rows in zip(parts, keep, strict=True)])
    return write(folder, new_name(), documents, chunks, vectors, sentences, graph, settings, sparse, terms)


def link(source: Path, folder: Path, segment: Segment, graph: bool) -> None:
    """Hard-link a published segment's files into a new snapshot (snapshots are immutable, so sharing is
    safe); copied where the file system cannot link. The graph is linked only when the segment keeps one."""
    origin, target = source / "segments" / segment.name, folder / "segments" / segment.name
    for path in origin.rglob("*"):
        if path.is_dir() or (path.name == GRAPH_FILE and not graph):
            continue
        copy = target / path.relative_to(origin)
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, copy)
        except OSError:
            shutil.copyfile(path, copy)


def save_graph(dense: DenseIndex, target: Path) -> None:
    graph_file = target / GRAPH_FILE
    graph_file.unlink(missing_ok=True)  # a linked file is shared with the previous snapshot: never written through
    dense.save(graph_file)
    with open(graph_file, "rb+") as handle:
        fsync(handle)


def read(
    folder: Path, name: str
) -> tuple[list[Document], list[Chunk], SparseIndex, np.ndarray, SentenceTable, TermTable]:
    """A published segment's documents, chunks, term counts, mapped vectors, sentences and documents' term
    counts; raises OSError, KeyError or ValueError."""
    target = folder / "segments" / name
    documents = [document_from_json(row) for row in read_jsonl(target / "documents.jsonl")]
    by_id = {d.id: d for d in documents}
    chunks = [
        Chunk(c["source_id"], c["start"], c["end"], by_id[c["source_id"]].text[c["start"] : c["end"]])
        for c in read_jsonl(target / "chunks.jsonl")
    ]
    vectors = map_vectors(target)
    sparse = SparseIndex.load(target / "bm25")
    if not (len(vectors) == len(chunks) == len(sparse)):
        raise ValueError(f"segment {name} holds {len(vectors)} vectors and {len(sparse)} term counts for {len(chunks)} chunks")
    return documents, chunks, sparse, vectors, read_table(target, len(chunks)), read_terms(target, len(documents))


def read_names(folder: Path) -> list[str]:
    names = json.loads((folder / SEGMENTS_FILE).read_text(encoding="utf-8"))
    if not isinstance(names, list) or not all(isinstance(n, str) and n and "/" not in n for n in names):
        raise ValueError(f"{SEGMENTS_FILE} is not a list of segment names")
    return names


def write_names(folder: Path, segments: Sequence[Segment]) -> None:
    with open(folder / SEGMENTS_FILE, "w", encoding="utf-8") as handle:
        json.dump([s.name for s in segments], handle)
        fsync(handle)


def map_vectors(folder: Path) -> np.ndarray:
    """vectors.npy memory-mapped: the page cache holds it once, however many snapshots a process opens."""
    vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
    if vectors.ndim != 2 or vectors.dtype != np.float32:
        raise ValueError(f"vectors.npy holds {vectors.dtype} of shape {vectors.shape}, not float32 rows")
    return vectors


def to_merge(live: Sequence[np.ndarray]) -> int:
    """Where the trailing run of segments to merge into one starts; ``len(live)`` or more: merge nothing.

    The newest segment joins the one before while the run holds a ``MERGE_FACTOR``th of that one's
    live rows, so sizes fall geometrically; a segment that lost half its rows is rewritten with the
    ones after it.
    """
    counts = [int((m >= 0).sum()) for m in live]
    run = len(counts) - 1
    merged = counts[run] if counts else 0
    while run > 0 and merged * MERGE_FACTOR >= counts[run - 1]:
        run -= 1
        merged += counts[run]
    for position, mapping in enumerate(live[: max(run, 0) + 1]):
        if 2 * counts[position] < len(mapping):
            return position
    return run if run < len(counts) - 1 else len(counts)
