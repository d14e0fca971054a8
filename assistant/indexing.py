"""Build or refresh an index from a sources folder, re-embedding only what changed.

A source is reused as is when its bytes (sha256) and its metadata entry are unchanged and the
index was built with the same settings; otherwise it is loaded and chunked again, and only chunks
whose text is new are embedded. Everything is assembled in memory and published atomically.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import chunk_document, tiktoken_counter
from .config import Settings
from .embedding import Embedder
from .errors import IndexFormatError, LoadError
from .sources import corpus_metadata, load_document, sha256_bytes, source_files
from .sources.metadata import SourceMeta
from .store import IndexData, IndexStore, Snapshot
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
    metadata, failures = corpus_metadata(sources_dir)

    files: dict[str, tuple[Path, bytes, str]] = {}
    for path in source_files(sources_dir):
        source_id = path.relative_to(sources_dir).as_posix()
        try:
            data = path.read_bytes()
        except OSError as error:
            failures.append(LoadFailure(str(path), f"cannot read: {error.strerror}"))
            continue
        files[source_id] = (path, data, _source_key(data, metadata.get(source_id)))

    previous_manifest, reason = _compatible_manifest(store, fingerprint)
    previous_sources = (previous_manifest or {}).get("sources", {})
    previous_keys = {sid: entry["key"] for sid, entry in previous_sources.items()}
    previous_failed = {f["source_id"]: f for f in (previous_manifest or {}).get("failures", []) if "source_id" in f}
    current_keys = {sid: key for sid, (_, _, key) in files.items()}
    known_keys = previous_keys | {sid: f["key"] for sid, f in previous_failed.items()}
    if previous_manifest is not None and not failures and current_keys == known_keys:
        failed = tuple(LoadFailure(f["path"], f["reason"]) for f in previous_failed.values())
        return BuildReport(False, len(previous_keys), previous_manifest["chunks"], failures=failed, reason="unchanged"), None

    previous = None
    if previous_manifest is not None:
        previous = loaded if loaded is not None and loaded.manifest == previous_manifest else store.open()
    documents: list[Document] = []
    added, updated = [], []
    failed_keys: dict[str, str] = {}
    for source_id, (path, data, key) in files.items():
        if previous is not None and previous_keys.get(source_id) == key:
            documents.append(previous.documents[source_id])
            continue
        try:
            documents.append(load_document(path, source_id, metadata.get(source_id), data=data))
        except LoadError as error:
            failures.append(LoadFailure(error.path, error.reason))
            failed_keys[source_id] = key
            log.warning("skipped %s", error)
            continue
        (updated if source_id in previous_keys else added).append(source_id)
    removed = sorted(set(previous_keys) - {d.id for d in documents} - set(added) - set(updated))

    chunks = _chunk_all(documents, previous, settings, embedder)
    vectors, embedded = _vectors_for(chunks, previous, embedder, progress)
    manifest = _manifest(settings, fingerprint, embedder, documents, chunks, files, failures, failed_keys, previous_sources)
    data = IndexData(manifest=manifest, documents=documents, chunks=chunks, vectors=vectors, failures=failures)
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


def _source_key(data: bytes, meta: SourceMeta | None) -> str:
    """Changes when the file's bytes or its metadata entry change."""
    meta = meta or SourceMeta()
    return sha256_bytes(data) + ":" + hashlib.sha256(repr((meta.title, meta.publisher)).encode()).hexdigest()[:16]


def _compatible_manifest(store: IndexStore, fingerprint: str) -> tuple[dict[str, Any] | None, str]:
    try:
        manifest = store.manifest()
    except IndexFormatError as error:
        log.warning("rebuilding from scratch: %s", error)
        return None, "rebuilt: the old index was unreadable or of another format version"
    if manifest is None:
        return None, "built: there was no index"
    if manifest.get("fingerprint") != fingerprint:
        return None, "rebuilt: the index was built with another model or chunker settings"
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


def _vectors_for(
    chunks: list[Chunk], previous: Snapshot | None, embedder: Embedder, progress: bool
) -> tuple[np.ndarray, int]:
    """Vectors for every chunk, taking those whose text is already embedded from the previous index."""
    known: dict[str, int] = {}
    if previous is not None:
        for row, chunk in enumerate(previous.chunks):
            known.setdefault(chunk.text, row)
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    missing = [i for i, chunk in enumerate(chunks) if chunk.text not in known]
    hit = [i for i, chunk in enumerate(chunks) if chunk.text in known]
    if hit and previous is not None:
        vectors[hit] = previous.vectors([known[chunks[i].text] for i in hit])
    if missing:
        vectors[missing] = embedder.encode([chunks[i].text for i in missing], progress=progress)
    return vectors, len(missing)


def _manifest(
    settings: Settings,
    fingerprint: str,
    embedder: Embedder,
    documents: list[Document],
    chunks: list[Chunk],
    files: dict[str, tuple[Path, bytes, str]],
    failures: list[LoadFailure],
    failed_keys: dict[str, str],
    previous_sources: dict[str, Any],
) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    failed_ids = {str(files[sid][0]): sid for sid in failed_keys}
    per_source: dict[str, int] = {}
    for chunk in chunks:
        per_source[chunk.source_id] = per_source.get(chunk.source_id, 0) + 1
    return {
        "created": now,
        "fingerprint": fingerprint,
        **settings.index_fingerprint(),
        "model": {"name": embedder.name, "dim": embedder.dim, "max_tokens": embedder.max_tokens, "normalized": True},
        "sources": {
            doc.id: {
                "sha256": doc.sha256,
                "key": files[doc.id][2],
                "bytes": len(files[doc.id][1]),
                "title": doc.title,
                "publisher": doc.publisher,
                "path": doc.path,
                "chunks": per_source.get(doc.id, 0),
                "indexed": (
                    previous_sources[doc.id]["indexed"]
                    if previous_sources.get(doc.id, {}).get("key") == files[doc.id][2]
                    else now
                ),
            }
            for doc in documents
        },
        "failures": [
            {"path": f.path, "reason": f.reason}
            | ({"source_id": failed_ids[f.path], "key": failed_keys[failed_ids[f.path]]} if f.path in failed_ids else {})
            for f in failures
        ],
    }
