"""The evaluation's plumbing, checked against figures worked out by hand (no model)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from assistant import ChunkSettings
from assistant.config import FUSIONS, SearchSettings
from assistant.evaluation.cli import add_arguments
from assistant.evaluation.experiment import ConfigFigures, DefaultDetail, Miss, Study
from assistant.evaluation.gold import AnswerSpan, GoldError, GoldQuestion, GoldSet
from assistant.evaluation.harness import Asked, GoldFigures, score
from assistant.evaluation.metrics import Abstention, abstention, calibrate, percentiles_ms, quote_accuracy, ranking
from assistant.evaluation.qrels import ANSWER, document_run, gold_qrels, gold_run
from assistant.evaluation.report import plot_recall, render_markdown
from assistant.evaluation.tables import markdown_table
from assistant.evaluation.verdicts import decision
from assistant.evaluation.thresholds import Expected, abstain_threshold, load_expected
from assistant.types import Occurrence, Passage, Quote, SearchResult, SourceRef


def _source(sid: str) -> SourceRef:
    return SourceRef(sid, sid.upper(), None, f"sources/{sid}")


def _passage(
    rank: int, sid: str, start: int, end: int, quote: tuple[int, int] | None = None, also: list | None = None
) -> Passage:
    qs, qe = quote or (start, end)
    return Passage(
        rank=rank,
        score=1.0 / rank,
        similarity=0.5,
        source=_source(sid),
        page=None,
        paragraph=1,
        text="x" * (end - start),
        start=start,
        end=end,
        quote=Quote("x" * (qe - qs), qs, qe),
        also_in=tuple(also or ()),
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
    result = SearchResult(
        "q", "bm25", (_passage(1, "a", 0, 5, also=[also]), _passage(2, "b", 0, 5), _passage(3, "a", 9, 12))
    )
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


def test_abstention_is_judged_on_the_signal_the_app_uses_not_on_the_first_result() -> None:
    # q1's answer comes second under a first result whose cosine is low, as the blend can rank them:
    # the best similarity of the first results keeps it answered (its quote gives the figure asked for), and
    # only q3 (nothing answers it) abstains.
    lexical_first = replace(_passage(1, "z", 0, 5), similarity=0.05)
    answer = replace(_passage(2, "a", 100, 120), similarity=0.6, quote=Quote("Some 63 cases.", 100, 114))
    off_subject = replace(_passage(1, "z", 0, 5), similarity=0.1)
    asked = {
        "q1": Asked("How many?", SearchResult("How many?", "hybrid", (lexical_first, answer)), 0.01),
        "q3": Asked("Budget?", SearchResult("Budget?", "hybrid", (off_subject,)), 0.01),
    }
    judged = score(asked, GOLD, "hybrid", threshold=0.3).abstention
    assert (judged.abstained, judged.precision, judged.recall, judged.hidden) == (1, 1.0, 1.0, 0)


def test_abstention_counts_a_close_passage_without_the_kind_of_answer_asked_as_nothing_answering() -> None:
    # The app's whole verdict, not the similarity alone: q1 asks how many, and no quote gives a figure.
    wordy = replace(_passage(1, "a", 100, 120), similarity=0.6, quote=Quote("Several cases.", 100, 114))
    asked = {"q1": Asked("How many?", SearchResult("How many?", "hybrid", (wordy,)), 0.01)}
    judged = score(asked, GOLD, "hybrid", threshold=0.3).abstention
    assert (judged.abstained, judged.precision, judged.hidden) == (1, 0.0, 1)


def test_calibration_picks_the_best_f_measure_and_the_lower_threshold_on_a_tie() -> None:
    top = {"a1": 0.8, "a2": 0.6, "u1": 0.2, "u2": 0.3}
    answerable = {"a1": True, "a2": True, "u1": False, "u2": False}
    best = calibrate(top, answerable)
    assert best.threshold == pytest.approx(0.45)  # between 0.3 and 0.6: both unanswerable, no answerable
    assert best.f1 == pytest.approx(1.0)


def test_calibration_prefers_precision_to_recall() -> None:
    # Under 0.25 it abstains on u1 alone (P 1, R 1/2); under 0.55 on u1, a1 and u2 (P 2/3, R 1): F1 would
    # pick the second, F0.5 picks the first, since a wrong "nothing answers" hides a real answer.
    top = {"u1": 0.2, "a1": 0.3, "u2": 0.5, "a2": 0.6, "a3": 0.9}
    answerable = {"u1": False, "a1": True, "u2": False, "a2": True, "a3": True}
    assert abstention(top, answerable, 0.55).f1 > abstention(top, answerable, 0.25).f1
    assert calibrate(top, answerable).threshold == pytest.approx(0.25)


def test_latency_percentiles_are_in_milliseconds() -> None:
    assert percentiles_ms([0.01] * 19 + [1.0]) == (pytest.approx(10.0), pytest.approx(59.5))


def test_markdown_table_lines_up_columns() -> None:
    table = markdown_table(["mode", "R@5"], [("hybrid", 0.91234), ("bm25", 1.0)])
    assert table.splitlines() == [
        "| mode   | R@5   |",
        "|--------|-------|",
        "| hybrid | 0.912 |",
        "| bm25   | 1.000 |",
    ]


def test_the_shipped_abstention_threshold_is_a_similarity() -> None:
    assert 0.0 < abstain_threshold() < 1.0
    assert load_expected().mode in ("hybrid", "dense", "bm25")


def test_pinned_figures_are_read_from_the_file_one_bar_per_fusion(tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text(
        '[bar]\nmode = "hybrid"\n[bar.rrf]\nrecall_at_5 = 0.9\n[bar.blend]\nrecall_at_5 = 0.95\n'
        "[abstention]\nabstain_below = 0.25\n",
        encoding="utf-8",
    )
    expected = load_expected(path)
    assert (expected.mode, expected.abstain_below) == ("hybrid", 0.25)
    assert expected.bars_for("rrf") == {"recall_at_5": 0.9} and expected.bars_for("blend") == {"recall_at_5": 0.95}
    assert abstain_threshold(path) == 0.25


def test_a_fusion_without_a_pinned_bar_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text('[bar]\nmode = "hybrid"\n[bar.rrf]\nrecall_at_5 = 0.9\n[abstention]\nabstain_below = 0.2\n')
    with pytest.raises(GoldError, match="no bar for fusion 'blend'"):
        load_expected(path).bars_for("blend")


def test_the_shipped_file_pins_a_bar_for_every_fusion() -> None:
    assert all(load_expected().bars_for(fusion) for fusion in FUSIONS)


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


def _figures(mode: str, mrr: float, recall5: float, quote: float = 0.5) -> GoldFigures:
    ranks = {"recall@1": mrr - 0.1, "recall@5": recall5, "recall@10": recall5, "mrr@10": mrr, "ndcg@10": mrr}
    pinned, calibrated = Abstention(0.3, 1.0, 0.5, 2, 4), Abstention(0.35, 0.75, 0.75, 4, 4)
    return GoldFigures(mode, ranks, quote, pinned, calibrated, 20.0, 40.0, answerable=50, unanswerable=4)


def test_a_chunking_that_ranks_better_but_quotes_fewer_answers_is_not_made_the_default() -> None:
    study = _study(default_mrr=0.60)
    larger = study.configs[1]
    larger.by_mode["hybrid rrf"] = _figures("hybrid rrf", 0.75, 0.96, quote=0.40)
    lines = decision(study)
    assert "- Chunks of 256 (64), hybrid rrf, beat the default on MRR@10 by more than one question but quote the answer" \
        " for fewer (0.400 against 0.500): the default stays." in lines
    assert not any("make it the default" in line for line in lines)
    larger.by_mode["hybrid rrf"] = _figures("hybrid rrf", 0.75, 0.96, quote=0.5)
    assert any("make it the default" in line for line in decision(study))


def _study(default_mrr: float, blend_mrr: float = 0.70) -> Study:
    default, larger = ChunkSettings(), ChunkSettings(max_tokens=256, overlap_tokens=64)

    def rows(
        hybrid_mrr: float, blend: float, hybrid_r5: float, bm25_mrr: float, bm25_r5: float
    ) -> dict[str, GoldFigures]:
        return {
            "hybrid rrf": _figures("hybrid rrf", hybrid_mrr, hybrid_r5),
            "hybrid blend 0.5": _figures("hybrid blend 0.5", blend, hybrid_r5),
            "bm25": _figures("bm25", bm25_mrr, bm25_r5),
        }

    configs = [
        ConfigFigures(default, 51, 3.0, rows(default_mrr, blend_mrr, 0.90, 0.70, 0.88), {}),
        ConfigFigures(larger, 27, 2.0, rows(0.75, 0.70, 0.96, 0.74, 0.92), {}),
    ]
    for config in configs:
        hybrid, bm25 = config.by_mode["hybrid rrf"].ranking, config.by_mode["bm25"].ranking
        config.fusion.update({"rrf k=60": hybrid, "blend 0.5 dense": bm25})
    detail = DefaultDetail(
        by_tag={"hybrid rrf": {"number": configs[0].by_mode["hybrid rrf"].ranking}},
        follow_ups={
            "hybrid rrf": {
                "alone": configs[0].by_mode["bm25"].ranking,
                "in the conversation": configs[0].by_mode["hybrid rrf"].ranking,
            }
        },
        quotes={"hybrid rrf": {"0": 0.4, "0.5": 0.45}},
        misses=[Miss("q7", "Who took over from her?", None)],
        similarity={"answerable": [0.4, 0.6], "unanswerable": [0.1, 0.5]},
        quote_signal={"threshold": 0.3, "precision": 0.5, "recall": 0.5, "f": 0.5},
        signals={"hybrid rrf": {"first result": Abstention(0.2, 1.0, 0.25, 1, 4)}},
    )
    return Study(default, "hybrid rrf", SearchSettings(fusion="rrf"), 54, 50, configs, detail)


def test_the_report_names_the_default_and_keeps_it_when_nothing_beats_it_by_more_than_a_question(
    tmp_path: Path,
) -> None:
    bars = {"rrf": {"recall_at_5": 0.85, "mrr_at_10": 0.9, "abstain_recall": 0.4}, "blend": {"mrr_at_10": 0.6}}
    expected = Expected("hybrid", bars, 0.3)
    text = render_markdown(_study(default_mrr=0.76), expected, "recall_by_mode.png", "all-MiniLM-L6-v2")
    assert "| 128 (32) *" in text and "![Recall@k by mode](recall_by_mode.png)" in text
    assert "the default stays" in text and "keep RRF" in text and "the default fusion stays" in text
    assert "| hybrid rrf       | mrr_at_10      | 0.900 | 0.760    | NO    |" in text
    assert "| hybrid blend 0.5 | mrr_at_10      | 0.600 | 0.700    | yes   |" in text
    # Bars and the figures table judge abstention as the app does it, at the pinned threshold.
    assert "| hybrid rrf       | abstain_recall | 0.400 | 0.500    | yes   |" in text
    assert "| 0.760  | 0.760   | 0.500 | 1.000   | 0.500   | 0      |" in text
    assert "hybrid rrf abstains on 2 questions (precision 1.000, recall 0.500 over 4 unanswerable questions; 0 answerable hidden)" in text
    assert "| hybrid rrf | 0.400    | 0.450      |" in text  # the quote-choice table, one column per weight
    assert "| q7          | Who took over from her?" in text
    plot_recall(_study(0.76), tmp_path / "plot.png")
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG")


def test_the_report_says_when_other_settings_beat_the_default() -> None:
    lines = decision(_study(default_mrr=0.60))
    assert any("Chunks of 256 (64) in hybrid rrf mode beat the default" in line for line in lines)
    assert any("the blend is better by 0.100 MRR@10" in line for line in lines)


def test_the_report_says_when_the_other_fusion_beats_the_default_end_to_end() -> None:
    lines = decision(_study(default_mrr=0.70, blend_mrr=0.80))
    assert any("hybrid blend 0.5 MRR@10 0.800" in line and "make its fusion the default" in line for line in lines)
    assert "- hybrid blend 0.5 at the default chunking beats the default (hybrid rrf)" in "\n".join(lines)
    assert not any("the default fusion stays" in line for line in lines)
