"""With the real model, PostgreSQL ranks the gold questions as the files store does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant import Assistant
from assistant.evaluation.gold import GoldSet, load_gold
from assistant.evaluation.harness import Asked, ask_all, score
from assistant.store.postgres import PostgresStore

from .conftest import new_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def both(articles: Assistant, pg_server, real_embedder) -> Iterator[tuple[Assistant, Assistant]]:  # type: ignore[no-untyped-def]
    """The session's files index and the same sources indexed into PostgreSQL, shared by this module's tests."""
    with new_database(pg_server) as url:
        store = PostgresStore(url)
        on_postgres = Assistant(sources_dir=articles.sources_dir, embedder=real_embedder, store=store)
        on_postgres.refresh()
        yield articles, on_postgres
        store.close()


@pytest.fixture(scope="module")
def hybrid(both) -> tuple[GoldSet, list[dict[str, Asked]]]:  # type: ignore[no-untyped-def]
    """Every gold question asked once on each store, as the evaluation asks it."""
    gold = load_gold(both[0].snapshot.documents)
    return gold, [ask_all(assistant, gold, "hybrid") for assistant in both]


def _top10_tie_groups(hits: list[tuple[str, float]]) -> list[frozenset[str]]:
    """The top 10 as groups of chunk ids whose scores tie (within float32 noise), best first.

    ``hits`` go deeper than 10, so that a tie across the 10th place is seen: that group may keep
    different members in the top 10 on each store, and is left out.
    """
    groups: list[tuple[float, set[str]]] = []
    for chunk_id, score in hits:
        if groups and abs(groups[-1][0] - score) <= 1e-4 * max(1.0, abs(score)):
            groups[-1][1].add(chunk_id)
        else:
            groups.append((score, {chunk_id}))
    kept, seen = [], 0
    for _, ids in groups:
        seen += len(ids)
        if seen > 10:
            break
        kept.append(frozenset(ids))
    return kept


def test_the_top_10_chunks_of_every_gold_question_are_the_same_on_both_stores(both, hybrid) -> None:  # type: ignore[no-untyped-def]
    files, postgres = both
    gold, asked = hybrid
    compared = 0
    for question in gold.questions:
        query = gold.query(question, context=True)
        vector = files.embedder.encode([query])[0]
        for name in ("dense", "bm25"):
            top: list[list[frozenset[str]]] = []
            for assistant in (files, postgres):
                snapshot = assistant.snapshot
                hits = snapshot.dense_search(vector, 20) if name == "dense" else snapshot.bm25_search(query, 20)
                top.append(_top10_tie_groups([(snapshot.chunks[row].id, s) for row, s in hits]))
            assert top[0] == top[1], f"{name} top-10 differs for {question.id}"
            compared += 1
        passages = [[(p.source.id, p.start, p.end) for p in run[question.id].result.results] for run in asked]
        assert passages[0] == passages[1], f"hybrid results differ for {question.id}"
    assert compared == 2 * len(gold.questions) > 0


def test_the_gold_evaluation_gives_the_same_figures_on_both_stores(hybrid) -> None:  # type: ignore[no-untyped-def]
    gold, asked = hybrid
    figures = [score(run, gold, "hybrid") for run in asked]
    for metric, value in figures[0].ranking.items():
        assert figures[1].ranking[metric] == pytest.approx(value, abs=0.01), metric
    assert figures[1].quote_accuracy == pytest.approx(figures[0].quote_accuracy, abs=0.01)
    assert figures[0].answerable == figures[1].answerable > 0
