"""The manifest: what an index version holds and was built with, typed, with one writer (``new_manifest``).

Stored as ``manifest.json`` by the files backend (a PostgreSQL backend keeps the same JSON in a row).
``to_json`` writes the keys the index format has always had, so indexes built before this module
open unchanged; ``from_json`` refuses a manifest that lacks what a reader needs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from .config import FORMAT_VERSION, Settings
from .types import Chunk, Document, LoadFailure

FLAT: dict[str, Any] = {"index": "flat"}  # the dense layout of a manifest that records none


@dataclass(frozen=True)
class ModelInfo:
    name: str
    dim: int
    max_tokens: int
    normalized: bool = True


@dataclass(frozen=True)
class SourceEntry:
    """One indexed source: what decides whether it must be re-read, and what the sources listing shows."""

    sha256: str
    key: str  # "<sha256 of the bytes>:<hash of its metadata entry>"; equal keys mean nothing to redo
    bytes: int
    title: str
    publisher: str | None
    path: str
    chunks: int
    indexed: str  # when its current content was first indexed (ISO 8601, UTC)
    stat: tuple[int, int] | None = None  # size and mtime_ns at the scan, when it came from a file
    # What the file states about itself (Document.author/published/url), kept here so metadata and its
    # filters never read documents' text; manifests written before these existed read them as None.
    author: str | None = None
    published: date | None = None
    url: str | None = None


@dataclass(frozen=True)
class FailureEntry:
    """A source that could not be indexed; a file's key and stat let an unchanged failure be skipped,
    unless ``retry`` (it ran out of time, see ``LoadFailure.retry``) has the next build try it again."""

    path: str
    reason: str
    source_id: str | None = None
    key: str | None = None
    stat: tuple[int, int] | None = None
    retry: bool = False

    def failure(self) -> LoadFailure:
        return LoadFailure(self.path, self.reason, self.retry)


@dataclass(frozen=True)
class Manifest:
    fingerprint: str  # Settings.fingerprint_hash: a different one means the index must be rebuilt
    created: str
    model: ModelInfo
    chunker: dict[str, Any]
    chunker_version: int
    bm25: dict[str, Any]
    sources: dict[str, SourceEntry]
    failures: tuple[FailureEntry, ...] = ()
    scanned_ns: int = 0  # when the sources folder was scanned; files modified just before are re-hashed
    chunks: int = 0  # set by the store at publish
    dense: dict[str, Any] = field(default_factory=lambda: dict(FLAT))  # the dense layout built (store.dense_layout)
    vectors_sha256: str | None = None  # recorded with an HNSW graph, so a publish of the same vectors reuses it
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {**self.header_json(), "sources": {sid: source_to_json(entry) for sid, entry in self.sources.items()}}

    def header_json(self) -> dict[str, Any]:
        """Everything but the sources: a store that keeps them apart (the files store writes only the
        entries a build changed) stores this beside them."""
        # asdict deep-copies field by field: seconds at 50,000 sources, on every publish (an edit included).
        data = asdict(replace(self, sources={}))
        del data["sources"]
        data["failures"] = [_failure_to_json(f) for f in data["failures"]]
        if self.vectors_sha256 is None:
            del data["vectors_sha256"]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        """Raises KeyError, TypeError or ValueError when a field a reader needs is missing or malformed."""
        return cls(
            fingerprint=str(data["fingerprint"]),
            created=str(data["created"]),
            model=ModelInfo(**data["model"]),
            chunker=dict(data["chunker"]),
            chunker_version=int(data["chunker_version"]),
            bm25=dict(data["bm25"]),
            sources={sid: source_from_json(entry) for sid, entry in data["sources"].items()},
            failures=tuple(_failure_from_json(f) for f in data.get("failures", [])),
            scanned_ns=int(data.get("scanned_ns", 0)),
            chunks=int(data.get("chunks", 0)),
            dense=dict(data.get("dense", FLAT)),
            vectors_sha256=data.get("vectors_sha256"),
            format_version=int(data["format_version"]),
        )


def new_manifest(
    settings: Settings,
    model: ModelInfo,
    sources: Mapping[str, SourceEntry],
    failures: Iterable[FailureEntry] = (),
    *,
    scanned_ns: int = 0,
) -> Manifest:
    """The manifest of a new index version: everything but what the store adds at publish."""
    fingerprint = settings.index_fingerprint()
    return Manifest(
        fingerprint=settings.fingerprint_hash(model.name, model.max_tokens),
        created=now(),
        model=model,
        chunker=dict(fingerprint["chunker"]),  # type: ignore[call-overload]
        chunker_version=int(fingerprint["chunker_version"]),  # type: ignore[call-overload]
        bm25=dict(fingerprint["bm25"]),  # type: ignore[call-overload]
        sources=dict(sources),
        failures=tuple(failures),
        scanned_ns=scanned_ns,
    )


def source_entry(doc: Document, chunks: int, key: str, size: int, indexed: str, stat: tuple[int, int] | None = None) -> SourceEntry:
    return SourceEntry(
        doc.sha256, key, size, doc.title, doc.publisher, doc.path, chunks, indexed, stat, doc.author, doc.published, doc.url
    )


def source_to_json(entry: SourceEntry) -> dict[str, Any]:
    return _without_none(vars(entry), *_OPTIONAL_SOURCE)


def source_from_json(entry: Mapping[str, Any]) -> SourceEntry:
    """Raises TypeError or ValueError when the entry is malformed."""
    return SourceEntry(**_with_stat(entry))


def chunk_counts(chunks: Iterable[Chunk]) -> Counter[str]:
    """Chunks per source id."""
    return Counter(chunk.source_id for chunk in chunks)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_OPTIONAL_SOURCE = ("stat", "author", "published", "url")  # left out of the JSON when None, as before they existed


def _without_none(entry: dict[str, Any], *optional: str) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if not (k in optional and v is None)}
    if "stat" in out:
        out["stat"] = list(out["stat"])
    if "published" in out:
        out["published"] = out["published"].isoformat()
    return out


# Builds before timed-out files were retried recorded one like a broken file, with its key, and said so only in
# its reason: read so, a file such an index lists as failed is tried again by the next build too.
_TIMED_OUT_BEFORE = "took longer than the "


def _failure_to_json(entry: dict[str, Any]) -> dict[str, Any]:
    out = _without_none(entry, "source_id", "key", "stat")
    # A file's "retry" is written false included: without it a reason that begins as a time-out's is read as an
    # older index's time-out, and a file kept after timing out twice would be tried again. Other entries never retry.
    if "source_id" not in out:
        del out["retry"]
    return out


def _failure_from_json(entry: Mapping[str, Any]) -> FailureEntry:
    out = _with_stat(entry)
    if "retry" not in out:
        out["retry"] = out.get("source_id") is not None and str(out["reason"]).startswith(_TIMED_OUT_BEFORE)
    return FailureEntry(**out)


def _with_stat(entry: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(entry)
    if out.get("stat") is not None:
        out["stat"] = tuple(out["stat"])
    if out.get("published") is not None:
        out["published"] = date.fromisoformat(out["published"])
    return out
