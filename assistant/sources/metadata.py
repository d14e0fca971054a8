"""Titles and publishers from ``sources/sources.toml``; documents without an entry still work."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import LoadError

METADATA_FILE = "sources.toml"
_MAX_TITLE = 160


@dataclass(frozen=True)
class SourceMeta:
    title: str | None = None
    publisher: str | None = None


def read_metadata(folder: Path) -> dict[str, SourceMeta]:
    """Entries keyed by file name, e.g. ``["report.pdf"] title = "…" publisher = "…"``."""
    path = folder / METADATA_FILE
    if not path.exists():
        return {}
    if not path.is_file():  # reading a named pipe would block the build
        raise LoadError(str(path), "not a regular file: not read")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise LoadError(str(path), f"invalid TOML: {error}") from None
    out = {}
    for name, entry in table.items():
        if not isinstance(entry, dict):
            raise LoadError(str(path), f"entry {name!r} must be a table with title and publisher")
        unknown = set(entry) - {"title", "publisher"}
        if unknown:
            raise LoadError(str(path), f"entry {name!r} has unknown field(s): {', '.join(sorted(unknown))}")
        out[name] = SourceMeta(title=entry.get("title"), publisher=entry.get("publisher"))
    return out


def fallback_title(text: str, file_name: str) -> str:
    """The first line when it reads like a title, else the file name without its extension."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= _MAX_TITLE else Path(file_name).stem
    return Path(file_name).stem
