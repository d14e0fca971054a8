"""The index as files under one folder, published atomically.

    index/CURRENT                     name of the live snapshot; replaced with os.replace (the commit point)
    index/snapshots/<name>/           immutable once published
        manifest.json                 format version, model, chunker settings, each source's sha256
        documents.jsonl               each document's indexed text and metadata (offsets point into it)
        chunks.jsonl                  source_id, start, end of each chunk; line i <-> vectors row i
        vectors.npy                   float32 [chunks, dim], L2-normalised; memory-mapped when opened
        sentence_*.npy                each chunk's sentence spans and vectors (see store/sentences.py); memory-mapped
        dense.faiss                   the HNSW graph, when the dense settings ask for one (see store/dense.py)
        bm25/                         bm25s arrays and vocabulary (no pickle)
    index/.staging-*/                 a build in progress; removed by the next build
    index/.lock                       held by the one process that publishes or tidies

A crash or Ctrl-C before CURRENT is replaced leaves the previous snapshot live and intact; what it
leaves behind is removed by the next publish or tidy-up (see store/housekeeping.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..config import FORMAT_VERSION, DenseSettings
from ..errors import IndexFormatError, IndexMissingError
from ..manifest import Manifest
from ..types import Chunk, Document
from . import IndexData, dense_layout
from .dense import DenseIndex
from .housekeeping import prune, record_previous, remove_staging, writer_lock
from .jsonl import document_from_json, document_to_json, fsync, read_jsonl, write_jsonl
from .sentences import ChunkSentences, SentenceTable, read_table, write_table
from .sparse import SparseIndex

log = logging.getLogger(__name__)

GRAPH_FILE = "dense.faiss"
REBUILD_HINT = "rebuild it with: python -m assistant index"


class FileSnapshot:
    """One published snapshot: documents and chunks in memory, vectors memory-mapped, BM25 and dense indexes."""

    def __init__(
        self,
        folder: Path,
        manifest: Manifest,
        documents: dict[str, Document],
        chunks: list[Chunk],
        sparse: SparseIndex,
        dense: DenseIndex,
        sentences: SentenceTable,
    ) -> None:
        self.folder = folder
        self._sentences = sentences
        self.manifest = manifest
        self.documents = documents
        self.chunks = chunks
        self.dense = dense  # public so a benchmark can tune ``ef_search`` on an open index
        self._sparse = sparse
        self._rows_by_source: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            self._rows_by_source.setdefault(chunk.source_id, []).append(row)

    @classmethod
    def read(cls, folder: Path, dense: DenseSettings) -> FileSnapshot:
        manifest = _read_manifest(folder)
        try:
            documents = {d.id: d for d in map(document_from_json, read_jsonl(folder / "documents.jsonl"))}
            chunks = [
                Chunk(c["source_id"], c["start"], c["end"], documents[c["source_id"]].text[c["start"] : c["end"]])
                for c in read_jsonl(folder / "chunks.jsonl")
            ]
            vectors = _map_vectors(folder)
            sparse = SparseIndex.load(folder / "bm25")
            sentences = read_table(folder, len(chunks))
        except (OSError, KeyError, ValueError) as error:
            raise IndexFormatError(f"index at {folder} is damaged ({error}); {REBUILD_HINT}") from None
        if vectors.shape[0] != len(chunks) or manifest.chunks != len(chunks):
            raise IndexFormatError(
                f"index at {folder} is inconsistent: {vectors.shape[0]} vectors for {len(chunks)} chunks; {REBUILD_HINT}"
            )
        return cls(folder, manifest, documents, chunks, sparse, _open_dense(folder, manifest, vectors, dense), sentences)

    def chunk_rows(self) -> Iterable[tuple[int, Chunk]]:
        return enumerate(self.chunks)

    def reading(self) -> AbstractContextManager[object]:
        return nullcontext()  # the snapshot's files never change

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        return np.asarray(self.dense.vectors[np.asarray(rows, dtype=np.int64)])

    def sentences(self, rows: Sequence[int]) -> list[ChunkSentences]:
        return [self._sentences.of(int(row)) for row in rows]

    def dense_search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.dense.search(query, k, allowed)

    def bm25_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self._sparse.search(query, k, allowed)

    def rows_of(self, source_ids: Sequence[str]) -> np.ndarray:
        rows = [row for sid in source_ids for row in self._rows_by_source.get(sid, [])]
        return np.asarray(sorted(rows), dtype=np.int64)


class FileStore:
    """Snapshots under ``folder``; ``dense`` chooses the dense index each snapshot is built and opened with."""

    keeps_unchanged = False  # each snapshot is a whole folder: a build hands it every source

    def __init__(self, folder: Path | str, dense: DenseSettings | None = None) -> None:
        self.folder = Path(folder)
        self.dense = dense or DenseSettings()

    def _current(self) -> Path | None:
        pointer = self.folder / "CURRENT"
        if not pointer.exists():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        path = self.folder / "snapshots" / name
        if not name or not path.is_dir():
            raise IndexFormatError(f"{pointer} names a missing snapshot {name!r}; {REBUILD_HINT}")
        return path

    def manifest(self) -> Manifest | None:
        current = self._current()
        return _read_manifest(current) if current else None

    def open(self) -> FileSnapshot:
        current = self._current()
        if current is None:
            raise IndexMissingError(f"no index in {self.folder}; build one with: python -m assistant index")
        return FileSnapshot.read(current, self.dense)

    def is_current(self, snapshot: FileSnapshot) -> bool:  # type: ignore[override]
        try:
            return self._current() == snapshot.folder
        except IndexFormatError:
            return False

    def publish(self, data: IndexData) -> FileSnapshot:
        """Write ``data`` as a new snapshot and make it live; the snapshot returned is built from ``data``,
        not read back, so a build never holds two copies of the corpus. ``data.vectors`` is swapped for
        a memory map of the written file (see ``IndexData``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "snapshots").mkdir(exist_ok=True)
        with writer_lock(self.folder):
            return self._publish(data)

    def tidy(self) -> None:
        """Remove what crashed builds left (staging folders, CURRENT.tmp, snapshots that never went live),
        keeping the live snapshot and the one live before it."""
        if not (self.folder / "snapshots").is_dir():
            return
        try:
            with writer_lock(self.folder):
                remove_staging(self.folder)
                current = self._live_for_reuse()
                if current is not None:
                    prune(self.folder / "snapshots", current[0].name)
        except OSError as error:  # e.g. a read-only index folder: the index still serves, only leftovers stay
            log.warning("could not tidy %s: %s", self.folder, error)

    def _publish(self, data: IndexData) -> FileSnapshot:
        remove_staging(self.folder)
        live = self._live_for_reuse()
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.folder))
        try:
            record_previous(staging, live[0].name if live else None)
            write_jsonl(staging / "documents.jsonl", (document_to_json(d) for d in data.documents))
            write_jsonl(staging / "chunks.jsonl", ({"source_id": c.source_id, "start": c.start, "end": c.end} for c in data.chunks))
            vectors = np.ascontiguousarray(data.vectors, dtype=np.float32)
            with open(staging / "vectors.npy", "wb") as handle:
                np.save(handle, vectors, allow_pickle=False)
                fsync(handle)
            write_table(staging, data.sentences)
            layout = dense_layout(self.dense, len(vectors))
            hashed: dict[str, str] = {}
            if layout["index"] == "hnsw":
                hashed["vectors_sha256"] = hashlib.sha256(memoryview(vectors).cast("B")).hexdigest()
                self._write_graph(staging / GRAPH_FILE, vectors, layout, hashed["vectors_sha256"], live)
            # The vectors are on disk now: hand the build a memory map of them instead (untouched, so
            # not resident), freeing the in-memory copy before BM25 builds, the peak of a large publish.
            del vectors
            data.vectors = _map_vectors(staging)
            sparse = SparseIndex.build([c.text for c in data.chunks])
            sparse.save(staging / "bm25")
            manifest = replace(
                data.manifest,
                chunks=len(data.chunks),
                format_version=FORMAT_VERSION,
                dense=layout,
                vectors_sha256=hashed.get("vectors_sha256"),
            )
            # Written last: a snapshot without a manifest was never finished.
            with open(staging / "manifest.json", "w", encoding="utf-8") as handle:
                json.dump(manifest.to_json(), handle, indent=2, ensure_ascii=False)
                fsync(handle)
            name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + manifest.fingerprint[:8]
            final = self.folder / "snapshots" / name
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        pointer_tmp = self.folder / "CURRENT.tmp"
        with open(pointer_tmp, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            fsync(handle)
        os.replace(pointer_tmp, self.folder / "CURRENT")
        prune(self.folder / "snapshots", name)
        # The vectors are mapped from the file just written and the graph read back from its own, so the
        # build's in-memory copies are freed as soon as the caller lets go of ``data``.
        vectors = _map_vectors(final)
        return FileSnapshot(
            final,
            manifest,
            {d.id: d for d in data.documents},
            data.chunks,
            sparse,
            _open_dense(final, manifest, vectors, self.dense),
            read_table(final, len(data.chunks)),
        )

    def _live_for_reuse(self) -> tuple[Path, Manifest] | None:
        """The live snapshot and its manifest, if readable: its HNSW graph may serve the new snapshot."""
        try:
            current = self._current()
            return (current, _read_manifest(current)) if current else None
        except IndexFormatError:
            return None

    def _write_graph(
        self,
        target: Path,
        vectors: np.ndarray,
        layout: dict[str, Any],
        vectors_sha256: str,
        live: tuple[Path, Manifest] | None,
    ) -> None:
        """The HNSW graph for ``vectors``: the live snapshot's when it indexes the very same vectors with
        the same parameters (a metadata-only change), else built; building dominates a large publish."""
        if live is not None:
            folder, manifest = live
            same = manifest.dense == layout and manifest.vectors_sha256 == vectors_sha256
            if same and (folder / GRAPH_FILE).exists():
                try:
                    os.link(folder / GRAPH_FILE, target)  # snapshots are immutable, so sharing the file is safe
                except OSError:
                    shutil.copyfile(folder / GRAPH_FILE, target)
                return
        DenseIndex.build(vectors, self.dense).save(target)
        with open(target, "rb+") as handle:
            fsync(handle)


def _map_vectors(folder: Path) -> np.ndarray:
    """vectors.npy memory-mapped: the page cache holds it once, however many snapshots a process opens."""
    vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
    if vectors.ndim != 2 or vectors.dtype != np.float32:
        raise ValueError(f"vectors.npy holds {vectors.dtype} of shape {vectors.shape}, not float32 rows")
    return vectors


def _open_dense(folder: Path, manifest: Manifest, vectors: np.ndarray, settings: DenseSettings) -> DenseIndex:
    """The dense index ``settings`` ask for: the stored graph when it matches, else built in memory."""
    wanted = dense_layout(settings, len(vectors))
    if wanted["index"] == "flat":
        return DenseIndex(vectors)
    graph_file = folder / GRAPH_FILE
    if manifest.dense == wanted and graph_file.exists():
        try:
            return DenseIndex.load(vectors, graph_file, settings)
        except (RuntimeError, ValueError) as error:  # faiss reports a truncated or foreign file as RuntimeError
            raise IndexFormatError(f"index at {folder} has a damaged HNSW graph ({error}); {REBUILD_HINT}") from None
    log.warning(
        "index at %s has no stored HNSW graph with %s; building one in memory (%s to store it)",
        folder,
        wanted,
        "python -m assistant index",
    )
    return DenseIndex.build(np.asarray(vectors), settings)


def _read_manifest(folder: Path) -> Manifest:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexFormatError(f"cannot read the manifest in {folder} ({error}); {REBUILD_HINT}") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        version = data.get("format_version") if isinstance(data, dict) else None
        raise IndexFormatError(
            f"index at {folder} has format version {version}, this version reads {FORMAT_VERSION}; {REBUILD_HINT}"
        )
    try:
        return Manifest.from_json(data)
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFormatError(f"the manifest in {folder} is malformed ({error!r}); {REBUILD_HINT}") from None
