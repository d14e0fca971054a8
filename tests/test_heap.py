"""An open index is kept out of the garbage collector's full passes, and an edit frees the index it replaces
without one: a frozen object is never collected, so a snapshot must hold no reference cycles."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant

from test_incremental_index import FLAT, corpus, write_document


@pytest.fixture(autouse=True)
def _thawed_after() -> Iterator[None]:
    yield
    gc.enable()
    gc.unfreeze()  # the rest of the session's objects go back to the collector


def opened(tmp_path: Path, embedder) -> Assistant:  # type: ignore[no-untyped-def]
    assistant = Assistant(corpus(tmp_path / "sources", documents=12), tmp_path / "index", settings=FLAT, embedder=embedder)
    assistant.refresh()
    return assistant


def test_the_chunks_of_an_open_index_are_not_walked_by_full_collections(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = opened(tmp_path, fake_embedder)
    walked = {id(obj) for obj in gc.get_objects()}  # every generation the collector walks; frozen ones are not listed
    held = [assistant.snapshot, *assistant.snapshot.chunks, *assistant.snapshot.documents.values()]
    assert not [obj for obj in held if id(obj) in walked]


def test_an_edit_frees_the_snapshot_it_replaces_by_reference_counting_alone(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = opened(tmp_path, fake_embedder)
    assistant.search("harbour")
    replaced = weakref.ref(assistant.snapshot)
    gc.disable()
    write_document(tmp_path / "sources", 3, seed=1)
    assistant.refresh()
    assistant.search("harbour")
    assert replaced() is None


def test_segments_merged_away_are_freed_by_reference_counting_alone(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = opened(tmp_path, fake_embedder)
    gc.disable()
    first = {segment.name: weakref.ref(segment) for segment in assistant.snapshot.segments}  # type: ignore[attr-defined]
    for seed in range(1, 9):  # enough edits for the trailing segments to be merged
        write_document(tmp_path / "sources", seed, seed=seed)
        assistant.refresh()
    kept = {segment.name for segment in assistant.snapshot.segments}  # type: ignore[attr-defined]
    merged_away = [name for name in first if name not in kept]
    assert merged_away, "no segment was merged: the test's edits no longer exercise a merge"
    assert [name for name in merged_away if first[name]() is not None] == []
