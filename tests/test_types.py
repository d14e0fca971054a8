"""The values that travel: what a search result says about how closely the sources answer."""

from __future__ import annotations

import pytest

from assistant.types import ABSTENTION_WITHIN, Passage, Quote, SearchResult, SourceRef


def _result(*similarities: float) -> SearchResult:
    source = SourceRef("a.txt", "A", None, "sources/a.txt")
    passages = tuple(
        Passage(
            rank=rank,
            score=1.0 / rank,
            similarity=similarity,
            source=source,
            page=None,
            paragraph=1,
            text="text",
            start=0,
            end=4,
            quote=Quote("text", 0, 4),
        )
        for rank, similarity in enumerate(similarities, start=1)
    )
    return SearchResult("q", "hybrid", passages)


def test_the_abstention_signal_is_the_best_similarity_not_the_first_results() -> None:
    # The blend can put first a passage that shares the question's words but means something else.
    assert _result(0.02, 0.61, 0.40).best_similarity() == 0.61


def test_the_signal_looks_only_at_the_first_results_the_app_shows() -> None:
    similarities = [0.1] * ABSTENTION_WITHIN + [0.9]
    assert _result(*similarities).best_similarity() == 0.1
    assert _result(*similarities).best_similarity(within=ABSTENTION_WITHIN + 1) == 0.9


def test_within_one_is_the_first_results_similarity() -> None:
    assert _result(0.02, 0.61).best_similarity(within=1) == 0.02


def test_no_results_give_no_signal() -> None:
    assert SearchResult("q", "hybrid").best_similarity() is None


def test_looking_at_no_results_is_refused() -> None:
    with pytest.raises(ValueError, match="within must be at least 1, got 0"):
        _result(0.5).best_similarity(within=0)
