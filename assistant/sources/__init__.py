"""Load source files into Documents; one broken file is reported and never stops the others."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import partial
from collections.abc import Iterator
from pathlib import Path

from ..config import SourceSettings
from ..errors import LoadError
from ..types import Document, LoadFailure
from .html import load_html
from .limits import Deadline, as_load_error, guarded
from .meta_extract import dateline_date
from .metadata import METADATA_FILE, SourceMeta, fallback_title, read_metadata
from .pdf import load_pdf
from .scan import SUPPORTED, Scan, SourceFile, scan_folder
from .text import load_text

__all__ = [
    "SUPPORTED",
    "Scan",
    "SourceFile",
    "corpus_metadata",
    "load_corpus",
    "load_document",
    "read_metadata",
    "scan_folder",
    "scan_sources",
    "sha256_file",
    "source_files",
]


def scan_sources(folder: Path) -> list[SourceFile]:
    """Every candidate file under ``folder``, sorted by path (see ``scan_folder`` for what is skipped)."""
    return scan_folder(folder).files


def source_files(folder: Path) -> Iterator[Path]:
    """Every candidate file under ``folder``, sorted; hidden files and the metadata file are skipped."""
    for source in scan_sources(folder):
        yield source.path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def load_document(
    path: Path,
    source_id: str,
    meta: SourceMeta | None = None,
    data: bytes | None = None,
    deadline: Deadline | None = None,
    limits: SourceSettings | None = None,
) -> Document:
    """Read one file; raise LoadError naming the file and the reason, whatever went wrong inside."""
    shown = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(shown, f"unsupported file type {suffix or '(none)'!r}; supported: {' '.join(SUPPORTED)}")
    limits = limits or SourceSettings()
    deadline = deadline or Deadline(shown, limits.seconds_per_file)
    try:
        if data is None:
            data = path.read_bytes()
        if len(data) > limits.max_bytes(suffix):
            raise LoadError(shown, f"{len(data):,} bytes is over the {limits.max_bytes(suffix):,} byte limit for {suffix} files")
        return _parse(path, source_id, meta or SourceMeta(), data, deadline, limits)
    except Exception as error:  # a parser's bug on one file is that file's failure, never the caller's crash
        raise as_load_error(shown, error) from None


def _parse(path: Path, source_id: str, meta: SourceMeta, data: bytes, deadline: Deadline, limits: SourceSettings) -> Document:
    shown = str(path)
    suffix = path.suffix.lower()
    page_starts: tuple[int, ...] = ()
    own = SourceMeta()  # what the file states about itself
    encoding = "utf-8"
    if suffix == ".pdf":
        text, page_starts, own = load_pdf(shown, data, deadline, limits.max_pdf_pages)
        encoding = "pdf"
    elif suffix in (".html", ".htm"):
        text, own, encoding = load_html(shown, data, deadline, limits.max_html_depth)
    else:
        text, encoding = load_text(shown, data)
    if own.published is None:
        own = replace(own, published=dateline_date(text))
    return Document(
        id=source_id,
        path=shown,
        title=meta.title or own.title or fallback_title(text, path.name),
        publisher=meta.publisher or own.publisher,
        text=text,
        sha256=sha256_bytes(data),
        page_starts=page_starts,
        encoding=encoding,
        author=own.author,
        published=own.published,
        url=own.url,
    )


def corpus_metadata(folder: Path) -> tuple[dict[str, SourceMeta], list[LoadFailure]]:
    """The metadata entries; a broken metadata file is a reported failure, never a stop."""
    try:
        return read_metadata(folder), []
    except LoadError as error:
        return {}, [LoadFailure(METADATA_FILE, error.reason)]
    except (OSError, RecursionError, MemoryError) as error:  # a link loop or a FIFO named sources.toml
        return {}, [LoadFailure(METADATA_FILE, as_load_error(METADATA_FILE, error).reason)]


def load_corpus(folder: Path, limits: SourceSettings | None = None) -> tuple[list[Document], list[LoadFailure]]:
    """All documents that load, and a failure record (path relative to ``folder``) for each entry that does not."""
    metadata, failures = corpus_metadata(folder)
    scan = scan_folder(folder, limits)
    failures.extend(scan.skipped)
    docs = []
    for source in scan.files:
        loaded = guarded(source.id, partial(load_document, source.path, source.id, metadata.get(source.id), limits=limits))
        (docs if isinstance(loaded, Document) else failures).append(loaded)
    return docs, failures
