"""One candidate path: search, verification and "reported also by" find chunks the same way; quotes and
links read the sentence vectors the index stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.candidates import allowed_rows, find_candidates
from assistant.config import SearchSettings
from assistant.errors import AssistantError
from assistant.fusion import blend, rrf

TEXTS = {
    "a.txt": "The unit investigates 625 allegations of misconduct.\nIt was formed in January.",
    "b.txt": "Officers face 625 misconduct allegations, the unit said.\nThe commissioner resigned.",
    "c.txt": "Call handling was graded inadequate by the inspectors.",
}


@pytest.fixture
def indexed(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    sources = tmp_path / "sources"
    sources.mkdir()
    for name, text in TEXTS.items():
        (sources / name).write_text(text, encoding="utf-8")
    assistant = Assistant(sources_dir=sources, index_dir=tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    return assistant


@pytest.mark.parametrize("fusion", ["blend", "rrf"])
def test_hybrid_candidates_are_the_two_retrievers_fused_as_configured(indexed: Assistant, fusion: str) -> None:
    settings = SearchSettings(fusion=fusion)
    query = "625 misconduct allegations"
    vector = indexed.embedder.encode([query])[0]
    found = find_candidates(indexed.snapshot, query, vector, 10, settings)
    assert found.dense and found.sparse
    expected = blend(found.dense, found.sparse, 0.5) if fusion == "blend" else rrf([found.dense, found.sparse], 60)
    assert found.ranked == expected


def test_a_single_mode_runs_only_its_retriever(indexed: Assistant) -> None:
    vector = indexed.embedder.encode(["inspectors"])[0]
    dense = find_candidates(indexed.snapshot, "inspectors", vector, 5, SearchSettings(), mode="dense")
    bm25 = find_candidates(indexed.snapshot, "inspectors", vector, 5, SearchSettings(), mode="bm25")
    assert dense.sparse == [] and dense.ranked == dense.dense
    assert bm25.dense == [] and bm25.ranked == bm25.sparse == [(indexed.snapshot.rows_of(["c.txt"])[0], bm25.sparse[0][1])]


def test_the_source_filter_names_an_unknown_source(indexed: Assistant) -> None:
    assert list(allowed_rows(indexed.snapshot, ["c.txt"])) == list(indexed.snapshot.rows_of(["c.txt"]))
    assert allowed_rows(indexed.snapshot, None) is None
    with pytest.raises(AssistantError, match="unknown source.*nope.txt.*indexed sources: a.txt, b.txt, c.txt"):
        allowed_rows(indexed.snapshot, ["nope.txt"])


def test_verification_finds_its_candidates_with_the_configured_fusion(indexed: Assistant) -> None:
    quote = "Officers face 625 misconduct allegations"
    for fusion in ("blend", "rrf"):
        verified = Assistant(
            indexed.sources_dir, indexed.store.folder, Settings(search=SearchSettings(fusion=fusion)), indexed.embedder
        ).verify(quote)
        assert verified.verdict == "exact" and [m.source.id for m in verified.matches] == ["b.txt"]


def test_reported_also_by_makes_no_model_call(indexed: Assistant, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    passage = indexed.search("How many allegations does the unit investigate?", k=1, sources=["a.txt"]).results[0]
    fake_embedder.calls.clear()
    links = indexed.reported_also_by(passage)
    assert fake_embedder.calls == []  # the quote's and the candidates' vectors are the index's
    assert all(link.source.id != "a.txt" for link in links)
