"""A build derives the new snapshot's live rows from the previous snapshot's, touching only the changed
documents' rows: they must be exactly the rows counted from scratch, as opening the snapshot counts them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.store import live as live_module

from test_incremental_index import FLAT, corpus, write_document


def assert_counted_alike(assistant: Assistant) -> None:
    snapshot = assistant.snapshot
    derived = snapshot._live  # type: ignore[attr-defined]
    counted = live_module.live_rows(snapshot.segments, snapshot.manifest.sources)  # type: ignore[attr-defined]
    assert derived.home == counted.home and derived.documents == counted.documents
    assert [c.id for c in derived.chunks] == [c.id for c in counted.chunks]
    assert all(np.array_equal(a, b) for a, b in zip(derived.maps, counted.maps, strict=True))


def test_rows_after_edits_adds_deletes_and_merges_are_those_counted_from_scratch(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    sources = corpus(tmp_path / "sources", documents=12)
    assistant = Assistant(sources, tmp_path / "index", settings=FLAT, embedder=fake_embedder)
    assistant.refresh()
    steps = [
        lambda: write_document(sources, 3, seed=1),  # changed
        lambda: write_document(sources, 12, seed=1),  # added
        lambda: (sources / "doc05.txt").unlink(),  # deleted from the first segment
        lambda: (sources / "doc12.txt").unlink(),  # deleted from a later one
        lambda: [write_document(sources, n, seed=2) for n in (0, 1, 3)],  # an edited document edited again, with others
        lambda: [(sources / f"doc{n:02d}.txt").unlink() for n in (6, 7, 8, 9)],  # the first segment loses half its rows
    ]
    for step in steps:
        step()
        assert assistant.refresh().changed
        assert_counted_alike(assistant)
