"""Which rows of a snapshot's segments are live, and their order: the rows searches see.

A document's rows are live in the newest segment holding it, while the manifest lists it. Counted from
scratch when a snapshot is opened (``live_rows``); a build derives the new snapshot's rows from the
previous one's (``after_change``, ``after_merge``), touching the rows of the documents it changed and
copying the rest in slices, so an edit does not walk every document and chunk of the corpus again.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Sequence
from dataclasses import dataclass

import numpy as np

from ..types import Chunk, Document
from .segments import Segment


@dataclass
class Live:
    """The live rows of a snapshot's segments."""

    documents: dict[str, Document]  # the live documents, by source id
    home: dict[str, int]  # the segment each live document lives in
    maps: list[np.ndarray]  # each segment's rows -> the snapshot's rows (-1: dead)
    chunks: list[Chunk]  # the live chunks in snapshot row order


def live_rows(segments: Sequence[Segment], sources: Container[str]) -> Live:
    """Counted from scratch: a document's rows are live in the newest segment holding it, while ``sources`` lists it."""
    home: dict[str, int] = {}
    documents: dict[str, Document] = {}
    for position, segment in enumerate(segments):
        for doc in segment.documents:
            if doc.id in sources:
                home[doc.id], documents[doc.id] = position, doc
    maps: list[np.ndarray] = []
    chunks: list[Chunk] = []
    for position, segment in enumerate(segments):
        runs = segment.runs()
        kept = np.fromiter((home.get(sid) == position for sid, _, _ in runs), dtype=bool, count=len(runs))
        alive = np.repeat(kept, [end - start for _, start, end in runs]) if runs else np.zeros(0, dtype=bool)
        mapping = np.full(len(segment), -1, dtype=np.int64)
        mapping[alive] = np.arange(len(chunks), len(chunks) + int(alive.sum()))
        chunks.extend(segment.chunks if alive.all() else itertools.compress(segment.chunks, alive.tolist()))
        maps.append(mapping)
    return Live(documents, home, maps, chunks)


def after_change(base: Live, segments: Sequence[Segment], sources: Container[str], gone: Sequence[str]) -> Live:
    """The live rows once ``segments`` (the base's, then new ones) replace the base's: the documents of the
    new segments move there, and ``gone`` (sources the base held and ``sources`` no longer lists) go."""
    first_new = len(base.maps)
    home, documents = dict(base.home), dict(base.documents)
    dead: list[tuple[int, str]] = [(home.pop(sid), sid) for sid in gone if sid in home]
    for sid in gone:
        documents.pop(sid, None)
    for position in range(first_new, len(segments)):
        for doc in segments[position].documents:
            if doc.id in sources:
                if doc.id in home and home[doc.id] < first_new:
                    dead.append((home[doc.id], doc.id))
                home[doc.id], documents[doc.id] = position, doc
    alive = [m >= 0 for m in base.maps]
    dead_rows: list[int] = []  # in the base's numbering
    for position, sid in dead:
        for start, end in segments[position].rows_of(sid):
            dead_rows.extend(base.maps[position][start:end].tolist())
            alive[position][start:end] = False
    chunks = _without(base.chunks, dead_rows)
    maps, numbered = [], 0
    for mask in alive:
        maps.append(_numbered(mask, numbered))
        numbered += int(mask.sum())
    for position in range(first_new, len(segments)):
        segment = segments[position]
        mask = np.fromiter((home.get(c.source_id) == position for c in segment.chunks), dtype=bool, count=len(segment))
        maps.append(_numbered(mask, len(chunks)))
        chunks.extend(itertools.compress(segment.chunks, mask.tolist()))
    return Live(documents, home, maps, chunks)


def after_merge(live: Live, start: int, merged: Segment) -> Live:
    """The live rows once the segments from ``start`` on are ``merged`` (their live rows, in order)."""
    offset = sum(int((m >= 0).sum()) for m in live.maps[:start])
    home = dict(live.home)
    for doc in merged.documents:
        home[doc.id] = start
    maps = [*live.maps[:start], np.arange(offset, offset + len(merged), dtype=np.int64)]
    return Live(live.documents, home, maps, live.chunks)


def homes(live: Sequence[np.ndarray], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of a snapshot's ``rows``: the segment holding it and its row there (``live`` inverted)."""
    positions = np.zeros(rows, dtype=np.int64)
    own = np.zeros(rows, dtype=np.int64)
    for position, mapping in enumerate(live):
        alive = np.flatnonzero(mapping >= 0)
        positions[mapping[alive]] = position
        own[mapping[alive]] = alive
    return positions, own


def _numbered(alive: np.ndarray, first: int) -> np.ndarray:
    """Rows ``first``, ``first`` + 1, ... for the live ones, in order; -1 for the dead."""
    mapping = np.full(len(alive), -1, dtype=np.int64)
    mapping[alive] = np.arange(first, first + int(alive.sum()))
    return mapping


def _without(chunks: list[Chunk], rows: list[int]) -> list[Chunk]:
    """``chunks`` less the ``rows``, copied in slices between them."""
    out: list[Chunk] = []
    previous = 0
    for row in sorted(rows):
        out.extend(chunks[previous:row])
        previous = row + 1
    out.extend(chunks[previous:])
    return out
