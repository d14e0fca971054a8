"""A build tells its listener how many chunks are embedded of how many, and a listener that raises stops
the build with the previous index still answering."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import Assistant


class Stop(Exception):
    pass


def write_notes(folder: Path, count: int, topic: str) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        (folder / f"{topic}_{i:04d}.txt").write_text(f"Note {i} about {topic} number {i}.", encoding="utf-8")


def test_progress_counts_grow_to_the_number_of_chunks_embedded(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    write_notes(tmp_path / "sources", 600, "harbour")
    heard: list[tuple[int, int]] = []
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    report = assistant.refresh(on_progress=lambda done, total: heard.append((done, total)))

    assert report.embedded_chunks == 600
    assert {total for _, total in heard} == {600}
    counts = [done for done, _ in heard]
    assert counts[0] == 0 and counts[-1] == 600
    assert len(counts) > 2 and counts == sorted(set(counts))  # grows in several steps, never repeats


def test_a_build_stopped_mid_embedding_leaves_the_previous_index_answering(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    sources = tmp_path / "sources"
    write_notes(sources, 3, "harbour")
    assistant = Assistant(sources, tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    version = assistant.store.manifest()
    write_notes(sources, 600, "lighthouse")

    def stop_after_first_slice(done: int, total: int) -> None:
        if done > 0:
            raise Stop

    with pytest.raises(Stop):
        assistant.refresh(on_progress=stop_after_first_slice)

    assert assistant.store.manifest() == version
    for reader in (assistant, Assistant(sources, tmp_path / "index", embedder=fake_embedder)):  # live and reopened
        assert [s.id for s in reader.sources()] == [f"harbour_{i:04d}.txt" for i in range(3)]
        assert reader.search("Note 2 about harbour", k=1).results[0].source.id == "harbour_0002.txt"
    assert assistant.refresh().embedded_chunks == 600  # the next build completes
