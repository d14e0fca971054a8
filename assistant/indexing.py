"""Build or refresh an index from a sources folder, re-embedding only what changed.

A source is reused as is when its bytes (sha256), its metadata entry and the source limits are unchanged
and the index was built with the same settings (a file whose size and mtime are those recorded, and not
from just before the last scan, is not even read; see changes.py); otherwise it is loaded and chunked
again within its own failure boundary, and only chunks whose text is new are embedded. Everything is
assembled in memory and published atomically.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from . import changes
from .changes import Seen
from .chunking import chunk_document, tiktoken_counter
from .config import Settings
from .embedding import Embedder
from .errors import IndexFormatError
from .manifest import FailureEntry, Manifest, ModelInfo, SourceEntry, chunk_counts, new_manifest, now, source_entry
from .sources import SourceFile, corpus_metadata, load_document
from .sources.limits import Deadline, guarded
from .sources.metadata import SourceMeta
from .store import IncrementalStore, IndexChanges, IndexData, IndexStore, Snapshot, dense_layout
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
    on_progress: Progress | None = None,
) -> tuple[BuildReport, Snapshot | None]:
    """Bring the store's index in line with ``sources_dir``; returns the report and the new snapshot (None if unchanged).

    ``loaded`` is a snapshot the caller already holds; it is reused instead of reading the live one
    again when it is that same version. ``on_progress`` see ``index_documents``.
    """
    scanned_ns = time.time_ns()
    metadata, failures = corpus_metadata(sources_dir)
    previous_manifest, reason = _compatible_manifest(store, settings.fingerprint_hash(embedder.name, embedder.max_tokens), loaded)
    files = changes.scan(sources_dir, metadata, previous_manifest, failures, settings.sources)
    previous_keys = {sid: entry.key for sid, entry in previous_manifest.sources.items()} if previous_manifest else {}
    layout = dense_layout(settings.dense, previous_manifest.chunks if previous_manifest else 0)
    if previous_manifest is not None:
        same_dense = previous_manifest.dense == layout
        if same_dense and changes.unchanged(previous_manifest, files, failures):
            store.tidy()  # a crash's leftovers go even when there is nothing to publish
            failed = tuple(f.failure() for f in changes.failed_files(previous_manifest).values())
            report = BuildReport(False, len(previous_keys), previous_manifest.chunks, failures=(*failures, *failed), reason="unchanged")
            return report, None
        if not same_dense:
            reason = f"updated: the dense index is now {layout['index']}"

    previous = None
    if previous_manifest is not None:
        previous = loaded if loaded is not None and loaded.manifest == previous_manifest else store.open()
    work = _load_changed(files, metadata, previous, previous_keys, failures, settings, embedder)
    removed = sorted(set(previous_keys) - {d.id for d in work.documents})
    stamp = now()

    def entry(doc: Document, chunks: int) -> SourceEntry:
        source, key = files[doc.id].source, files[doc.id].key
        prior = previous_manifest.sources.get(doc.id) if previous_manifest else None
        indexed = prior.indexed if prior is not None and prior.key == key else stamp
        return source_entry(doc, chunks, key, source.size, indexed, (source.size, source.mtime_ns))

    snapshot, embedded = index_documents(
        work.documents, store, embedder, settings, entry, _failure_entries(failures, work.failed_keys, files),
        previous=previous, fresh=work.fresh, scanned_ns=scanned_ns, progress=progress, on_progress=on_progress,
    )  # fmt: skip
    report = BuildReport(
        changed=True,
        documents=len(work.documents),
        chunks=len(snapshot.chunks),
        added=tuple(work.added),
        updated=tuple(work.updated),
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
    fresh: Mapping[str, list[Chunk]] | None = None,
    scanned_ns: int = 0,
    progress: bool = False,
    on_progress: Progress | None = None,
) -> tuple[Snapshot, int]:
    """Chunk, embed (reusing ``previous``'s vectors for unchanged text) and publish ``documents``.

    ``entry(document, chunks)`` gives each source's manifest entry; ``fresh`` holds chunks already made
    for some documents (within their file's time budget). Returns the published snapshot and the number
    of chunks embedded. The one way a new index version is made, for a sources folder or a BEIR corpus alike.
    ``on_progress(done, total)`` hears of the chunks to embed, before the first and after each slice; an
    exception it raises stops the build before anything is published.
    """
    fresh = fresh or {}
    if previous is not None and isinstance(store, IncrementalStore):
        # Only the documents that are new or differ from the previous version are chunked, embedded and written.
        changed = [doc for doc in documents if doc.id in fresh or previous.documents.get(doc.id) != doc]
        chunks = _chunk_all(changed, None, settings, embedder, fresh)
        own_ids = [doc.id for doc in changed]
        own_rows = previous.rows_of(own_ids)
        own = [(row, previous.chunks[row]) for row in own_rows]
        vectors, embedded = _vectors_for(chunks, previous, own, embedder, progress, on_progress)
        counts = {sid: e.chunks for sid, e in previous.manifest.sources.items()} | dict.fromkeys(own_ids, 0) | chunk_counts(chunks)
        manifest = _manifest(documents, counts, embedder, settings, entry, failures, scanned_ns)
        return store.publish_changes(IndexChanges(manifest, previous, changed, chunks, vectors)), embedded
    chunks = _chunk_all(documents, previous, settings, embedder, fresh)
    reusable = previous.chunk_rows() if previous is not None else ()
    vectors, embedded = _vectors_for(chunks, previous, reusable, embedder, progress, on_progress)
    manifest = _manifest(documents, chunk_counts(chunks), embedder, settings, entry, failures, scanned_ns)
    data = IndexData(manifest=manifest, documents=documents, chunks=chunks, vectors=vectors)
    del vectors  # the store may free it once written (see IndexData)
    return store.publish(data), embedded


def _manifest(
    documents: list[Document], counts: Mapping[str, int], embedder: Embedder, settings: Settings,
    entry: Callable[[Document, int], SourceEntry], failures: Iterable[FailureEntry], scanned_ns: int,
) -> Manifest:  # fmt: skip
    model = ModelInfo(embedder.name, embedder.dim, embedder.max_tokens)
    sources = {doc.id: entry(doc, counts.get(doc.id, 0)) for doc in documents}
    return new_manifest(settings, model, sources, failures, scanned_ns=scanned_ns)


@dataclass
class _Changed:
    """What a build reads: the documents to index, chunks made while loading, and what became of each file."""

    documents: list[Document] = field(default_factory=list)
    fresh: dict[str, list[Chunk]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed_keys: dict[str, str] = field(default_factory=dict)  # source id -> key of a file that failed to load


def _load_changed(
    files: dict[str, Seen],
    metadata: dict[str, SourceMeta],
    previous: Snapshot | None,
    previous_keys: dict[str, str],
    failures: list[LoadFailure],
    settings: Settings,
    embedder: Embedder,
) -> _Changed:
    """The documents to index (unchanged ones taken from ``previous``); a file that fails is added to ``failures``."""
    work = _Changed()
    for source_id, seen in files.items():
        if previous is not None and previous_keys.get(source_id) == seen.key:
            work.documents.append(previous.documents[source_id])
            continue
        loaded = guarded(source_id, partial(_load_and_chunk, seen.source, metadata.get(source_id), settings, embedder))
        if isinstance(loaded, LoadFailure):
            failures.append(loaded)
            work.failed_keys[source_id] = seen.key
            log.warning("skipped %r: %s", loaded.path, loaded.reason)
            continue
        doc, work.fresh[source_id] = loaded
        # Read again since the scan: the key follows the bytes that were indexed.
        files[source_id] = Seen(seen.source, doc.sha256 + ":" + changes.meta_key(metadata.get(source_id), settings.sources))
        work.documents.append(doc)
        (work.updated if source_id in previous_keys else work.added).append(source_id)
    return work


def _load_and_chunk(
    source: SourceFile, meta: SourceMeta | None, settings: Settings, embedder: Embedder
) -> tuple[Document, list[Chunk]]:
    """One file read, parsed and chunked within its time budget: the unit a failure stops."""
    deadline = Deadline(source.id, settings.sources.seconds_per_file)
    doc = load_document(source.path, source.id, meta, deadline=deadline, limits=settings.sources)
    counter = tiktoken_counter(settings.chunk.encoding)
    chunks = chunk_document(doc, settings.chunk, counter, embedder.count_tokens, embedder.max_tokens, deadline.check)
    return doc, chunks


def _failure_entries(failures: list[LoadFailure], failed_keys: dict[str, str], files: dict[str, Seen]) -> list[FailureEntry]:
    """Failures as the manifest keeps them, by source id: a file that failed to load keeps its key and
    stat, so an unchanged one is not loaded again next time."""
    entries = []
    for f in failures:
        if f.path in failed_keys:
            source = files[f.path].source
            entries.append(FailureEntry(f.path, f.reason, f.path, failed_keys[f.path], (source.size, source.mtime_ns)))
        else:
            entries.append(FailureEntry(f.path, f.reason))
    return entries


def _compatible_manifest(store: IndexStore, fingerprint: str, loaded: Snapshot | None) -> tuple[Manifest | None, str]:
    try:
        # The snapshot held is still live: its manifest is the one on disk, without reading and parsing it
        # (a second at 50,000 sources).
        manifest = loaded.manifest if loaded is not None and store.is_current(loaded) else store.manifest()
    except IndexFormatError as error:
        log.warning("rebuilding from scratch: %s", error)
        return None, "rebuilt: the old index was unreadable or of another format version"
    if manifest is None:
        return None, "built: there was no index"
    if manifest.fingerprint != fingerprint:
        return None, "rebuilt: the index was built with another model, chunker (settings or code version) or format"
    return manifest, "updated"


def _chunk_all(
    documents: list[Document], previous: Snapshot | None, settings: Settings, embedder: Embedder, fresh: Mapping[str, list[Chunk]]
) -> list[Chunk]:
    """Every document's chunks: those just made, else the previous index's when the document is unchanged, else made now."""
    reused: dict[str, list[Chunk]] = {}
    if previous is not None:
        for chunk in previous.chunks:
            reused.setdefault(chunk.source_id, []).append(chunk)
    counter = tiktoken_counter(settings.chunk.encoding)
    chunks: list[Chunk] = []
    for doc in documents:
        prior = previous.documents.get(doc.id) if previous is not None else None
        if doc.id in fresh:
            chunks.extend(fresh[doc.id])
        elif prior is not None and prior.sha256 == doc.sha256 and doc.id in reused:
            chunks.extend(reused[doc.id])
        else:
            chunks.extend(chunk_document(doc, settings.chunk, counter, embedder.count_tokens, embedder.max_tokens))
    return chunks


# Chunks per encode call: the model's output and intermediate buffers then hold a slice, not the corpus
# (at 556k chunks one call held 2-3 extra copies of the 0.8 GiB of vectors).
_ENCODE_SLICE = 4096
_PROGRESS_SLICE = 256  # with a progress listener: often enough for a page's progress bar and its Cancel

Progress = Callable[[int, int], None]


def _vectors_for(
    chunks: list[Chunk],
    previous: Snapshot | None,
    embedded_rows: Iterable[tuple[int, Chunk]],
    embedder: Embedder,
    progress: bool,
    on_progress: Progress | None,
) -> tuple[np.ndarray, int]:
    """Vectors for every chunk, taking those whose text ``embedded_rows`` of the previous index hold from it."""
    known: dict[str, int] = {}
    for row, chunk in embedded_rows:
        known.setdefault(chunk.text, row)
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    missing = [i for i, chunk in enumerate(chunks) if chunk.text not in known]
    hit = [i for i, chunk in enumerate(chunks) if chunk.text in known]
    if hit and previous is not None:
        vectors[hit] = previous.vectors([known[chunks[i].text] for i in hit])
    from tqdm.auto import tqdm

    report = on_progress or (lambda done, total: None)
    step = _PROGRESS_SLICE if on_progress else _ENCODE_SLICE
    report(0, len(missing))
    with tqdm(total=len(missing), unit="chunk", desc="Embedding", disable=not progress or not missing) as bar:
        for start in range(0, len(missing), step):
            part = missing[start : start + step]
            vectors[part] = embedder.encode([chunks[i].text for i in part])
            bar.update(len(part))
            report(start + len(part), len(missing))
    return vectors, len(missing)
