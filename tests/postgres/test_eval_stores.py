"""The evaluation measures the gold set on both index stores and reports them side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AssistantError
from assistant.evaluation.backends import TOLERANCE, compare_stores, store_section
from assistant.evaluation.gold import DEFAULT_GOLD

from .conftest import make_assistant

ROOT = Path(__file__).resolve().parents[2]


def test_both_stores_give_the_gold_set_the_same_recall_and_quote_accuracy(pg_url: str, fake_embedder) -> None:
    comparison = compare_stores(ROOT / "sources", fake_embedder, DEFAULT_GOLD, 0.18, pg_url, lambda _: None)
    files, postgres = comparison.runs
    assert (files.store, postgres.store) == ("files", "PostgreSQL")
    assert files.chunks == postgres.chunks > 0
    assert files.figures.answerable == postgres.figures.answerable > 0
    assert all(value <= TOLERANCE for value in comparison.differences().values())
    section = "\n".join(store_section(comparison))
    assert "agree within 0.01" in section and "| PostgreSQL" in section and "| files" in section


def test_a_database_that_already_holds_an_index_is_refused_by_name_without_its_password(
    pg_url: str, sources: Path, tmp_path: Path, fake_embedder
) -> None:
    make_assistant(sources, pg_url, tmp_path / "index", fake_embedder).refresh()
    with pytest.raises(AssistantError, match="already holds an index; .*give an empty one") as refused:
        compare_stores(sources, fake_embedder, DEFAULT_GOLD, 0.18, pg_url, lambda _: None)
    assert pg_url.split("?")[0].rsplit("/", 1)[1] in str(refused.value)  # the database is named
