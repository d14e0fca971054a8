"""Source metadata from ``sources/sources.toml``, the one place it is edited; documents without an entry still work.

An entry may give ``title``, ``publisher``, ``author``, ``published`` (a TOML date, ``2022-08-18``) and
``url``. What an entry leaves out may be filled from the file itself (``meta_extract``), but an entry
always wins: a person's correction must not be undone by the file's own tags.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import LoadError

METADATA_FILE = "sources.toml"
_MAX_TITLE = 160
_TEXT_FIELDS = ("title", "publisher", "author")


@dataclass(frozen=True)
class SourceMeta:
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: date | None = None
    url: str | None = None

    def filled_from(self, fallback: SourceMeta) -> SourceMeta:
        """This entry, with each field it leaves empty taken from ``fallback`` (e.g. the file's own tags)."""
        return replace(self, **{f.name: getattr(fallback, f.name) for f in fields(self) if getattr(self, f.name) is None})

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def read_metadata(folder: Path) -> dict[str, SourceMeta]:
    """Entries keyed by file name, e.g. ``["report.pdf"] title = "…" publisher = "…" published = 2022-08-18``."""
    path = folder / METADATA_FILE
    if not path.exists():
        return {}
    if not path.is_file():  # reading a named pipe would block the build
        raise LoadError(str(path), "not a regular file: not read")
    try:
        return parse_metadata(path.read_text(encoding="utf-8"), str(path))
    except UnicodeDecodeError as error:
        raise LoadError(str(path), f"not UTF-8: {error}") from None


def parse_metadata(text: str, shown: str) -> dict[str, SourceMeta]:
    """The entries of a ``sources.toml`` text; ``shown`` names the file in errors."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LoadError(shown, f"invalid TOML: {error}") from None
    out = {}
    for name, entry in table.items():
        if not isinstance(entry, dict):
            raise LoadError(shown, f"entry {name!r} must be a table of {', '.join(f.name for f in fields(SourceMeta))}")
        out[name] = _entry(shown, name, entry)
    return out


def _entry(shown: str, name: str, entry: dict[str, object]) -> SourceMeta:
    known = {f.name for f in fields(SourceMeta)}
    unknown = set(entry) - known
    if unknown:
        raise LoadError(shown, f"entry {name!r} has unknown field(s): {', '.join(sorted(unknown))}")
    values: dict[str, object] = {}
    for key, value in entry.items():
        try:
            values[key] = check_field(key, value)
        except ValueError as error:
            raise LoadError(shown, f"entry {name!r}: {error}") from None
    return SourceMeta(**values)  # type: ignore[arg-type]


def check_field(key: str, value: object) -> object:
    """The value a metadata field holds, checked; ValueError names the field and says what it must be."""
    if key in _TEXT_FIELDS:
        if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\t"):
            raise ValueError(f"{key} must be a non-empty one-line string, got {value!r}")
        return value.strip()
    if key == "published":
        if isinstance(value, datetime):  # a TOML datetime: the day is what a citation shows
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError(f"published must be a date such as 2022-08-18, got {value!r}")
    if key == "url":
        if isinstance(value, str):
            parts = urlsplit(value.strip())
            if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in value.strip()):
                return value.strip()
        raise ValueError(f"url must be an absolute http(s) address, got {value!r}")
    raise ValueError(f"unknown field {key!r}")


def form_metadata(values: Mapping[str, str | None], shown: str) -> SourceMeta:
    """The entry a form's text fields give (blank = not given), each checked as ``sources.toml``'s are.

    Raises:
        LoadError: an unknown field, or a value that is not valid; ``shown`` names the source in the message.
    """
    checked: dict[str, object] = {}
    for key, value in values.items():
        text = (value or "").strip()
        if not text:
            continue
        try:
            checked[key] = check_field(key, text)
        except ValueError as error:
            raise LoadError(shown, str(error)) from None
    return SourceMeta(**checked)  # type: ignore[arg-type]


def save_metadata(folder: Path, source_id: str, meta: SourceMeta) -> None:
    """Write ``source_id``'s entry into ``sources.toml``; an empty ``meta`` removes the entry.

    Comments, other entries and the fields whose value did not change are kept as written (tomlkit
    edits the document in place), so a note such as ``# "Credit: ITV News"`` survives an edit of the
    date. The new text is checked by the same reader before it replaces the file, and replaces it
    atomically: a crash or a bad value never leaves a half-written metadata file.
    """
    import tomlkit

    path = folder / METADATA_FILE
    for f in fields(meta):
        value = getattr(meta, f.name)
        if value is not None:
            try:
                check_field(f.name, value)
            except ValueError as error:
                raise LoadError(str(path), f"entry {source_id!r}: {error}") from None
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    except (tomlkit.exceptions.ParseError, UnicodeDecodeError) as error:
        raise LoadError(str(path), f"cannot be edited until it is valid TOML: {error}") from None
    if meta.is_empty():
        document.pop(source_id, None)
    else:
        _update_table(document, source_id, meta)
    text = tomlkit.dumps(document)
    parse_metadata(text, str(path))
    staging = path.with_name(f".{METADATA_FILE}.{os.getpid()}.tmp")
    try:
        staging.write_text(text, encoding="utf-8")
        os.replace(staging, path)
    except OSError as error:
        staging.unlink(missing_ok=True)
        raise LoadError(str(path), f"cannot write: {error.strerror}") from None


def _update_table(document: object, source_id: str, meta: SourceMeta) -> None:
    import tomlkit

    table = document.get(source_id)  # type: ignore[attr-defined]
    if table is None:
        table = tomlkit.table()
        document.add(source_id, table)  # type: ignore[attr-defined]
    for f in fields(meta):
        value = getattr(meta, f.name)
        current = table.get(f.name)
        if value is None:
            table.pop(f.name, None)
        elif current is None or check_field(f.name, _plain(current)) != value:
            table[f.name] = value  # only a changed field is rewritten, so its comment stays otherwise


def _plain(item: object) -> object:
    """A tomlkit item as the Python value tomllib would give."""
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if unwrap else item


def fallback_title(text: str, file_name: str) -> str:
    """The first line when it reads like a title, else the file name without its extension."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= _MAX_TITLE else Path(file_name).stem
    return Path(file_name).stem
