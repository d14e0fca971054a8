"""An edit costs the edit: adding, changing or deleting one document tokenises, embeds and writes that
document only, and the index then answers exactly as a fresh build of the same sources would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.config import DenseSettings
from assistant.store import segments as segments_module
from assistant.store import sparse

NAMES = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Brennan", "Haddad", "Novak", "Silva"]
WORDS = [
    *("police", "unit", "allegations", "trust", "commissioner", "inspectors", "calls", "budget"),
    *("housing", "school", "river", "bridge", "council", "harbour", "ferry", "festival", "library"),
]
QUERIES = ["police allegations", "council budget housing", "river bridge inspectors", "Okafor harbour", "Novak library ferry"]
FLAT = Settings(dense=DenseSettings(index="flat"))
HNSW = Settings(dense=DenseSettings(index="hnsw"))


def write_document(folder: Path, number: int, seed: int = 0) -> Path:
    """A document of thirty sentences over a small vocabulary, so that many chunks compete for a query."""
    rng = np.random.default_rng(1000 * seed + number)
    sentences = [f"{rng.choice(NAMES)} " + " ".join(rng.choice(WORDS, size=8)) + f" {rng.integers(1, 999)}." for _ in range(30)]
    path = folder / f"doc{number:02d}.txt"
    path.write_text("\n".join(sentences), encoding="utf-8")
    return path


def corpus(folder: Path, documents: int = 10) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        write_document(folder, number)
    return folder


def answers(assistant: Assistant) -> list[list[tuple[str, float]]]:
    """Every query's BM25 and dense hits (chunk id, score), deep enough to hold every chunk that matches."""
    snapshot = assistant.snapshot
    found = []
    for query in QUERIES:
        vector = assistant.embedder.encode([query])[0]
        for hits in (snapshot.bm25_search(query, 1000), snapshot.dense_search(vector, 50)):
            found.append(sorted(((snapshot.chunks[row].id, score) for row, score in hits), key=lambda hit: (-hit[1], hit[0])))
    return found


def passages(assistant: Assistant) -> list[list[tuple[str, int, int]]]:
    return [[(p.source.id, p.start, p.end) for p in assistant.search(q, k=5).results] for q in QUERIES]


def assert_same_as_fresh(assistant: Assistant, tmp_path: Path, embedder, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    fresh = Assistant(assistant.sources_dir, tmp_path / "fresh", settings=settings, embedder=embedder)
    fresh.refresh()
    ours, theirs = answers(assistant), answers(fresh)
    for mine, expected in zip(ours, theirs, strict=True):
        assert [chunk for chunk, _ in mine] == [chunk for chunk, _ in expected]
        assert [score for _, score in mine] == pytest.approx([score for _, score in expected], rel=1e-6)
    assert passages(assistant) == passages(fresh)
    assert sorted(c.id for c in assistant.snapshot.chunks) == sorted(c.id for c in fresh.snapshot.chunks)
    reopened = Assistant(assistant.sources_dir, assistant.store.folder, settings=settings, embedder=embedder)
    assert answers(reopened) == ours  # the published files say what the snapshot in memory said


@pytest.fixture
def built(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    assistant = Assistant(corpus(tmp_path / "sources"), tmp_path / "index", settings=FLAT, embedder=fake_embedder)
    assistant.refresh()
    return assistant


def test_an_edit_tokenises_and_embeds_only_the_edited_document(built: Assistant, fake_embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tokenised: list[str] = []
    token_ids = sparse.token_ids

    def counted(texts, vocab):  # type: ignore[no-untyped-def]
        tokenised.extend(texts)
        return token_ids(texts, vocab)

    monkeypatch.setattr(sparse, "token_ids", counted)
    edited = write_document(built.sources_dir, 4, seed=1)
    fake_embedder.calls.clear()
    report = built.refresh()
    assert report.updated == ("doc04.txt",)
    mine = [c.text for c in built.snapshot.chunks if c.source_id == "doc04.txt"]
    assert tokenised == mine
    # The model saw only this document's text: its chunks, and the sentences in them (for quotes).
    assert fake_embedder.calls and all(any(call in chunk for chunk in mine) for call in fake_embedder.calls)
    assert built.snapshot.documents["doc04.txt"].text == edited.read_text(encoding="utf-8")


def test_an_edit_links_the_earlier_segments_instead_of_rewriting_them(built: Assistant) -> None:
    before = built.snapshot
    write_document(built.sources_dir, 2, seed=1)
    built.refresh()
    after = built.snapshot
    first = before.segments[0].name  # type: ignore[attr-defined]
    assert after.segments[0].name == first and len(after.segments) == 2  # type: ignore[attr-defined]
    old, new = (s.folder / "segments" / first / "vectors.npy" for s in (before, after))  # type: ignore[attr-defined]
    assert old.stat().st_ino == new.stat().st_ino


@pytest.mark.parametrize("settings", [FLAT, HNSW], ids=["flat", "hnsw"])
def test_edits_adds_and_deletes_answer_as_a_fresh_build_does(tmp_path: Path, fake_embedder, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    sources = corpus(tmp_path / "sources")
    assistant = Assistant(sources, tmp_path / "index", settings=settings, embedder=fake_embedder)
    assistant.refresh()
    write_document(sources, 3, seed=2)  # changed
    assert assistant.refresh().updated == ("doc03.txt",)
    assert_same_as_fresh(assistant, tmp_path / "a", fake_embedder, settings)
    write_document(sources, 10, seed=2)  # added
    assert assistant.refresh().added == ("doc10.txt",)
    assert_same_as_fresh(assistant, tmp_path / "b", fake_embedder, settings)
    (sources / "doc07.txt").unlink()  # deleted
    assert assistant.refresh().removed == ("doc07.txt",)
    assert "doc07.txt" not in {c.source_id for c in assistant.snapshot.chunks}
    assert_same_as_fresh(assistant, tmp_path / "c", fake_embedder, settings)


def test_many_edits_keep_few_segments_and_the_same_answers(tmp_path: Path, built: Assistant, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    for round_ in range(12):
        write_document(built.sources_dir, round_ % 10, seed=3 + round_)
        built.refresh()
        counts = [int((m >= 0).sum()) for m in built.snapshot.live]  # type: ignore[attr-defined]
        # Merged as they grow: each segment holds more than a MERGE_FACTOR-th of the one before.
        assert all(later * segments_module.MERGE_FACTOR < earlier for earlier, later in zip(counts, counts[1:]))
    assert_same_as_fresh(built, tmp_path, fake_embedder, FLAT)


def test_a_deleted_document_leaves_no_row_behind_once_its_segment_is_rewritten(tmp_path: Path, built: Assistant, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    for number in range(6):  # more than half of the first segment's rows go
        (built.sources_dir / f"doc{number:02d}.txt").unlink()
    built.refresh()
    snapshot = built.snapshot
    assert sum(len(s) for s in snapshot.segments) == len(snapshot.chunks)  # type: ignore[attr-defined]
    assert_same_as_fresh(built, tmp_path, fake_embedder, FLAT)
