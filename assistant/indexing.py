"""Build or refresh an index from a sources folder, re-embedding only what changed.

A source is reused as is when its bytes (sha256), its metadata entry and the source limits are unchanged
and the index was built with the same settings (a file whose size and mtime are those recorded, and not
from just before the last scan, is not even read; see changes.py); otherwise it is loaded and chunked
again within its own failure boundary, and only chunks whose text is new are embedded. A file that failed
by its content keeps its failure while its key is the same; one that ran out of time is tried again by the
next build, as a busy machine alone can cause that, and kept as failed if that retry runs out of time too. Everything is assembled in memory and published atomically.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import changes
from .changes import Seen
from .chunking import chunk_document, tiktoken_counter
from .config import Settings
from .embedding import Embedder
from .errors import IndexFormatError
from .manifest import FailureEntry, Manifest, ModelInfo, SourceEntry, chunk_counts, new_manifest, now, source_entry
from .sentence_vectors import Progress, embed_chunks
from .sources import SourceFile, corpus_metadata, load_document
from .sources.limits import Deadline, guarded
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
    failed_before = changes.failed_files(previous_manifest)
    # Set when nothing changed but files that ran out of time last build: they are tried again, and a new
    # version is published only when that changes what the index records (one loads, or fails otherwise).
    only_retries: Manifest | None = None
    if previous_manifest is not None:
        same_dense = previous_manifest.dense == layout
        if same_dense and changes.unchanged(previous_manifest, files, failures):
            if not any(f.retry for f in failed_before.values()):
                return _unchanged(store, previous_manifest, [*failures, *(f.failure() for f in failed_before.values())]), None
            only_retries = previous_manifest
        if not same_dense:
            reason = f"updated: the dense index is now {layout['index']}"

    previous = None
    if previous_manifest is not None:
        previous = loaded if loaded is not None and loaded.manifest == previous_manifest else store.open()
    # A store that keeps unchanged sources' rows is handed only the new and changed ones: nothing of the
    # unchanged ones is read back, so a one-document change costs that document, not the corpus.
    delta = previous is not None and store.keeps_unchanged
    reuse = None if delta or previous is None else previous.documents
    work = _load_changed(files, metadata, reuse, previous_keys, failed_before, failures, settings, embedder)
    if only_retries is not None and not work.added and set(failures) == {f.failure() for f in only_retries.failures}:
        return _unchanged(store, only_retries, failures), None
    removed = sorted(set(previous_keys) - {d.id for d in work.documents} - set(work.kept))
    stamp = now()
    kept = {sid: _restat(previous_manifest.sources[sid], files[sid]) for sid in work.kept} if previous_manifest else {}

    def entry(doc: Document, chunks: int) -> SourceEntry:
        source, key = files[doc.id].source, files[doc.id].key
        prior = previous_manifest.sources.get(doc.id) if previous_manifest else None
        indexed = prior.indexed if prior is not None and prior.key == key else stamp
        return source_entry(doc, chunks, key, source.size, indexed, (source.size, source.mtime_ns))

    snapshot, embedded = index_documents(
        work.documents, store, embedder, settings, entry, _failure_entries(failures, work.failed_keys, files),
        previous=previous, fresh=work.fresh, scanned_ns=scanned_ns, progress=progress, on_progress=on_progress,
        kept=kept, reuse_from=work.updated if delta else None,
    )  # fmt: skip
    report = BuildReport(
        changed=True,
        documents=len(work.documents) + len(kept),
        chunks=len(snapshot.chunks),
        added=tuple(work.added),
        updated=tuple(work.updated),
        removed=tuple(removed),
        embedded_chunks=embedded,
        failures=tuple(failures),
        reason=reason,
    )
    return report, snapshot


def _unchanged(store: IndexStore, manifest: Manifest, failures: list[LoadFailure]) -> BuildReport:
    store.tidy()  # a crash's leftovers go even when there is nothing to publish
    return BuildReport(False, len(manifest.sources), manifest.chunks, failures=tuple(failures), reason="unchanged")


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
    kept: Mapping[str, SourceEntry] | None = None,
    reuse_from: Sequence[str] | None = None,
) -> tuple[Snapshot, int]:
    """Chunk, embed (reusing ``previous``'s vectors for unchanged text) and publish ``documents``.

    ``entry(document, chunks)`` gives each source's manifest entry; ``fresh`` holds chunks already made
    for some documents (within their file's time budget). Returns the published snapshot and the number
    of chunks embedded. The one way a new index version is made, for a sources folder or a BEIR corpus alike.
    ``on_progress(done, total)`` hears of the chunks to embed, before the first and after each slice; an
    exception it raises stops the build before anything is published.
    ``kept`` are the entries of sources the store keeps from its live version (``IndexStore.keeps_unchanged``),
    not among ``documents``; vectors are then reused only from the previous rows of ``reuse_from``'s sources.
    """
    chunks = _chunk_all(documents, None if reuse_from is not None else previous, settings, embedder, fresh or {})
    counts = chunk_counts(chunks)
    model = ModelInfo(embedder.name, embedder.dim, embedder.max_tokens)
    sources = {**(kept or {}), **{doc.id: entry(doc, counts[doc.id]) for doc in documents}}
    manifest = new_manifest(settings, model, sources, failures, scanned_ns=scanned_ns)
    base = previous if store.keeps_unchanged else None
    # Vectors go to files as they are made (store/spool.py), which the store links into the new version; the
    # snapshot returned may still map them, which Windows will not let go of (hence no error on clean-up).
    with tempfile.TemporaryDirectory(prefix="assistant-build-", ignore_cleanup_errors=True) as spool:
        made = embed_chunks(
            chunks, documents, previous, embedder, settings.model.sentence_vectors, Path(spool),
            progress=progress, on_progress=on_progress, reuse_from=reuse_from,
        )  # fmt: skip
        data = IndexData(manifest, documents, chunks, made.vectors, made.sentences, base, terms=made.terms)
        return store.publish(data), made.embedded


@dataclass
class _Changed:
    """What a build reads: the documents to index, chunks made while loading, and what became of each file."""

    documents: list[Document] = field(default_factory=list)
    fresh: dict[str, list[Chunk]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed_keys: dict[str, str] = field(default_factory=dict)  # source id -> key of a file that failed to load
    kept: list[str] = field(default_factory=list)  # unchanged sources the store keeps without their being read


def _load_changed(
    files: dict[str, Seen],
    metadata: dict[str, SourceMeta],
    reuse: Mapping[str, Document] | None,
    previous_keys: dict[str, str],
    failed_before: dict[str, FailureEntry],
    failures: list[LoadFailure],
    settings: Settings,
    embedder: Embedder,
) -> _Changed:
    """The documents to index (unchanged ones taken from ``reuse``, or only named as kept when it is None);
    a file that fails, or failed before by its content and is unchanged, is added to ``failures``."""
    work = _Changed()
    for source_id, seen in files.items():
        if previous_keys.get(source_id) == seen.key:
            if reuse is None:
                work.kept.append(source_id)
            else:
                work.documents.append(reuse[source_id])
            continue
        before = failed_before.get(source_id)
        if before is not None and before.key == seen.key and not before.retry:
            # Its content failed: reading it again would cost the same and fail the same (a PDF bomb every build).
            failures.append(before.failure())
            work.failed_keys[source_id] = seen.key
            continue
        loaded = guarded(source_id, partial(_load_and_chunk, seen.source, metadata.get(source_id), settings, embedder))
        if isinstance(loaded, LoadFailure):
            if loaded.retry and before is not None and before.retry and before.key == seen.key:
                # Out of time on its retry too, with the same bytes: the file is the likelier cause, and trying it on
                # every build would spend its whole budget on each upload and each refresh the watcher starts.
                loaded = replace(loaded, retry=False, reason=loaded.reason + " twice in a row; it will be tried again when it changes")
            elif loaded.retry:
                loaded = replace(loaded, reason=loaded.reason + "; it will be tried again on the next build")
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
    # The first count loads the tokenizer, with the whole model for the real embedder: tens of seconds on a
    # busy machine, which once used up the first file's budget and skipped a shipped article.
    embedder.count_tokens("")
    deadline = Deadline(source.id, settings.sources.seconds_per_file)
    doc = load_document(source.path, source.id, meta, deadline=deadline, limits=settings.sources)
    counter = tiktoken_counter(settings.chunk.encoding)
    chunks = chunk_document(doc, settings.chunk, counter, embedder.count_tokens, embedder.max_tokens, deadline.check)
    return doc, chunks


def _restat(prior: SourceEntry, seen: Seen) -> SourceEntry:
    """An unchanged source's entry with the stat of this scan (a touched file keeps its key); the entry
    itself when the stat is the same, so a store sees at a glance that it did not change."""
    stat = (seen.source.size, seen.source.mtime_ns)
    return prior if prior.stat == stat else replace(prior, stat=stat)


def _failure_entries(failures: list[LoadFailure], failed_keys: dict[str, str], files: dict[str, Seen]) -> list[FailureEntry]:
    """Failures as the manifest keeps them, by source id: a file that failed to load keeps its key and
    stat, so an unchanged one is not loaded again next time unless it ran out of time."""
    entries = []
    for f in failures:
        if f.path in failed_keys:
            source = files[f.path].source
            entries.append(FailureEntry(f.path, f.reason, f.path, failed_keys[f.path], (source.size, source.mtime_ns), f.retry))
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
