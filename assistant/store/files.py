"""The index as files under one folder, published atomically.

    index/CURRENT                     name of the live snapshot; replaced with os.replace (the commit point)
    index/snapshots/<name>/           immutable once published
        manifest.json                 format version, model, chunker settings, each source's sha256
        documents.jsonl               each document's indexed text and metadata (offsets point into it)
        chunks.jsonl                  source_id, start, end of each chunk; line i <-> vectors row i
        vectors.npy                   float32 [chunks, dim], L2-normalised
        bm25/                         bm25s arrays and vocabulary (no pickle)
    index/.staging-*/                 a build in progress; removed by the next build

A crash or Ctrl-C before CURRENT is replaced leaves the previous snapshot live and intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..config import FORMAT_VERSION
from ..errors import IndexFormatError, IndexMissingError
from ..types import Chunk, Document
from . import IndexData
from .dense import DenseIndex
from .sparse import SparseIndex

_KEEP_SNAPSHOTS = 2  # the live one and the one before, for a reader that opened it a moment ago
REBUILD_HINT = "rebuild it with: python -m assistant index"


class FileSnapshot:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest = _read_manifest(folder)
        try:
            self.documents = {d.id: d for d in map(_document_from_json, _read_jsonl(folder / "documents.jsonl"))}
            self.chunks = [
                Chunk(c["source_id"], c["start"], c["end"], self.documents[c["source_id"]].text[c["start"] : c["end"]])
                for c in _read_jsonl(folder / "chunks.jsonl")
            ]
            vectors = np.load(folder / "vectors.npy", allow_pickle=False)
            self._sparse = SparseIndex.load(folder / "bm25")
        except (OSError, KeyError, ValueError) as error:
            raise IndexFormatError(f"index at {folder} is damaged ({error}); {REBUILD_HINT}") from None
        if vectors.shape[0] != len(self.chunks) or self.manifest.get("chunks") != len(self.chunks):
            raise IndexFormatError(
                f"index at {folder} is inconsistent: {vectors.shape[0]} vectors for {len(self.chunks)} chunks; {REBUILD_HINT}"
            )
        self._dense = DenseIndex(vectors)
        self._rows_by_source: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            self._rows_by_source.setdefault(chunk.source_id, []).append(row)

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        return self._dense.vectors[np.asarray(rows, dtype=np.int64)]

    def dense_search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self._dense.search(query, k, allowed)

    def bm25_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self._sparse.search(query, k, allowed)

    def rows_of(self, source_ids: Sequence[str]) -> np.ndarray:
        rows = [row for sid in source_ids for row in self._rows_by_source.get(sid, [])]
        return np.asarray(sorted(rows), dtype=np.int64)


class FileStore:
    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def _current(self) -> Path | None:
        pointer = self.folder / "CURRENT"
        if not pointer.exists():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        path = self.folder / "snapshots" / name
        if not name or not path.is_dir():
            raise IndexFormatError(f"{pointer} names a missing snapshot {name!r}; {REBUILD_HINT}")
        return path

    def manifest(self) -> dict[str, Any] | None:
        current = self._current()
        return _read_manifest(current) if current else None

    def open(self) -> FileSnapshot:
        current = self._current()
        if current is None:
            raise IndexMissingError(f"no index in {self.folder}; build one with: python -m assistant index")
        return FileSnapshot(current)

    def publish(self, data: IndexData) -> FileSnapshot:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "snapshots").mkdir(exist_ok=True)
        self._remove_stale_staging()
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.folder))
        try:
            _write_jsonl(staging / "documents.jsonl", (_document_to_json(d) for d in data.documents))
            _write_jsonl(
                staging / "chunks.jsonl",
                ({"source_id": c.source_id, "start": c.start, "end": c.end} for c in data.chunks),
            )
            with open(staging / "vectors.npy", "wb") as handle:
                np.save(handle, np.ascontiguousarray(data.vectors, dtype=np.float32), allow_pickle=False)
                _fsync(handle)
            SparseIndex.build([c.text for c in data.chunks]).save(staging / "bm25")
            manifest = dict(data.manifest, chunks=len(data.chunks), format_version=FORMAT_VERSION)
            # Written last: a snapshot without a manifest was never finished.
            with open(staging / "manifest.json", "w", encoding="utf-8") as handle:
                json.dump(manifest, handle, indent=2, ensure_ascii=False)
                _fsync(handle)
            name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + manifest["fingerprint"][:8]
            final = self.folder / "snapshots" / name
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        pointer_tmp = self.folder / "CURRENT.tmp"
        with open(pointer_tmp, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            _fsync(handle)
        os.replace(pointer_tmp, self.folder / "CURRENT")
        self._prune(keep=name)
        return FileSnapshot(final)

    def _remove_stale_staging(self) -> None:
        for path in self.folder.glob(".staging-*"):
            shutil.rmtree(path, ignore_errors=True)

    def _prune(self, keep: str) -> None:
        snapshots = sorted(p for p in (self.folder / "snapshots").iterdir() if p.is_dir())
        for path in snapshots[:-_KEEP_SNAPSHOTS]:
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexFormatError(f"cannot read the manifest in {folder} ({error}); {REBUILD_HINT}") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexFormatError(
            f"index at {folder} has format version {manifest.get('format_version')}, "
            f"this version reads {FORMAT_VERSION}; {REBUILD_HINT}"
        )
    return manifest


def _document_to_json(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "path": doc.path,
        "title": doc.title,
        "publisher": doc.publisher,
        "sha256": doc.sha256,
        "encoding": doc.encoding,
        "page_starts": list(doc.page_starts),
        "text": doc.text,
    }


def _document_from_json(row: dict[str, Any]) -> Document:
    return Document(
        id=row["id"],
        path=row["path"],
        title=row["title"],
        publisher=row["publisher"],
        text=row["text"],
        sha256=row["sha256"],
        page_starts=tuple(row["page_starts"]),
        encoding=row["encoding"],
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_jsonl(path: Path, rows: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        _fsync(handle)


def _fsync(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())
