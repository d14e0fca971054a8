"""With the real model, PostgreSQL ranks the gold questions as the files store does."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.evaluation.gold import load_gold
from assistant.evaluation.harness import ask_all, score
from assistant.store.postgres import PostgresStore

pytestmark = pytest.mark.integration


@pytest.fixture
def both(articles: Assistant, pg_url: str, real_embedder) -> tuple[Assistant, Assistant]:  # type: ignore[no-untyped-def]
    on_postgres = Assistant(sources_dir=articles.sources_dir, embedder=real_embedder, store=PostgresStore(pg_url))
    on_postgres.refresh()
    return articles, on_postgres


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


def test_the_top_10_chunks_of_every_gold_question_are_the_same_on_both_stores(both) -> None:  # type: ignore[no-untyped-def]
    files, postgres = both
    gold = load_gold(files.snapshot.documents)
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
        hybrid = [[(p.source.id, p.start, p.end) for p in a.search(query, k=10).results] for a in (files, postgres)]
        assert hybrid[0] == hybrid[1], f"hybrid results differ for {question.id}"
    assert compared == 2 * len(gold.questions) > 0


def test_the_gold_evaluation_gives_the_same_figures_on_both_stores(both) -> None:  # type: ignore[no-untyped-def]
    files, postgres = both
    gold = load_gold(files.snapshot.documents)
    figures = [score(ask_all(a, gold, "hybrid"), gold, "hybrid") for a in (files, postgres)]
    for metric, value in figures[0].ranking.items():
        assert figures[1].ranking[metric] == pytest.approx(value, abs=0.01), metric
    assert figures[1].quote_accuracy == pytest.approx(figures[0].quote_accuracy, abs=0.01)
    assert figures[0].answerable == figures[1].answerable > 0
