"""The dense index follows ``Settings.dense``: exact (flat) or an HNSW graph stored with the snapshot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.config import DenseSettings
from assistant.errors import IndexFormatError, SettingsError
from assistant.store import dense as dense_module
from assistant.store.dense import DenseIndex
from assistant.store.segments import GRAPH_FILE

WORDS = [
    *("police", "unit", "allegations", "trust", "commissioner", "inspectors", "calls"),
    *("budget", "housing", "school", "river", "bridge", "council"),
]
QUERIES = ["police allegations", "commissioner trust", "council budget housing", "river bridge inspectors"]
FLAT = Settings(dense=DenseSettings(index="flat"))
HNSW = Settings(dense=DenseSettings(index="hnsw"))


def corpus(folder: Path, documents: int = 12) -> Path:
    """Documents of a few sentences each, drawn from a small vocabulary so that many chunks compete."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for number in range(documents):
        sentences = [" ".join(rng.choice(WORDS, size=8)).capitalize() + "." for _ in range(30)]
        (folder / f"doc{number:02d}.txt").write_text("\n".join(sentences), encoding="utf-8")
    return folder


def make(tmp_path: Path, embedder, settings: Settings) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant(tmp_path / "sources", tmp_path / "index", settings=settings, embedder=embedder)


def ranked(assistant: Assistant, query: str, **kwargs) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(p.source.id, p.start) for p in assistant.search(query, k=10, mode="dense", **kwargs).results]


def graph_file(assistant: Assistant) -> Path:
    """Where the live snapshot's first segment keeps its graph."""
    snapshot = assistant.snapshot
    return snapshot.folder / "segments" / snapshot.segments[0].name / GRAPH_FILE  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    return corpus(tmp_path / "sources")


def test_hnsw_finds_what_the_flat_index_finds_on_a_small_corpus(tmp_path: Path, sources: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    flat = Assistant(sources, tmp_path / "flat", settings=FLAT, embedder=fake_embedder)
    hnsw = Assistant(sources, tmp_path / "hnsw", settings=HNSW, embedder=fake_embedder)
    flat.refresh()
    hnsw.refresh()
    assert flat.snapshot.dense.kind == "flat" and hnsw.snapshot.dense.kind == "hnsw"  # type: ignore[attr-defined]
    assert len(flat.snapshot.chunks) > 30
    for query in QUERIES:
        assert ranked(hnsw, query) == ranked(flat, query)


def test_the_hnsw_graph_is_stored_at_publish_and_reopened_without_rebuilding(
    tmp_path: Path, sources: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    built = make(tmp_path, fake_embedder, HNSW)
    built.refresh()
    assert graph_file(built).stat().st_size > 0
    assert built.store.manifest().dense == {"index": "hnsw", "m": 32, "ef_construction": 80}

    def no_rebuild(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the stored graph should have been opened, not rebuilt")

    monkeypatch.setattr(DenseIndex, "build", no_rebuild)
    reopened = make(tmp_path, fake_embedder, HNSW)
    assert reopened.snapshot.dense.kind == "hnsw"  # type: ignore[attr-defined]
    assert ranked(reopened, "police allegations") == ranked(built, "police allegations")


def test_a_source_filter_is_respected_by_the_exact_and_the_graph_paths(
    tmp_path: Path, sources: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    hnsw = make(tmp_path, fake_embedder, HNSW)
    hnsw.refresh()
    chosen = ["doc03.txt", "doc07.txt"]
    exact = ranked(hnsw, "police allegations", sources=chosen)
    assert exact and {source for source, _ in exact} <= set(chosen)
    assert exact == ranked(make(tmp_path, fake_embedder, FLAT), "police allegations", sources=chosen)
    # Above EXACT_ROWS allowed rows, the graph is searched with a selector: still only those sources.
    monkeypatch.setattr(dense_module, "EXACT_ROWS", 0)
    through_graph = ranked(hnsw, "police allegations", sources=chosen)
    assert through_graph and {source for source, _ in through_graph} <= set(chosen)


def test_a_flat_snapshot_opens_under_hnsw_settings_and_the_next_refresh_stores_the_graph(
    tmp_path: Path, sources: Path, fake_embedder  # type: ignore[no-untyped-def]
) -> None:
    make(tmp_path, fake_embedder, FLAT).refresh()
    hnsw = make(tmp_path, fake_embedder, HNSW)
    assert hnsw.snapshot.dense.kind == "hnsw"  # built in memory from the stored vectors
    assert ranked(hnsw, "commissioner trust") == ranked(make(tmp_path, fake_embedder, FLAT), "commissioner trust")
    fake_embedder.calls.clear()
    report = hnsw.refresh()
    assert report.changed and report.reason == "updated: the dense index is now hnsw"
    assert fake_embedder.calls == []  # same chunks, same vectors: only the graph is new
    assert graph_file(hnsw).exists()
    assert not hnsw.refresh().changed


def test_a_metadata_change_republishes_with_the_same_graph_file(tmp_path: Path, sources: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    hnsw = make(tmp_path, fake_embedder, HNSW)
    hnsw.refresh()
    before = graph_file(hnsw)
    (sources / "sources.toml").write_text('["doc01.txt"]\ntitle = "Renamed"\n', encoding="utf-8")
    assert hnsw.refresh().changed
    after = graph_file(hnsw)
    assert after != before and after.stat().st_ino == before.stat().st_ino  # linked, not rebuilt
    assert hnsw.document("doc01.txt").title == "Renamed"


def test_auto_switches_to_hnsw_from_the_configured_size(tmp_path: Path, sources: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    small = make(tmp_path, fake_embedder, Settings(dense=DenseSettings(index="auto", hnsw_from=10**6)))
    small.refresh()
    assert small.snapshot.dense.kind == "flat"  # type: ignore[attr-defined]
    large = make(tmp_path, fake_embedder, Settings(dense=DenseSettings(index="auto", hnsw_from=10)))
    assert large.refresh().reason == "updated: the dense index is now hnsw"
    assert large.snapshot.dense.kind == "hnsw"  # type: ignore[attr-defined]


def test_a_damaged_graph_file_says_how_to_rebuild(tmp_path: Path, sources: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    built = make(tmp_path, fake_embedder, HNSW)
    built.refresh()
    graph_file(built).write_bytes(b"not a faiss index")
    with pytest.raises(IndexFormatError, match="damaged HNSW graph.*python -m assistant index"):
        make(tmp_path, fake_embedder, HNSW).search("police")


def test_a_graph_built_with_other_parameters_is_not_used(tmp_path: Path, sources: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path, fake_embedder, HNSW).refresh()
    other = make(tmp_path, fake_embedder, Settings(dense=DenseSettings(index="hnsw", m=8)))
    assert other.snapshot.dense.parts[0].graph.hnsw.nb_neighbors(1) == 8  # type: ignore[attr-defined]
    assert other.refresh().reason == "updated: the dense index is now hnsw"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("index", "ivf", "dense index must be one of flat, hnsw, auto, got 'ivf'"),
        ("m", 0, "dense m must be positive, got 0"),
        ("ef_search", -1, "dense ef_search must be positive, got -1"),
    ],
)
def test_bad_dense_settings_are_refused_with_the_reason(field: str, value: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        DenseSettings(**{field: value})  # type: ignore[arg-type]


def test_a_postgresql_hnsw_build_gets_memory_for_its_graph_up_to_the_setting() -> None:
    from assistant.store import pg_publish

    class Recorder:
        def __init__(self) -> None:
            self.statements: list[str] = []

        def execute(self, statement: str, *args: object) -> None:
            self.statements.append(statement)

    def memory(rows: int, cap: int) -> str:
        conn = Recorder()
        pg_publish._dense_index(conn, {"index": "hnsw", "m": 32, "ef_construction": 80}, 384, None, rows, cap)
        assert conn.statements[-1].startswith("CREATE INDEX chunks_hnsw")
        return next(s for s in conn.statements if "maintenance_work_mem" in s).split("=")[1].strip()

    # ~2.3 KB a vector with its links: a million chunks get ~2.7 GiB, past the server's default 64 MB.
    assert memory(1_000_000, 4096) == "'2784MB'"
    assert memory(1_000_000, 1024) == "'1024MB'"  # DenseSettings.build_memory_mb caps it
    assert memory(5_000, 4096) == "'64MB'"  # never under the server's default
    conn = Recorder()
    pg_publish._dense_index(conn, {"index": "flat"}, 384, {"index": "hnsw", "m": 32, "ef_construction": 80}, 10, 4096)
    assert conn.statements == ["DROP INDEX IF EXISTS assistant.chunks_hnsw"]
