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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import chunk_document, tiktoken_counter
from .config import Settings
from .embedding import Embedder
from .errors import IndexFormatError, LoadError
from .sources import SourceFile, corpus_metadata, load_document, scan_sources, sha256_bytes
from .sources.metadata import SourceMeta
from .store import FLAT, IndexData, IndexStore, Snapshot, dense_layout
from .types import Chunk, Document, LoadFailure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What an index run did; ``changed`` is False when the live index already matched the sources."""

    changed: bool
    documents: int
    chunks: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    embedded_chunks: int = 0
    failures: tuple[LoadFailure, ...] = field(default_factory=tuple)
    reason: str = ""


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
    fingerprint = settings.fingerprint_hash(embedder.name, embedder.max_tokens)
    scanned_ns = time.time_ns()
    metadata, failures = corpus_metadata(sources_dir)
    previous_manifest, reason = _compatible_manifest(store, fingerprint)
    previous_sources = (previous_manifest or {}).get("sources", {})
    previous_keys = {sid: entry["key"] for sid, entry in previous_sources.items()}
    previous_failed = {f["source_id"]: f for f in (previous_manifest or {}).get("failures", []) if "source_id" in f}

    files: dict[str, _Seen] = {}
    for source in scan_sources(sources_dir):
        meta_key = _meta_key(metadata.get(source.id))
        known = previous_sources.get(source.id) or previous_failed.get(source.id)
        if known is not None and _stat_unchanged(known, source, (previous_manifest or {}).get("scanned_ns", 0)):
            files[source.id] = _Seen(source, known["key"].split(":")[0] + ":" + meta_key)
            continue
        try:
            data = source.path.read_bytes()
        except OSError as error:
            failures.append(LoadFailure(str(source.path), f"cannot read: {error.strerror}"))
            continue
        files[source.id] = _Seen(source, sha256_bytes(data) + ":" + meta_key)

    current_keys = {sid: seen.key for sid, seen in files.items()}
    known_keys = previous_keys | {sid: f["key"] for sid, f in previous_failed.items()}
    layout = dense_layout(settings.dense, (previous_manifest or {}).get("chunks", 0))
    same_dense = (previous_manifest or {}).get("dense", FLAT) == layout
    if previous_manifest is not None and not failures and current_keys == known_keys and same_dense:
        failed = tuple(LoadFailure(f["path"], f["reason"]) for f in previous_failed.values())
        return BuildReport(False, len(previous_keys), previous_manifest["chunks"], failures=failed, reason="unchanged"), None
    if previous_manifest is not None and not same_dense:
        reason = f"updated: the dense index is now {layout['index']}"

    previous = None
    if previous_manifest is not None:
        previous = loaded if loaded is not None and loaded.manifest == previous_manifest else store.open()
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
    removed = sorted(set(previous_keys) - {d.id for d in documents} - set(added) - set(updated))

    chunks = _chunk_all(documents, previous, settings, embedder)
    vectors, embedded = _vectors_for(chunks, previous, embedder, progress)
    manifest = _manifest(
        settings, fingerprint, embedder, documents, chunks, files, failures, failed_keys, previous_manifest, scanned_ns
    )
    data = IndexData(manifest=manifest, documents=documents, chunks=chunks, vectors=vectors, failures=failures)
    del vectors  # the store may free it once written (see IndexData)
    snapshot = store.publish(data)
    report = BuildReport(
        changed=True,
        documents=len(documents),
        chunks=len(chunks),
        added=tuple(added),
        updated=tuple(updated),
        removed=tuple(removed),
        embedded_chunks=embedded,
        failures=tuple(failures),
        reason=reason,
    )
    return report, snapshot


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


def _stat_unchanged(known: dict[str, Any], source: SourceFile, scanned_ns: int) -> bool:
    """True when the file's size and mtime are those recorded, and old enough to trust."""
    return known.get("stat") == [source.size, source.mtime_ns] and source.mtime_ns < scanned_ns - _RACY_NS


def _compatible_manifest(store: IndexStore, fingerprint: str) -> tuple[dict[str, Any] | None, str]:
    try:
        manifest = store.manifest()
    except IndexFormatError as error:
        log.warning("rebuilding from scratch: %s", error)
        return None, "rebuilt: the old index was unreadable or of another format version"
    if manifest is None:
        return None, "built: there was no index"
    if manifest.get("fingerprint") != fingerprint:
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


def _manifest(
    settings: Settings,
    fingerprint: str,
    embedder: Embedder,
    documents: list[Document],
    chunks: list[Chunk],
    files: dict[str, _Seen],
    failures: list[LoadFailure],
    failed_keys: dict[str, str],
    previous_manifest: dict[str, Any] | None,
    scanned_ns: int,
) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    previous_sources = (previous_manifest or {}).get("sources", {})
    failed_ids = {str(files[sid].source.path): sid for sid in failed_keys}
    per_source: dict[str, int] = {}
    for chunk in chunks:
        per_source[chunk.source_id] = per_source.get(chunk.source_id, 0) + 1
    return {
        "created": now,
        "fingerprint": fingerprint,
        "scanned_ns": scanned_ns,
        **settings.index_fingerprint(),
        "model": {"name": embedder.name, "dim": embedder.dim, "max_tokens": embedder.max_tokens, "normalized": True},
        "sources": {
            doc.id: {
                "sha256": doc.sha256,
                "key": files[doc.id].key,
                "bytes": files[doc.id].source.size,
                "stat": [files[doc.id].source.size, files[doc.id].source.mtime_ns],
                "title": doc.title,
                "publisher": doc.publisher,
                "path": doc.path,
                "chunks": per_source.get(doc.id, 0),
                "indexed": (
                    previous_sources[doc.id]["indexed"]
                    if previous_sources.get(doc.id, {}).get("key") == files[doc.id].key
                    else now
                ),
            }
            for doc in documents
        },
        "failures": [
            {"path": f.path, "reason": f.reason}
            | (
                {
                    "source_id": failed_ids[f.path],
                    "key": failed_keys[failed_ids[f.path]],
                    "stat": [files[failed_ids[f.path]].source.size, files[failed_ids[f.path]].source.mtime_ns],
                }
                if f.path in failed_ids
                else {}
            )
            for f in failures
        ],
    }
