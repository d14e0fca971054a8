"""What changed in a sources folder since the last index: each file's key, from its stat when that can be trusted.

A file's key is "<sha256 of the bytes>:<hash of its metadata entry and the limits>"; equal keys mean
nothing to redo. Entries the scan skips (links out of the folder, loops, FIFOs, ...) carry no key: the
same ones found again change nothing, a new or gone one does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

from .config import SourceSettings
from .manifest import FailureEntry, Manifest
from .sources import SourceFile, scan_folder, sha256_bytes
from .sources.metadata import SourceMeta
from .types import LoadFailure


class Seen(NamedTuple):
    """A source file as scanned, and its key (a named tuple: one per file, on every refresh)."""

    source: SourceFile
    key: str


def scan(
    sources_dir: Path,
    metadata: dict[str, SourceMeta],
    previous: Manifest | None,
    failures: list[LoadFailure],
    limits: SourceSettings,
) -> dict[str, Seen]:
    """Every source file and its key; a file whose stat the previous manifest vouches for is not read.

    Entries the scan skips, and files that cannot be read, are added to ``failures`` by source id.
    """
    known = {**failed_files(previous), **(previous.sources if previous else {})}
    found = scan_folder(sources_dir, limits)
    failures.extend(found.skipped)
    files: dict[str, Seen] = {}
    no_entry = meta_key(None, limits)  # most files have no metadata entry: hashed once, not per file (0.4 s at 50,000)
    trusted_before = (previous.scanned_ns if previous else 0) - _RACY_NS
    for source in found.files:
        entry_meta = metadata.get(source.id)
        meta = meta_key(entry_meta, limits) if entry_meta is not None else no_entry
        entry = known.get(source.id)
        if entry is not None and entry.key and entry.stat == (source.size, source.mtime_ns) and source.mtime_ns < trusted_before:
            # The bytes' hash as recorded; the metadata part as it is now.
            key = entry.key if entry.key.endswith(meta) else entry.key.partition(":")[0] + ":" + meta
            files[source.id] = Seen(source, key)
            continue
        try:
            data = source.path.read_bytes()
        except OSError as error:
            failures.append(LoadFailure(source.id, f"cannot read: {error.strerror}"))
            continue
        files[source.id] = Seen(source, sha256_bytes(data) + ":" + meta)
    return files


def unchanged(previous: Manifest, files: dict[str, Seen], failures: list[LoadFailure]) -> bool:
    """True when every file has the key the previous index recorded (indexed or failed) and the entries
    skipped before any reading (scan, metadata, unreadable) are the same ones: found again each run,
    they change nothing."""
    known_keys = {sid: entry.key for sid, entry in previous.sources.items()}
    known_keys |= {sid: f.key or "" for sid, f in failed_files(previous).items()}
    skipped_before = {(f.path, f.reason) for f in previous.failures if f.source_id is None}
    same_skips = {(f.path, f.reason) for f in failures} == skipped_before
    return same_skips and {sid: seen.key for sid, seen in files.items()} == known_keys


def failed_files(manifest: Manifest | None) -> dict[str, FailureEntry]:
    """The files the manifest records as failed to load, by source id."""
    return {f.source_id: f for f in (manifest.failures if manifest else ()) if f.source_id is not None}


def meta_key(meta: SourceMeta | None, limits: SourceSettings) -> str:
    """Changes with the file's metadata entry and with the limits: a file refused under one limit is read again under another."""
    meta = meta or SourceMeta()
    return hashlib.sha256(repr((meta.title, meta.publisher, limits)).encode()).hexdigest()[:16]


# A file modified this close to the previous scan may have changed again within one tick of the file
# system's clock (coarse: milliseconds, or 2 s on FAT) after it was hashed, with the same size and
# mtime: hash it again rather than trust its stat (git's "racy clean" rule).
_RACY_NS = 2_000_000_000

