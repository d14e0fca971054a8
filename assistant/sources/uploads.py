"""Files added to the sources (from the browser or the API): checked, given a safe name, and saved.

A file is loaded with the same loaders the index uses *before* it is saved, so a bad file is
refused with its reason and never reaches ``sources/`` (where it would show up as a failure).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import LoadError, UploadError
from . import SUPPORTED, load_document, sha256_bytes, source_files

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-]+")  # \w is Unicode-aware: "Übersicht.pdf" keeps its letters
_MAX_STEM = 80


def safe_name(name: str) -> str:
    """A plain file name for ``name``: no folders, no leading dots, only letters, digits, ``._-``.

    ``"../../etc/passwd.txt"`` and ``"C:\\\\x\\\\report.txt"`` both lose their folders; the
    extension is lower-cased so ``.TXT`` and ``.txt`` are one type.
    """
    base = PureWindowsPath(PurePosixPath(unicodedata.normalize("NFKC", name)).name).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:_MAX_STEM] or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(upload: Path, original_name: str, sources_dir: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Check ``upload`` and save it into ``sources_dir`` under a safe, unused name; returns the new path.

    Raises:
        UploadError: wrong type, empty, too large, unreadable by its loader, or already in the sources.
    """
    shown = PureWindowsPath(PurePosixPath(original_name).name).name or "upload"
    name = safe_name(original_name)
    data = _checked(upload, name, shown, sources_dir, max_bytes)
    return _write_new(sources_dir, name, data)


def replace_upload(upload: Path, target: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Check ``upload`` as a new version of the source file ``target`` and put it in its place atomically.

    Raises:
        UploadError: as ``save_upload`` (named as ``target``), or the new version is of another file type.
    """
    if upload.suffix.lower() != target.suffix.lower():
        raise UploadError(target.name, f"a new version must be a {target.suffix} file too, got {upload.suffix or '(none)'!r}")
    data = _checked(upload, target.name, target.name, target.parent, max_bytes)
    fd, temporary = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)  # readers see the old version or the new one, never half of one
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def _checked(upload: Path, name: str, shown: str, sources_dir: Path, max_bytes: int) -> bytes:
    """The bytes of ``upload`` (to be saved as ``name``) once the loaders read text from them and no source holds them."""
    suffix = Path(name).suffix
    if suffix not in SUPPORTED:
        raise UploadError(shown, f"unsupported file type {suffix or '(none)'!r}; accepted: {' '.join(SUPPORTED)}")
    size = upload.stat().st_size
    if size == 0:
        raise UploadError(shown, "the file is empty")
    if size > max_bytes:
        raise UploadError(shown, f"the file is {human_size(size)}, over the {human_size(max_bytes)} limit")
    data = upload.read_bytes()
    try:
        document = load_document(Path(name), name, data=data)
    except LoadError as error:
        raise UploadError(shown, error.reason) from None
    if not document.text.strip():
        raise UploadError(shown, "no text could be read from the file")
    digest = sha256_bytes(data)
    for existing in source_files(sources_dir):
        if existing.stat().st_size == size and sha256_bytes(existing.read_bytes()) == digest:
            raise UploadError(shown, f"the same file is already in the sources as {existing.name}")
    return data


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` under ``name`` (or ``name-2``, ``name-3``… if taken) without ever replacing a file.

    The bytes go to a hidden temporary file first (the indexer skips hidden files), then are linked
    to the final name, which fails if the name exists: two uploads of one name cannot overwrite each other.
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    fd, temporary = tempfile.mkstemp(prefix=".upload-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        for number in range(1, 1000):
            target = folder / (name if number == 1 else f"{stem}-{number}{suffix}")
            try:
                os.link(temporary, target)
            except FileExistsError:
                continue
            return target
        raise UploadError(name, "too many files with this name in the sources")
    finally:
        os.unlink(temporary)


def human_size(size: int) -> str:
    """``"512 B"``, ``"3.4 KiB"``, ``"10.0 MiB"``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"
