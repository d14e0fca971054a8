"""Ranking, filtering and the quote invariant, over small corpora with the fake embedder."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, EmptyQueryError
from assistant.errors import AssistantError
from assistant.fusion import rrf
from assistant.segmentation import is_word_boundary


def test_rrf_scores_are_one_over_sixty_plus_rank() -> None:
    fused = rrf([[(7, 0.9), (3, 0.8)], [(3, 12.0), (5, 4.0)]], k=60)
    assert fused == [(3, pytest.approx(1 / 62 + 1 / 61)), (7, pytest.approx(1 / 61)), (5, pytest.approx(1 / 62))]


def test_rrf_breaks_ties_by_the_lower_row() -> None:
    assert [row for row, _ in rrf([[(9, 1.0)], [(4, 1.0)]])] == [4, 9]


@pytest.fixture
def small(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "met.txt").write_text(
        "The unit investigates 625 allegations against officers.\nIt was formed in January.", encoding="utf-8"
    )
    (sources / "copy.txt").write_text("Reporters say the unit investigates 625 allegations against officers.", encoding="utf-8")
    (sources / "other.txt").write_text("Inspectors graded call handling as inadequate.", encoding="utf-8")
    assistant = Assistant(sources, tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    return assistant


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_every_mode_finds_the_passage_that_shares_the_words(small: Assistant, mode: str) -> None:
    top = small.search("call handling inadequate", k=1, mode=mode).results[0]
    assert top.source.id == "other.txt" and top.rank == 1


def test_near_duplicate_quotes_from_other_sources_are_grouped_as_also_in(small: Assistant) -> None:
    results = small.search("unit investigates 625 allegations", k=3).results
    tops = [r for r in results if "625" in r.quote.text]
    assert len(tops) == 1
    assert [o.source.id for o in tops[0].also_in] in (["copy.txt"], ["met.txt"])


def test_a_source_filter_keeps_only_that_source(small: Assistant) -> None:
    results = small.search("allegations", k=5, sources=["copy.txt"]).results
    assert results and {r.source.id for r in results} == {"copy.txt"}


def test_an_unknown_source_in_the_filter_is_named(small: Assistant) -> None:
    with pytest.raises(AssistantError, match="unknown source.*nope.txt"):
        small.search("allegations", sources=["nope.txt"])


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_an_empty_question_is_a_clear_error(small: Assistant, query: str) -> None:
    with pytest.raises(EmptyQueryError, match="empty"):
        small.search(query)


def test_k_larger_than_the_corpus_returns_what_there_is(small: Assistant) -> None:
    assert 1 <= len(small.search("allegations", k=50).results) <= 3


def test_a_question_of_stop_words_only_still_answers_by_meaning(small: Assistant) -> None:
    assert small.search("what is the", k=1, mode="hybrid").results
    assert small.search("what is the", k=1, mode="bm25").results == ()


WORD = st.text(alphabet=string.ascii_letters + "éü0123456789’'-", min_size=1, max_size=10)
SENTENCE = st.lists(WORD, min_size=1, max_size=15).map(lambda ws: " ".join(ws) + ".")
DOCUMENT = st.lists(st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=10).map("\n".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=DOCUMENT, query=st.lists(WORD, min_size=1, max_size=6).map(" ".join))
def test_every_quote_is_the_documents_own_text_and_starts_and_ends_on_word_boundaries(
    tmp_path_factory: pytest.TempPathFactory, fake_embedder, text: str, query: str  # type: ignore[no-untyped-def]
) -> None:
    root = tmp_path_factory.mktemp("prop")
    (root / "sources").mkdir()
    (root / "sources" / "doc.txt").write_text(text, encoding="utf-8")
    assistant = Assistant(root / "sources", root / "index", embedder=fake_embedder)
    assistant.refresh()
    doc = assistant.document("doc.txt")
    for mode in ("hybrid", "dense", "bm25"):
        for passage in assistant.search(query, k=3, mode=mode).results:
            assert doc.text[passage.start : passage.end] == passage.text
            assert doc.text[passage.quote.start : passage.quote.end] == passage.quote.text
            assert passage.start <= passage.quote.start < passage.quote.end <= passage.end
            assert is_word_boundary(doc.text, passage.quote.start) and is_word_boundary(doc.text, passage.quote.end)
            assert passage.quote.text == passage.quote.text.strip()
