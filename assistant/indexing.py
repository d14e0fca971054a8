"""Build or refresh an index from a sources folder, re-embedding only what changed.

A source is reused as is when its bytes (sha256) and its metadata entry are unchanged and the
index was built with the same settings (a file whose size and mtime are those recorded, and not
from just before the last scan, is not even read); otherwise it is loaded and chunked again, and
only chunks whose text is new are embedded. Everything is assembled in memory and published atomically.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import chunk_document, tiktoken_counter
from .config import Settings
from .embedding import Embedder
from .errors import IndexFormatError, LoadError
from .manifest import FailureEntry, Manifest, ModelInfo, SourceEntry, chunk_counts, new_manifest, now, source_entry
from .sources import SourceFile, corpus_metadata, load_document, scan_sources, sha256_bytes
from .sources.metadata import SourceMeta
from .store import IndexData, IndexStore, Snapshot, dense_layout
from .types import BuildReport, Chunk, Document, LoadFailure

log = logging.getLogger(__name__)


def build_index(
    sources_dir: Path,
    store: IndexStore,
    embedder: Embedder,
    settings: Settings,
    *,
    progress: bool = False,
    loaded: Snapshot | None = None,
) -> tuple[BuildReport, Snapshot | None]:
    """Bring the store's index in line with ``sources_dir``; returns the report and the new snapshot (None if unchanged).

    ``loaded`` is a snapshot the caller already holds; it is reused instead of reading the live one
    again when it is that same version.
    """
    scanned_ns = time.time_ns()
    metadata, failures = corpus_metadata(sources_dir)
    previous_manifest, reason = _compatible_manifest(store, settings.fingerprint_hash(embedder.name, embedder.max_tokens))
    files = _scan(sources_dir, metadata, previous_manifest, failures)
    previous_keys = {sid: entry.key for sid, entry in previous_manifest.sources.items()} if previous_manifest else {}
    previous_failed = _failed_files(previous_manifest)
    layout = dense_layout(settings.dense, previous_manifest.chunks if previous_manifest else 0)
    if previous_manifest is not None:
        known_keys = previous_keys | {sid: f.key or "" for sid, f in previous_failed.items()}
        same_dense = previous_manifest.dense == layout
        if not failures and {sid: seen.key for sid, seen in files.items()} == known_keys and same_dense:
            failed = tuple(f.failure() for f in previous_failed.values())
            return BuildReport(False, len(previous_keys), previous_manifest.chunks, failures=failed, reason="unchanged"), None
        if not same_dense:
            reason = f"updated: the dense index is now {layout['index']}"

    previous = None
    if previous_manifest is not None:
        previous = loaded if loaded is not None and loaded.manifest == previous_manifest else store.open()
    documents, added, updated, failed_keys = _load_changed(files, metadata, previous, previous_keys, failures)
    removed = sorted(set(previous_keys) - {d.id for d in documents} - set(added) - set(updated))
    stamp = now()

    def entry(doc: Document, chunks: int) -> SourceEntry:
        source, key = files[doc.id].source, files[doc.id].key
        prior = previous_manifest.sources.get(doc.id) if previous_manifest else None
        indexed = prior.indexed if prior is not None and prior.key == key else stamp
        return source_entry(doc, chunks, key, source.size, indexed, (source.size, source.mtime_ns))

    snapshot, embedded = index_documents(
        documents, store, embedder, settings, entry, _failure_entries(failures, failed_keys, files),
        previous=previous, scanned_ns=scanned_ns, progress=progress,
    )  # fmt: skip
    report = BuildReport(
        changed=True,
        documents=len(documents),
        chunks=len(snapshot.chunks),
        added=tuple(added),
        updated=tuple(updated),
        removed=tuple(removed),
        embedded_chunks=embedded,
        failures=tuple(failures),
        reason=reason,
    )
    return report, snapshot


def index_documents(
    documents: list[Document],
    store: IndexStore,
    embedder: Embedder,
    settings: Settings,
    entry: Callable[[Document, int], SourceEntry],
    failures: Iterable[FailureEntry] = (),
    *,
    previous: Snapshot | None = None,
    scanned_ns: int = 0,
    progress: bool = False,
) -> tuple[Snapshot, int]:
    """Chunk, embed (reusing ``previous``'s vectors for unchanged text) and publish ``documents``.

    ``entry(document, chunks)`` gives each source's manifest entry. Returns the published snapshot and
    the number of chunks embedded. The one way a new index version is made, for a sources folder or a
    BEIR corpus alike.
    """
    chunks = _chunk_all(documents, previous, settings, embedder)
    vectors, embedded = _vectors_for(chunks, previous, embedder, progress)
    counts = chunk_counts(chunks)
    model = ModelInfo(embedder.name, embedder.dim, embedder.max_tokens)
    sources = {doc.id: entry(doc, counts[doc.id]) for doc in documents}
    manifest = new_manifest(settings, model, sources, failures, scanned_ns=scanned_ns)
    data = IndexData(manifest=manifest, documents=documents, chunks=chunks, vectors=vectors)
    del vectors  # the store may free it once written (see IndexData)
    return store.publish(data), embedded


def _scan(
    sources_dir: Path, metadata: dict[str, SourceMeta], previous: Manifest | None, failures: list[LoadFailure]
) -> dict[str, _Seen]:
    """Every source file and its key; a file whose stat the previous manifest vouches for is not read."""
    known = {**_failed_files(previous), **(previous.sources if previous else {})}
    files: dict[str, _Seen] = {}
    for source in scan_sources(sources_dir):
        meta_key = _meta_key(metadata.get(source.id))
        entry = known.get(source.id)
        if entry is not None and entry.key and _stat_unchanged(entry.stat, source, previous.scanned_ns if previous else 0):
            files[source.id] = _Seen(source, entry.key.split(":")[0] + ":" + meta_key)
            continue
        try:
            data = source.path.read_bytes()
        except OSError as error:
            failures.append(LoadFailure(str(source.path), f"cannot read: {error.strerror}"))
            continue
        files[source.id] = _Seen(source, sha256_bytes(data) + ":" + meta_key)
    return files


def _failed_files(manifest: Manifest | None) -> dict[str, FailureEntry]:
    return {f.source_id: f for f in (manifest.failures if manifest else ()) if f.source_id is not None}


def _load_changed(
    files: dict[str, _Seen],
    metadata: dict[str, SourceMeta],
    previous: Snapshot | None,
    previous_keys: dict[str, str],
    failures: list[LoadFailure],
) -> tuple[list[Document], list[str], list[str], dict[str, str]]:
    """The documents to index (unchanged ones taken from ``previous``), added and updated ids, and failed keys."""
    documents: list[Document] = []
    added, updated = [], []
    failed_keys: dict[str, str] = {}
    for source_id, seen in files.items():
        if previous is not None and previous_keys.get(source_id) == seen.key:
            documents.append(previous.documents[source_id])
            continue
        try:
            doc = load_document(seen.source.path, source_id, metadata.get(source_id))
        except LoadError as error:
            failures.append(LoadFailure(error.path, error.reason))
            failed_keys[source_id] = seen.key
            log.warning("skipped %s", error)
            continue
        # Read again since the scan: the key follows the bytes that were indexed.
        files[source_id] = _Seen(seen.source, doc.sha256 + ":" + _meta_key(metadata.get(source_id)))
        documents.append(doc)
        (updated if source_id in previous_keys else added).append(source_id)
    return documents, added, updated, failed_keys


def _failure_entries(
    failures: list[LoadFailure], failed_keys: dict[str, str], files: dict[str, _Seen]
) -> list[FailureEntry]:
    """Failures as the manifest keeps them: a file that failed to load keeps its key and stat, so an
    unchanged one is not loaded again next time."""
    failed_ids = {str(files[sid].source.path): sid for sid in failed_keys}
    entries = []
    for f in failures:
        sid = failed_ids.get(f.path)
        if sid is None:
            entries.append(FailureEntry(f.path, f.reason))
        else:
            source = files[sid].source
            entries.append(FailureEntry(f.path, f.reason, sid, failed_keys[sid], (source.size, source.mtime_ns)))
    return entries


@dataclass(frozen=True)
class _Seen:
    """A source file as scanned, and its key: "<sha256 of the bytes>:<hash of its metadata entry>"."""

    source: SourceFile
    key: str


def _meta_key(meta: SourceMeta | None) -> str:
    meta = meta or SourceMeta()
    return hashlib.sha256(repr((meta.title, meta.publisher)).encode()).hexdigest()[:16]


# A file modified this close to the previous scan may have changed again within one tick of the file
# system's clock (coarse: milliseconds, or 2 s on FAT) after it was hashed, with the same size and
# mtime: hash it again rather than trust its stat (git's "racy clean" rule).
_RACY_NS = 2_000_000_000


def _stat_unchanged(stat: tuple[int, int] | None, source: SourceFile, scanned_ns: int) -> bool:
    """True when the file's size and mtime are those recorded, and old enough to trust."""
    return stat == (source.size, source.mtime_ns) and source.mtime_ns < scanned_ns - _RACY_NS


def _compatible_manifest(store: IndexStore, fingerprint: str) -> tuple[Manifest | None, str]:
    try:
        manifest = store.manifest()
    except IndexFormatError as error:
        log.warning("rebuilding from scratch: %s", error)
        return None, "rebuilt: the old index was unreadable or of another format version"
    if manifest is None:
        return None, "built: there was no index"
    if manifest.fingerprint != fingerprint:
        return None, "rebuilt: the index was built with another model, chunker (settings or code version) or format"
    return manifest, "updated"


def _chunk_all(documents: list[Document], previous: Snapshot | None, settings: Settings, embedder: Embedder) -> list[Chunk]:
    reused: dict[str, list[Chunk]] = {}
    if previous is not None:
        for chunk in previous.chunks:
            reused.setdefault(chunk.source_id, []).append(chunk)
    counter = tiktoken_counter(settings.chunk.encoding)
    chunks: list[Chunk] = []
    for doc in documents:
        prior = previous.documents.get(doc.id) if previous is not None else None
        if prior is not None and prior.sha256 == doc.sha256 and doc.id in reused:
            chunks.extend(reused[doc.id])
        else:
            chunks.extend(chunk_document(doc, settings.chunk, counter, embedder.count_tokens, embedder.max_tokens))
    return chunks


# Chunks per encode call: the model's output and intermediate buffers then hold a slice, not the corpus
# (at 556k chunks one call held 2-3 extra copies of the 0.8 GiB of vectors).
_ENCODE_SLICE = 4096


def _vectors_for(
    chunks: list[Chunk], previous: Snapshot | None, embedder: Embedder, progress: bool
) -> tuple[np.ndarray, int]:
    """Vectors for every chunk, taking those whose text is already embedded from the previous index."""
    known: dict[str, int] = {}
    if previous is not None:
        for row, chunk in previous.chunk_rows():
            known.setdefault(chunk.text, row)
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    missing = [i for i, chunk in enumerate(chunks) if chunk.text not in known]
    hit = [i for i, chunk in enumerate(chunks) if chunk.text in known]
    if hit and previous is not None:
        vectors[hit] = previous.vectors([known[chunks[i].text] for i in hit])
    from tqdm.auto import tqdm

    with tqdm(total=len(missing), unit="chunk", desc="Embedding", disable=not progress or not missing) as bar:
        for start in range(0, len(missing), _ENCODE_SLICE):
            part = missing[start : start + _ENCODE_SLICE]
            vectors[part] = embedder.encode([chunks[i].text for i in part])
            bar.update(len(part))
    return vectors, len(missing)
