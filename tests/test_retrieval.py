"""Ranking, filtering and the quote invariant, over small corpora with the fake embedder."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, EmptyQueryError, Settings
from assistant.config import SearchSettings
from assistant.errors import AssistantError
from assistant.fusion import blend, rrf
from assistant.answer_kind import COUNT, holds
from assistant.quoting import choose_quote, lexical_overlap, sentences_in, terms
from assistant.segmentation import is_word_boundary
from assistant.types import Document


def test_rrf_scores_are_one_over_sixty_plus_rank() -> None:
    fused = rrf([[(7, 0.9), (3, 0.8)], [(3, 12.0), (5, 4.0)]], k=60)
    assert fused == [(3, pytest.approx(1 / 62 + 1 / 61)), (7, pytest.approx(1 / 61)), (5, pytest.approx(1 / 62))]


def test_rrf_breaks_ties_by_the_lower_row() -> None:
    assert [row for row, _ in rrf([[(9, 1.0)], [(4, 1.0)]])] == [4, 9]


def test_blend_weighs_min_max_normalised_scores() -> None:
    dense = [(1, 0.9), (2, 0.7), (3, 0.5)]  # normalised: 1, 0.5, 0
    sparse = [(3, 10.0), (2, 6.0), (1, 2.0)]  # normalised: 1, 0.5, 0
    fused = blend(dense, sparse, dense_weight=0.75)
    assert fused == [(1, pytest.approx(0.75)), (2, pytest.approx(0.5)), (3, pytest.approx(0.25))]


def test_blend_keeps_the_margin_that_rrf_throws_away() -> None:
    # Row 1 leads BM25 by far and trails dense by a hair; row 2 the other way round.
    dense = [(2, 0.61), (1, 0.60), (3, 0.10)]
    sparse = [(1, 20.0), (2, 5.0), (3, 4.0)]
    assert [row for row, _ in blend(dense, sparse)][0] == 1
    assert rrf([dense, sparse])[0][1] == pytest.approx(rrf([dense, sparse])[1][1])  # RRF only sees a tie


def test_blend_counts_a_row_missing_from_one_side_as_that_sides_minimum() -> None:
    dense = [(1, 0.8), (2, 0.6), (3, 0.4)]
    sparse = [(2, 9.0), (3, 3.0)]  # row 1 shares no word with the question
    fused = dict(blend(dense, sparse, dense_weight=0.5))
    assert fused[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert fused[3] == pytest.approx(0.5 * 0.0 + 0.5 * 0.0)


def test_blend_ties_go_to_the_lower_row_whatever_the_input_order() -> None:
    dense = [(9, 1.0), (4, 0.0)]
    sparse = [(4, 1.0), (9, 0.0)]
    assert blend(dense, sparse) == [(4, 0.5), (9, 0.5)]
    assert blend(list(reversed(dense)), list(reversed(sparse))) == [(4, 0.5), (9, 0.5)]


def test_blend_with_one_side_empty_keeps_the_other_sides_order() -> None:
    dense = [(5, 0.3), (2, 0.2), (7, 0.1)]
    assert [row for row, _ in blend(dense, [])] == [5, 2, 7]
    assert [row for row, _ in blend([], dense)] == [5, 2, 7]


def test_blend_counts_hits_that_all_score_alike_as_their_sides_best() -> None:
    # A single BM25 hit has no spread to normalise; it still beats the rows BM25 did not find.
    fused = dict(blend([(1, 0.5), (2, 0.5)], [(2, 3.0)], dense_weight=0.5))
    assert fused == {1: pytest.approx(0.5), 2: pytest.approx(1.0)}


def test_blend_weight_one_is_the_dense_ranking_and_zero_the_bm25_ranking() -> None:
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]
    sparse = [(3, 8.0), (2, 4.0), (1, 1.0)]
    assert [row for row, _ in blend(dense, sparse, dense_weight=1.0)] == [1, 2, 3]
    assert [row for row, _ in blend(dense, sparse, dense_weight=0.0)] == [3, 2, 1]


UNIT_STORY = (
    "The Met said the unit was busy. The Met said officers were vetted. "
    "The Met said 625 allegations were under investigation. The Met thanked the public."
)


def _doc(text: str) -> Document:
    return Document("story.txt", "sources/story.txt", "Story", None, text, "0" * 64)


def test_terms_are_stemmed_words_without_stop_or_question_words() -> None:
    assert terms("How many allegations is the unit investigating?") == ["alleg", "unit", "investig"]
    assert terms("investigates") == terms("investigation") == ["investig"]


def test_lexical_overlap_weighs_a_word_the_document_rarely_uses_above_one_it_always_uses() -> None:
    doc = _doc(UNIT_STORY)
    spans = sentences_in(doc, 0, len(doc.text))
    overlap = lexical_overlap(doc.text, spans, "What did the Met say about allegations?")
    # "met" is in every sentence, "allegations" in one: that sentence carries most of the question.
    assert overlap.argmax() == 2 and overlap[2] == pytest.approx(1.0)
    assert 0.0 < overlap[0] == overlap[1] == overlap[3] < 0.5


def test_lexical_overlap_is_zero_when_the_document_holds_none_of_the_questions_words() -> None:
    doc = _doc(UNIT_STORY)
    spans = sentences_in(doc, 0, len(doc.text))
    assert not lexical_overlap(doc.text, spans, "Where is the weather warmest?").any()


def test_the_lexical_term_lets_the_sentence_naming_the_question_win_a_near_tie_on_cosine() -> None:
    doc = _doc(UNIT_STORY)
    spans = sentences_in(doc, 0, len(doc.text))
    cosines = [0.50, 0.52, 0.49, 0.30]  # the embedding slightly prefers a sentence on the same subject
    question = "Were allegations under investigation?"
    unaided = choose_quote(doc, spans, cosines, question, lexical_weight=0.0).quote
    assert unaided.text == "The Met said officers were vetted."
    quote, similarity, _ = choose_quote(doc, spans, cosines, question, lexical_weight=0.5)
    assert quote.text == "The Met said 625 allegations were under investigation." and similarity == 0.49


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("It was looking into 625 misconduct allegations.", True),
        ("The force investigates more than 600 abuse allegations.", False),
        ("Over 600 allegations, of which 119 were upheld.", True),
        ("Nearly 1,000 officers were suspended.", False),
        ("The unit was formed in January.", False),
        ("It was formed in 2022.", True),
    ],
)
def test_a_figure_counts_as_stated_unless_it_is_given_as_a_bound(text: str, states: bool) -> None:
    assert (holds(COUNT, text, "How many?") == 1.0) is states


def test_a_how_many_question_prefers_the_exact_count_to_a_rounded_bound() -> None:
    doc = _doc("The force investigates more than 600 allegations. It was looking into 625 misconduct allegations.")
    spans = sentences_in(doc, 0, len(doc.text))
    quote = choose_quote(doc, spans, [0.60, 0.55], "How many allegations?", lexical_weight=0.0).quote
    assert quote.text == "It was looking into 625 misconduct allegations."


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


def test_hybrid_search_uses_the_configured_fusion(  # type: ignore[no-untyped-def]
    tmp_path: Path, small: Assistant, fake_embedder
) -> None:
    def scores(fusion: str) -> list[float]:
        settings = Settings(search=SearchSettings(fusion=fusion))
        searcher = Assistant(tmp_path / "sources", tmp_path / "index", settings=settings, embedder=fake_embedder)
        return [p.score for p in searcher.search("unit investigates 625 allegations", k=3).results]

    blend_scores, rrf_scores = scores("blend"), scores("rrf")
    # Each retriever's best takes its full weight in a blend; RRF gives at most 2 / (60 + 1).
    assert blend_scores[0] >= 0.5 and all(0.0 <= s <= 1.0 for s in blend_scores)
    assert blend_scores == sorted(blend_scores, reverse=True)
    assert max(rrf_scores) <= 2 / 61 + 1e-6


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
