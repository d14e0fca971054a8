"""The evaluation's plumbing, checked against figures worked out by hand (no model)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from assistant.evaluation.cli import add_arguments
from assistant.evaluation.gold import AnswerSpan, GoldError, GoldQuestion, GoldSet
from assistant.evaluation.metrics import abstention, calibrate, percentiles_ms, quote_accuracy, ranking
from assistant.evaluation.qrels import ANSWER, document_run, gold_qrels, gold_run
from assistant.evaluation.report import markdown_table
from assistant.evaluation.thresholds import abstain_threshold, load_expected
from assistant.types import Occurrence, Passage, Quote, SearchResult, SourceRef


def _source(sid: str) -> SourceRef:
    return SourceRef(sid, sid.upper(), None, f"sources/{sid}")


def _passage(rank: int, sid: str, start: int, end: int, quote: tuple[int, int] | None = None, also: list | None = None) -> Passage:
    qs, qe = quote or (start, end)
    return Passage(
        rank=rank, score=1.0 / rank, similarity=0.5, source=_source(sid), page=None, paragraph=1,
        text="x" * (end - start), start=start, end=end, quote=Quote("x" * (qe - qs), qs, qe), also_in=tuple(also or ()),
    )


GOLD = GoldSet(
    (
        GoldQuestion("q1", "How many?", ("number",), (AnswerSpan("a", 100, 120, "x" * 20),)),
        GoldQuestion("q2", "Who?", ("name",), (AnswerSpan("b", 0, 10, "x" * 10), AnswerSpan("c", 50, 60, "x" * 10))),
        GoldQuestion("q3", "Budget?", ("unanswerable",), ()),
    )
)


def test_a_passage_overlapping_an_answer_span_is_the_answer_at_its_rank() -> None:
    results = {
        "q1": SearchResult("How many?", "hybrid", (_passage(1, "a", 0, 90), _passage(2, "a", 80, 105))),
        "q2": SearchResult("Who?", "hybrid", (_passage(1, "a", 0, 10), _passage(2, "b", 10, 40))),
    }
    run = gold_run(results, GOLD)
    assert run["q1"] == {"a:0-90": 1.0, ANSWER: 0.5}
    assert ANSWER not in run["q2"]  # b:10-40 only touches the span's end, it does not overlap it


def test_an_also_in_quote_over_an_answer_counts_for_its_result() -> None:
    also = Occurrence(_source("c"), None, 3, Quote("x" * 5, 52, 57))
    results = {"q2": SearchResult("Who?", "hybrid", (_passage(1, "a", 0, 10, also=[also]),))}
    assert gold_run(results, GOLD)["q2"] == {ANSWER: 1.0}


def test_ranking_metrics_match_hand_computed_figures() -> None:
    # q1 answered at rank 2, q2 not answered: recall@1 = 0, recall@5 = 1/2, MRR = (1/2 + 0) / 2.
    run = {"q1": {"x": 1.0, ANSWER: 0.5}, "q2": {"y": 1.0}}
    figures = ranking(gold_qrels(GOLD), run)
    assert figures["recall@1"] == 0.0
    assert figures["recall@5"] == pytest.approx(0.5)
    assert figures["mrr@10"] == pytest.approx(0.25)
    assert figures["ndcg@10"] == pytest.approx(0.5 * (1 / 1.5849625007211562))


def test_a_question_with_no_results_scores_zero_instead_of_failing() -> None:
    assert ranking(gold_qrels(GOLD), {"q1": {ANSWER: 1.0}})["recall@5"] == pytest.approx(0.5)


def test_document_run_lists_each_source_once_in_order_of_first_appearance() -> None:
    also = Occurrence(_source("c"), None, 1, Quote("x", 0, 1))
    result = SearchResult("q", "bm25", (_passage(1, "a", 0, 5, also=[also]), _passage(2, "b", 0, 5), _passage(3, "a", 9, 12)))
    assert document_run({"q": result}) == {"q": {"a": 1.0, "c": 0.5, "b": 1 / 3}}


def test_quote_accuracy_judges_the_first_result_quote_not_its_passage() -> None:
    passage_holds_answer = _passage(1, "a", 90, 130, quote=(90, 99))
    quote_is_answer = _passage(1, "b", 0, 40, quote=(2, 8))
    results = {
        "q1": SearchResult("How many?", "hybrid", (passage_holds_answer,)),
        "q2": SearchResult("Who?", "hybrid", (quote_is_answer,)),
    }
    assert quote_accuracy(results, GOLD) == pytest.approx(0.5)


def test_abstention_precision_and_recall() -> None:
    top = {"a1": 0.6, "a2": 0.3, "u1": 0.2, "u2": 0.5, "u3": None}
    answerable = {"a1": True, "a2": True, "u1": False, "u2": False, "u3": False}
    result = abstention(top, answerable, 0.35)
    assert (result.abstained, result.unanswerable) == (3, 3)  # a2, u1 and u3 (no result at all)
    assert result.precision == pytest.approx(2 / 3) and result.recall == pytest.approx(2 / 3)


def test_calibration_picks_the_best_f1_and_the_lower_threshold_on_a_tie() -> None:
    top = {"a1": 0.8, "a2": 0.6, "u1": 0.2, "u2": 0.3}
    answerable = {"a1": True, "a2": True, "u1": False, "u2": False}
    best = calibrate(top, answerable)
    assert best.threshold == pytest.approx(0.45)  # between 0.3 and 0.6: both unanswerable, no answerable
    assert best.f1 == pytest.approx(1.0)


def test_latency_percentiles_are_in_milliseconds() -> None:
    assert percentiles_ms([0.01] * 19 + [1.0]) == (pytest.approx(10.0), pytest.approx(59.5))


def test_markdown_table_lines_up_columns() -> None:
    table = markdown_table(["mode", "R@5"], [("hybrid", 0.91234), ("bm25", 1.0)])
    assert table.splitlines() == ["| mode   | R@5   |", "|--------|-------|", "| hybrid | 0.912 |", "| bm25   | 1.000 |"]


def test_the_shipped_abstention_threshold_is_a_similarity() -> None:
    assert 0.0 < abstain_threshold() < 1.0
    assert load_expected().mode in ("hybrid", "dense", "bm25")


def test_pinned_figures_are_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text('[bar]\nmode = "bm25"\nrecall_at_5 = 0.9\n[abstention]\nabstain_below = 0.25\n', encoding="utf-8")
    expected = load_expected(path)
    assert (expected.mode, expected.bars, expected.abstain_below) == ("bm25", {"recall_at_5": 0.9}, 0.25)
    assert abstain_threshold(path) == 0.25


def test_a_pinned_file_without_a_threshold_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text('[bar]\nmode = "bm25"\n', encoding="utf-8")
    with pytest.raises(GoldError, match="expected.toml: cannot read the pinned figures"):
        load_expected(path)


def test_the_sub_command_keeps_a_sources_folder_given_before_it() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources")
    commands = parser.add_subparsers(dest="command")
    add_arguments(commands.add_parser("eval"))
    assert parser.parse_args(["--sources", "docs", "eval", "--mode", "bm25"]).sources == "docs"
    args = parser.parse_args(["eval", "--max-tokens", "96", "128"])
    assert args.max_tokens == [96, 128] and args.mode is None and args.beir is None
