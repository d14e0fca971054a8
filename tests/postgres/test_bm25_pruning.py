"""The PostgreSQL BM25 prunes (MaxScore) without changing a ranking: the same chunks and scores as reading every posting."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assistant.store import pg_bm25
from assistant.store.sparse import tokenize

from .conftest import make_assistant

QUESTIONS = (
    "How many allegations is the unit investigating?",
    "Which officers were dismissed?",
    "domestic abuse",
    "the police said",  # common terms only
    "Daso unit formed Metropolitan Police commissioner",
    "zygomorphic",  # in no chunk
)


def _queries(sources: Path) -> list[str]:
    """The questions above and random runs of words from the sources, rare and common alike."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(sources.glob("*.txt"))).split()
    pick = random.Random(13)
    return [*QUESTIONS, *(" ".join(pick.sample(words, pick.randint(1, 8))) for _ in range(60))]


@pytest.fixture
def snapshot(pg_url: str, sources: Path, tmp_path: Path, fake_embedder):  # type: ignore[no-untyped-def]
    """The shipped articles indexed into a fresh PostgreSQL database: the live snapshot."""
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    return assistant.snapshot


def test_pruned_rankings_equal_those_that_read_every_posting(snapshot, sources: Path) -> None:  # type: ignore[no-untyped-def]
    one_source = snapshot.rows_of([sorted(snapshot.documents)[1]])
    queries = _queries(sources)
    pruned = [(snapshot.bm25_search(q, k), snapshot.bm25_search(q, 5, one_source)) for q in queries for k in (1, 10)]
    with snapshot.reading() as conn:

        def unpruned(query: str, k: int, allowed=None):  # type: ignore[no-untyped-def]
            rows = None if allowed is None else [int(r) for r in allowed]
            return pg_bm25.search(conn, snapshot.version, len(snapshot.chunks), snapshot.total_length, query, k, rows, prune=False)

        full = [(unpruned(q, k), unpruned(q, 5, one_source)) for q in queries for k in (1, 10)]
    for (got, got_filtered), (want, want_filtered) in zip(pruned, full, strict=True):
        assert [r for r, _ in got] == [r for r, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-9)
        assert [r for r, _ in got_filtered] == [r for r, _ in want_filtered]
    assert sum(bool(hits) for hits, _ in full) > len(full) // 2


def test_a_query_with_a_rare_term_reads_the_common_terms_postings_of_its_candidates_only(
    snapshot, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    read: list[tuple[list[str], list[int] | None]] = []
    real_fetch = pg_bm25._fetch
    monkeypatch.setattr(pg_bm25, "_fetch", lambda conn, v, terms, rows: (read.append((terms, rows)), real_fetch(conn, v, terms, rows))[1])
    query = "How many allegations is the unit investigating?"
    hits = snapshot.bm25_search(query, 3)
    assert len(hits) == 3
    terms = set(tokenize([query])[0])
    whole = {t for batch, rows in read if rows is None for t in batch}
    assert whole < terms  # some terms were read for the candidates only
    assert all(len(rows) < len(snapshot.chunks) for _, rows in read if rows is not None)


def test_from_prune_below_chunks_every_posting_of_the_query_terms_is_read_in_one_statement(
    snapshot, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    query = "How many allegations is the unit investigating?"
    pruned = snapshot.bm25_search(query, 5)
    monkeypatch.setattr(pg_bm25, "PRUNE_BELOW", len(snapshot.chunks))  # as if the corpus had grown past it
    monkeypatch.setattr(pg_bm25, "_pruned", lambda *args: pytest.fail("pruned at a size the exhaustive query is faster"))
    exhaustive = snapshot.bm25_search(query, 5)
    assert [r for r, _ in exhaustive] == [r for r, _ in pruned]
    assert [s for _, s in exhaustive] == pytest.approx([s for _, s in pruned], rel=1e-9)  # summed in another order
