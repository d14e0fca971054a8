"""The index as files under one folder, published atomically.

    index/CURRENT                     name of the live snapshot; replaced with os.replace (the commit point)
    index/snapshots/<name>/           immutable once published
        manifest.json                 format version, model, chunker settings, the failures (written last)
        sources-*.json                each source's sha256, stat, title...: a base and what changed since (store/source_log.py)
        segments.json, segments/      documents, chunks, vectors, sentences, term counts and graphs (store/segments.py),
                                      hard-linked from the previous snapshot but for what the build changed
    index/.staging-*/                 a build in progress; removed by the next build
    index/.lock                       held by the one process that publishes or tidies

A crash or Ctrl-C before CURRENT is replaced leaves the previous snapshot live and intact; what it
leaves behind is removed by the next publish or tidy-up (see store/housekeeping.py).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..config import FORMAT_VERSION, DenseSettings
from ..errors import IndexFormatError, IndexMissingError
from ..manifest import Manifest
from ..term_stats import DocumentTerms
from ..types import Chunk
from . import IndexData, dense_layout, segments, source_log
from .dense import DenseIndex, SegmentedDense
from .housekeeping import prune, record_previous, remove_staging, writer_lock
from .jsonl import fsync
from .live import Live, after_change, after_merge, homes, live_rows
from .segments import GRAPH_FILE, Segment
from .sentences import ChunkSentences
from .source_log import SourceLog
from .sparse import Bm25

log = logging.getLogger(__name__)

REBUILD_HINT = "rebuild it with: python -m assistant index"
_RACY_NS = 2_000_000_000  # a file system's clock may tick this coarsely (FAT: 2 s); see changes.py


class FileSnapshot:
    """One published snapshot: documents and chunks in memory, vectors memory-mapped, BM25 and dense indexes."""

    def __init__(
        self, folder: Path, manifest: Manifest, parts: list[Segment], live: Live | None = None, log: SourceLog | None = None
    ) -> None:
        """``live``: ``live_rows(parts, manifest.sources)`` when the caller has it already; ``log``:
        what its sources files hold (None: a manifest.json from before them)."""
        self.folder = folder
        self.manifest = manifest
        self.source_log = log
        self.segments = parts
        self._live = live or live_rows(parts, manifest.sources)
        self.documents, self.chunks = self._live.documents, self._live.chunks
        self.live = self._live.maps  # each segment's rows -> this snapshot's rows (-1: a changed or deleted document's)
        self._homes = homes(self.live, len(self.chunks))
        self.dense = SegmentedDense([part.dense for part in parts], self.live)  # public so a benchmark can tune ``ef_search``
        self._sparse = Bm25([part.sparse for part in parts], self.live)

    @classmethod
    def read(cls, folder: Path, dense: DenseSettings) -> FileSnapshot:
        manifest, log = _read_manifest(folder)
        layout = dense_layout(dense, manifest.chunks)
        try:
            parts = []
            for position, name in enumerate(segments.read_names(folder)):
                documents, chunks, sparse, vectors, sentences, terms = segments.read(folder, name)
                graph = segments.wants_graph(layout, position, len(vectors))
                index = _open_dense(folder / "segments" / name, manifest, vectors, dense, graph)
                parts.append(Segment(name, documents, chunks, sparse, index, sentences, terms))
        except (OSError, KeyError, ValueError) as error:
            raise IndexFormatError(f"index at {folder} is damaged ({error}); {REBUILD_HINT}") from None
        snapshot = cls(folder, manifest, parts, log=log)
        if manifest.chunks != len(snapshot.chunks):
            raise IndexFormatError(
                f"index at {folder} is inconsistent: {len(snapshot.chunks)} live chunks where the manifest "
                f"records {manifest.chunks}; {REBUILD_HINT}"
            )
        return snapshot

    def chunk_rows(self) -> Iterable[tuple[int, Chunk]]:
        return enumerate(self.chunks)

    def reading(self) -> AbstractContextManager[object]:
        return nullcontext()  # the snapshot's files never change

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        return self.dense.vectors(np.asarray(rows, dtype=np.int64))

    def sentences(self, rows: Sequence[int]) -> list[ChunkSentences]:
        positions, own = self._homes
        return [self.segments[positions[row]].sentences.of(int(own[row])) for row in rows]

    def document_terms(self, source_ids: Sequence[str]) -> list[DocumentTerms]:
        return [self.segments[self._live.home[sid]].terms_of(sid) for sid in source_ids]

    def dense_search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.dense.search(query, k, None if allowed is None else np.asarray(allowed, dtype=np.int64))

    def bm25_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self._sparse.search(query, k, allowed)

    def rows_of(self, source_ids: Sequence[str]) -> np.ndarray:
        rows = [np.zeros(0, dtype=np.int64)]
        for source_id in dict.fromkeys(source_ids):
            home = self._live.home.get(source_id)
            if home is not None:
                rows.extend(self.live[home][start:end] for start, end in self.segments[home].rows_of(source_id))
        return np.sort(np.concatenate(rows))


class FileStore:
    """Snapshots under ``folder``; ``dense`` chooses the dense index each snapshot is built and opened with."""

    keeps_unchanged = True  # a snapshot links its base's segments: a build hands it only what changed

    def __init__(self, folder: Path | str, dense: DenseSettings | None = None) -> None:
        self.folder = Path(folder)
        self.dense = dense or DenseSettings()
        self._pointer_file = self.folder / "CURRENT"
        self._pointer: tuple[tuple[int, ...], Path | None] | None = None  # CURRENT's stat when read, and what it named

    def _current(self) -> Path | None:
        pointer = self._pointer_file
        if not pointer.exists():
            return None
        name = pointer.read_text(encoding="utf-8").strip()
        path = self.folder / "snapshots" / name
        if not name or not path.is_dir():
            raise IndexFormatError(f"{pointer} names a missing snapshot {name!r}; {REBUILD_HINT}")
        return path

    def manifest(self) -> Manifest | None:
        current = self._current()
        return _read_manifest(current)[0] if current else None

    def open(self) -> FileSnapshot:
        current = self._current()
        if current is None:
            raise IndexMissingError(f"no index in {self.folder}; build one with: python -m assistant index")
        return FileSnapshot.read(current, self.dense)

    def is_current(self, snapshot: FileSnapshot) -> bool:  # type: ignore[override]
        # Asked before every search: CURRENT is read again only when its stat moved. A publish replaces it with a
        # new file (os.replace), so another process's publish is seen at once; an inode reused by a later publish
        # gets a later ctime, unless within one tick of the clock, hence a pointer that recent is always read.
        try:
            stat = os.stat(self._pointer_file)
        except FileNotFoundError:
            return False
        key = (stat.st_ino, stat.st_dev, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        pointer = self._pointer
        if pointer is None or pointer[0] != key:
            try:
                named = self._current()
            except IndexFormatError:
                named = None
            # Stat first, then read: a publish between the two leaves the old stat cached, so it is read again.
            pointer = (key, named)
            if time.time_ns() - stat.st_ctime_ns > _RACY_NS:
                self._pointer = pointer
        return pointer[1] == snapshot.folder

    def publish(self, data: IndexData) -> FileSnapshot:
        """Make live the snapshot ``data.base`` becomes with ``data``'s documents (re)indexed: the base's
        segments are linked, not rewritten, and only those documents are written, tokenised and indexed.
        The snapshot returned is built from ``data``, not read back; ``data.vectors`` is swapped for a
        memory map of the written file (see ``IndexData``)."""
        base = data.base
        if base is not None and not isinstance(base, FileSnapshot):
            raise TypeError("the files store builds on one of its own snapshots")
        with self._locked():
            try:
                snapshot = self._publish(data, base)
            except FileNotFoundError as error:
                if base is None or base.folder.exists():
                    raise
                raise IndexFormatError(
                    f"the index in {self.folder} was replaced while this build ran ({error.filename} is gone); run it again"
                ) from None
        if base is None and snapshot.segments:
            data.vectors = snapshot.segments[0].dense.vectors
        return snapshot

    def tidy(self) -> None:
        """Remove what crashed builds left (staging folders, CURRENT.tmp, snapshots that never went live),
        keeping the live snapshot and the one live before it."""
        if not (self.folder / "snapshots").is_dir():
            return
        try:
            with writer_lock(self.folder):
                remove_staging(self.folder)
                current = self._live_name()
                if current is not None:
                    prune(self.folder / "snapshots", current)
        except OSError as error:  # e.g. a read-only index folder: the index still serves, only leftovers stay
            log.warning("could not tidy %s: %s", self.folder, error)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        (self.folder / "snapshots").mkdir(parents=True, exist_ok=True)
        with writer_lock(self.folder):
            yield

    def _publish(self, data: IndexData, base: FileSnapshot | None) -> FileSnapshot:
        remove_staging(self.folder)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.folder))
        try:
            record_previous(staging, self._live_name())
            parts, manifest, live = self._assemble(staging, data, base)
            segments.write_names(staging, parts)
            log = source_log.write(staging, manifest, (base.folder, base.manifest, base.source_log) if base else None)
            # Written last: a snapshot without a manifest was never finished.
            with open(staging / "manifest.json", "w", encoding="utf-8") as handle:
                json.dump({**manifest.header_json(), "source_log": source_log.pointer()}, handle, ensure_ascii=False)
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
        # The segments' vectors are mapped from their files (renamed, not moved), so the build's
        # in-memory copies are freed as soon as the caller lets go of them.
        return FileSnapshot(final, manifest, parts, live, log)

    def _assemble(
        self, staging: Path, data: IndexData, base: FileSnapshot | None
    ) -> tuple[list[Segment], Manifest, Live]:
        """The new snapshot's segments in ``staging``: the base's, linked, then the changed documents
        (merged with the newest segments when the merge rule says so), and its manifest."""
        parts = list(base.segments) if base is not None else []
        if data.documents:
            written = segments.write(
                staging, segments.new_name(), data.documents, data.chunks, data.vectors, data.sentences, False, self.dense,
                terms=data.terms,
            )  # fmt: skip
            parts.append(written)
        sources = data.manifest.sources
        if base is None:
            counted = live_rows(parts, sources)
        else:  # from the base's rows: only the changed documents' rows are touched
            counted = after_change(base._live, parts, sources, [sid for sid in base.manifest.sources if sid not in sources])
        live, chunks = counted.maps, counted.chunks
        layout = dense_layout(self.dense, len(chunks))
        start = segments.to_merge(live)
        if start < len(parts):
            graph = segments.wants_graph(layout, start, sum(int((m >= 0).sum()) for m in live[start:]))
            merged = segments.merge(staging, parts[start:], live[start:], sources, graph, self.dense)
            for gone in parts[start:]:
                shutil.rmtree(staging / "segments" / gone.name, ignore_errors=True)  # only a new one is there
            parts, counted = [*parts[:start], merged], after_merge(counted, start, merged)
        linked = {id(part) for part in base.segments} if base is not None else set()
        same_graphs = base is not None and base.manifest.dense == layout
        for position, part in enumerate(parts):
            want = segments.wants_graph(layout, position, len(part))
            keep = want and part.dense.graph is not None and (id(part) not in linked or same_graphs)
            if base is not None and id(part) in linked:
                segments.link(base.folder, staging, part, keep)
            if want != keep or (not want and part.dense.graph is not None):
                dense = DenseIndex.build(part.dense.vectors, self.dense, graph=want)
                if want:
                    segments.save_graph(dense, staging / "segments" / part.name)
                parts[position] = replace(part, dense=dense)
        manifest = replace(data.manifest, chunks=len(chunks), format_version=FORMAT_VERSION, dense=layout, vectors_sha256=None)
        return parts, manifest, counted

    def _live_name(self) -> str | None:
        """The live snapshot's name, or None when there is none or CURRENT names a missing one."""
        try:
            current = self._current()
        except IndexFormatError:
            return None
        return current.name if current else None


def _open_dense(folder: Path, manifest: Manifest, vectors: np.ndarray, settings: DenseSettings, graph: bool) -> DenseIndex:
    """A segment's dense index: exact, or its stored graph when it has the one the settings ask for
    (else built in memory)."""
    if not graph:
        return DenseIndex(vectors)
    graph_file = folder / GRAPH_FILE
    wanted = dense_layout(settings, manifest.chunks)
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
    return DenseIndex.build(np.asarray(vectors), settings, graph=True)


def _read_manifest(folder: Path) -> tuple[Manifest, SourceLog | None]:
    """The manifest, its sources gathered from the sources files (or held inline, as written before them)."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexFormatError(f"cannot read the manifest in {folder} ({error}); {REBUILD_HINT}") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        version = data.get("format_version") if isinstance(data, dict) else None
        raise IndexFormatError(
            f"index at {folder} has format version {version}, this version reads {FORMAT_VERSION}; {REBUILD_HINT}"
        )
    log = None
    try:
        if "source_log" in data:
            data["sources"], log = source_log.read(folder, data.pop("source_log"))
        return Manifest.from_json(data), log
    except OSError as error:
        raise IndexFormatError(f"cannot read the sources files in {folder} ({error}); {REBUILD_HINT}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise IndexFormatError(f"the manifest in {folder} is malformed ({error!r}); {REBUILD_HINT}") from None
