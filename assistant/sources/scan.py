"""Find the candidate files under a sources folder, and say why every other entry is skipped.

The walk is iterative (a folder tree thousands of levels deep cannot exhaust the stack) and never
follows a link out of the folder unless ``SourceSettings.follow_links_outside`` says so: an index
serves its text to anyone who can search, so a link to ``/etc`` must not make it readable.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..config import SourceSettings
from ..types import LoadFailure
from .metadata import METADATA_FILE

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf")
_MAX_LINK_HOPS = 40  # the kernel's own limit (ELOOP)


class SourceFile(NamedTuple):
    """A candidate source file and what ``stat`` said of it when the folder was scanned.

    A named tuple, and its path kept as listed: a scan makes one per file (50,000 on every refresh of a
    large corpus), and a Path or a frozen dataclass each cost as much as the stat itself.
    """

    id: str  # path relative to the sources folder, with "/"
    location: str  # the path as listed; ``path`` for reading it
    size: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return Path(self.location)


@dataclass(frozen=True)
class Scan:
    """The files to read, sorted by path, and every entry skipped with its reason."""

    files: list[SourceFile] = field(default_factory=list)
    skipped: list[LoadFailure] = field(default_factory=list)


def scan_folder(folder: Path, settings: SourceSettings | None = None) -> Scan:
    """Every candidate file under ``folder``; hidden entries and the metadata file are left out silently."""
    settings = settings or SourceSettings()
    scan = Scan()
    if not folder.is_dir():
        return scan
    root = os.path.realpath(folder)
    limits = {suffix: settings.max_bytes(suffix) for suffix in SUPPORTED}
    pending: list[tuple[str, str]] = [(str(folder), "")]  # (folder, its source id prefix: "" or "a/b/")
    nested = False
    while pending:
        directory, prefix = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            scan.skipped.append(LoadFailure(prefix.rstrip("/") or ".", f"folder cannot be listed: {error.strerror}"))
            continue
        for entry in entries:  # once per file on every refresh: kept lean
            name = entry.name
            source_id = prefix + name
            if name.startswith(".") or source_id == METADATA_FILE:
                continue
            if not (name.isascii() or _is_utf8(name)):
                # Source ids are written as UTF-8 (index, links, citations): a name that is not cannot be one.
                scan.skipped.append(LoadFailure(_shown_name(source_id), "name is not valid UTF-8: not read (rename it)"))
                continue
            try:
                # The common case first: a regular file of a supported type within its limit.
                suffix = name[name.rfind(".") :].lower()
                if suffix in limits and entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    if info.st_size <= limits[suffix]:
                        scan.files.append(SourceFile(source_id, entry.path, info.st_size, info.st_mtime_ns))
                        continue
                outcome = _classify(entry, source_id, root, settings)
            except OSError as error:
                outcome = f"cannot read: {error.strerror or error}"
            if outcome is None:
                pending.append((entry.path, source_id + "/"))
                nested = True
            elif isinstance(outcome, str):
                scan.skipped.append(LoadFailure(source_id, outcome))
            else:
                scan.files.append(outcome)
    # By path, folder by folder: "/" sorts before every character a name can hold (without folders, the
    # ids alone: a source file is a tuple led by its id).
    scan.files.sort(key=(lambda source: source.id.replace("/", "\0")) if nested else None)
    scan.skipped.sort(key=lambda failure: failure.path.replace("/", "\0"))
    return scan


def _classify(entry: os.DirEntry[str], source_id: str, root: str, settings: SourceSettings) -> SourceFile | str | None:
    """A file to read, None for a folder to walk into, or the reason the entry is skipped."""
    if entry.is_symlink():
        reason = _link_problem(entry, root, settings)
        if reason:
            return reason
    elif entry.is_dir(follow_symlinks=False):
        suffix = _suffix(entry.name)
        if suffix in SUPPORTED:
            return f"a folder named like a {suffix} file: not read (rename it to index what it holds)"
        return None
    info = entry.stat()  # follows a link that passed the checks above
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)}): not read"
    suffix = _suffix(entry.name)
    if suffix not in SUPPORTED:
        return f"unsupported file type {suffix or '(none)'!r}; supported: {' '.join(SUPPORTED)}"
    limit = settings.max_bytes(suffix)
    if info.st_size > limit:
        return f"{_size(info.st_size)} is over the {_size(limit)} limit for {suffix} files (SourceSettings)"
    return SourceFile(source_id, entry.path, info.st_size, info.st_mtime_ns)


def _suffix(name: str) -> str:
    """``Path(name).suffix.lower()``, without making a Path."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def _link_problem(entry: os.DirEntry[str], root: str, settings: SourceSettings) -> str | None:
    """Why a symbolic link is not followed, or None when it leads to a file it may read."""
    try:
        target = os.stat(entry.path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"symbolic link loop: {_chain(entry.path)}"
        if error.errno == errno.ENOENT:
            return "dangling symbolic link: its target does not exist"
        raise
    real = os.path.realpath(entry.path)
    inside = os.path.commonpath([root, real]) == root
    if not inside and not settings.follow_links_outside:
        # The target is not named: the failure list is shown to every user of the app.
        return "symbolic link to a file outside the sources folder: not followed (SourceSettings.follow_links_outside)"
    if stat.S_ISDIR(target.st_mode):
        return "symbolic link to a folder: not followed (links to folders could make the walk loop)"
    return None


def _chain(path: str) -> str:
    """``a.txt -> b.txt -> a.txt``: the link names until one repeats, for the loop's report."""
    names, seen = [os.path.basename(path)], {os.path.abspath(path)}
    current = path
    for _ in range(_MAX_LINK_HOPS):
        try:
            target = os.path.join(os.path.dirname(current), os.readlink(current))
        except OSError:
            break
        names.append(os.path.basename(target))
        if os.path.abspath(target) in seen:
            break
        seen.add(os.path.abspath(target))
        current = target
    return _shown_name(" -> ".join(names))


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # the file system's undecodable bytes arrive as lone surrogates
        return False
    return True


def _shown_name(name: str) -> str:
    """``name`` with each byte that is not UTF-8 written as ``\\xff``, so it can be stored and printed."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"
