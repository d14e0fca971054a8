"""An upload's build as the page shows it: passages embedded of the total, the time left, and Cancel."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from assistant.webapp.progress import BuildProgress, Cancelled, Cancels, reindexed


class Shown:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, str]] = []

    def __call__(self, value: Any, desc: str = "", unit: str = "") -> None:
        self.calls.append((value, desc))


def test_the_page_sees_files_read_passages_embedded_and_the_time_left() -> None:
    clock = iter([100.0, 110.0, 130.0])
    shown = Shown()
    progress = BuildProgress(shown, threading.Event(), files=3, clock=lambda: next(clock))
    progress.reading()
    progress(0, 400)
    progress(100, 400)  # 100 in 10 s: 300 more take about 30 s
    progress(400, 400)
    assert shown.calls == [
        (None, "Reading and splitting 3 files…"),
        ((0, 400), "3 files read; 0 of 400 passages embedded"),
        ((100, 400), "3 files read; 100 of 400 passages embedded, about 30 s left"),
        ((400, 400), "3 files read; 400 of 400 passages embedded"),
    ]


def test_cancel_stops_only_its_own_sessions_build_at_the_next_slice() -> None:
    cancels = Cancels()
    mine, theirs = cancels.start("me"), cancels.start("them")
    assert cancels.cancel("me") and not cancels.cancel("nobody")
    with pytest.raises(Cancelled):
        BuildProgress(Shown(), mine, files=1)(256, 1000)
    BuildProgress(Shown(), theirs, files=1)(256, 1000)  # the other session's build goes on
    cancels.finish("me", mine)
    assert not cancels.cancel("me")  # a finished build has nothing left to cancel


def test_a_saved_file_the_build_could_not_index_is_named_with_the_reason(editable_articles) -> None:  # type: ignore[no-untyped-def]
    saved = editable_articles.sources_dir / "scan.txt"
    saved.write_bytes(b"\x00\x01 not text")  # passed no upload check: as if it had failed only at indexing
    summary, kept = reindexed(editable_articles, [saved], BuildProgress(Shown(), threading.Event(), files=1))
    assert "searchable now: 5 documents" in summary
    assert summary.endswith("Not indexed: scan.txt: binary content (NUL bytes) in a text file.") and kept == [saved]
