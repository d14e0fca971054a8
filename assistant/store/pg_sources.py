"""Each index version's manifest in PostgreSQL: its header in ``assistant.versions``, its source entries
as rows of ``assistant.sources`` (migration 7 in pg_schema).

A source's entry row is visible from the version that wrote it (``added``) until the one that changed or
dropped it (``removed``), like a chunk. A publish writes rows only for the sources whose entry it adds,
changes or drops, so an edit of one document writes one entry, not the whole list (about 350 bytes a
source: 32 MB a publish at a million chunks). A process that holds the manifest of a version the
database still keeps reads only the entries written or dropped since; otherwise it reads them all.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from ..config import FORMAT_VERSION
from ..errors import IndexFormatError
from ..manifest import Manifest, SourceEntry, source_from_json, source_to_json
from .pg_schema import visible

Known = tuple[tuple[int, Any], Manifest]  # a manifest already parsed, by its version's (number, publish time)

_REBUILD = "rebuild it with: python -m assistant index --store <URL>"


def write(conn: Any, version: int, sources: Mapping[str, SourceEntry], which: Collection[str] | None) -> None:
    """Make ``sources`` version ``version``'s entries, rewriting those of ``which`` only (all when None):
    their live rows are stamped removed and their entries in ``sources``, if any, inserted."""
    if which is None:
        conn.execute("UPDATE assistant.sources SET removed = %s WHERE removed IS NULL", (version,))
        written: Collection[str] = sources
    else:
        conn.execute(
            "UPDATE assistant.sources SET removed = %s WHERE removed IS NULL AND source_id = ANY(%s)",
            (version, list(which)),
        )
        written = [sid for sid in which if sid in sources]
    with conn.cursor().copy("COPY assistant.sources (source_id, added, entry) FROM STDIN") as copy:
        for sid in written:
            copy.write_row((sid, version, json.dumps(source_to_json(sources[sid]), ensure_ascii=False)))


def read(conn: Any, version: int, published: Any, where: str, known: Known | None = None) -> Manifest:
    """Version ``version``'s manifest (published at ``published``): from ``known`` when it is that version,
    else ``known`` with the entries changed since, when its version is still kept, else read whole.
    IndexFormatError when the version is of another format or malformed."""
    if known is not None and known[0] == (version, published):
        return known[1]
    header = conn.execute("SELECT manifest FROM assistant.versions WHERE version = %s", (version,)).fetchone()[0]
    head = read_manifest({**header, "sources": {}}, where)
    since = _kept(conn, known, version)
    if since is None:
        rows = conn.execute(f"SELECT source_id, entry FROM assistant.sources WHERE {visible()}", {"version": version})
        return replace(head, sources=_parsed(dict(sorted(rows.fetchall())), where))
    base, base_version = since
    params = {"since": base_version, "version": version}
    written = conn.execute(f"SELECT source_id, entry FROM assistant.sources WHERE added > %(since)s AND {visible()}", params)
    changed = _parsed(dict(written.fetchall()), where)
    dropped = {sid for (sid,) in conn.execute(
        "SELECT source_id FROM assistant.sources WHERE added <= %(since)s AND removed > %(since)s AND removed <= %(version)s",
        params,
    ).fetchall()}  # fmt: skip
    sources = {sid: entry for sid, entry in base.sources.items() if sid not in dropped or sid in changed}
    sources.update(changed)
    return replace(head, sources=sources)


def read_manifest(stored: Any, where: str) -> Manifest:
    """The typed manifest of a version's JSON; IndexFormatError when it is of another format or malformed."""
    version = stored.get("format_version") if isinstance(stored, dict) else None
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"the index in {where} has format version {version}, this version reads {FORMAT_VERSION}; {_REBUILD}"
        )
    try:
        return Manifest.from_json(stored)
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFormatError(f"the manifest in {where} is malformed ({error!r}); {_REBUILD}") from None


def _parsed(entries: dict[str, Any], where: str) -> dict[str, SourceEntry]:
    try:
        return {sid: source_from_json(entry) for sid, entry in entries.items()}
    except (TypeError, ValueError) as error:
        raise IndexFormatError(f"the source entry in {where} is malformed ({error!r}); {_REBUILD}") from None


def _kept(conn: Any, known: Known | None, version: int) -> tuple[Manifest, int] | None:
    """``known`` and its version when the database still keeps that version, older than ``version``: every
    entry row it saw is then still there (a publish deletes only rows removed before the versions it keeps)."""
    if known is None or known[0][0] >= version:
        return None
    (base_version, published), manifest = known
    row = conn.execute("SELECT published FROM assistant.versions WHERE version = %s", (base_version,)).fetchone()
    return (manifest, base_version) if row is not None and row[0] == published else None
