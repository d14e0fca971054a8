"""The facade offers every capability: conversation, the weak-answer rule, figures, adding and deleting sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.answerability import NO_CLOSE_ANSWER, NO_PASSAGE, judged
from assistant.config import AnswerSettings
from assistant.errors import IndexMissingError, UploadError
from assistant.render import result_to_json
from assistant.types import Exchange, LoadFailure, Passage, Quote, SearchResult, SourceRef

TEXTS = {
    "a.txt": "Commissioner Rowley leads the force.\nHe was appointed in 2022.",
    "b.txt": "The unit investigates 625 allegations of misconduct.\nIt was formed in January.",
}


def make(tmp_path: Path, embedder, abstain_below: float = 0.18) -> Assistant:  # type: ignore[no-untyped-def]
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    for name, text in TEXTS.items():
        (sources / name).write_text(text, encoding="utf-8")
    settings = Settings(answer=AnswerSettings(abstain_below=abstain_below))
    assistant = Assistant(sources_dir=sources, index_dir=tmp_path / "index", embedder=embedder, settings=settings)
    assistant.refresh()
    return assistant


def _result(*similarities: float, query: str = "q", text: str = "text") -> SearchResult:
    source = SourceRef("a.txt", "A", None, "a.txt")
    passages = tuple(
        Passage(rank, 1.0, s, source, None, 1, text, 0, len(text), Quote(text, 0, len(text)))
        for rank, s in enumerate(similarities, 1)
    )
    return SearchResult(query, "hybrid", passages)


def test_a_result_answers_when_one_of_its_first_five_passages_reaches_the_threshold() -> None:
    answer = AnswerSettings(abstain_below=0.18)
    assert judged(_result(0.1, 0.3), answer).answered
    weak = judged(_result(0.1, 0.1, 0.1, 0.1, 0.1, 0.9), answer)  # the sixth passage is not looked at
    assert (weak.answered, weak.reason) == (False, NO_CLOSE_ANSWER)
    assert (judged(_result(), answer).answered, judged(_result(), answer).reason) == (False, NO_PASSAGE)


def test_close_passages_that_do_not_mention_what_is_asked_do_not_answer() -> None:
    found = _result(0.6, query="What is the unit's annual budget?", text="The unit investigates 625 allegations.")
    verdict = judged(found, AnswerSettings())
    assert (verdict.answered, verdict.reason) == (False, "No passage in the sources mentions “annual budget”.")
    lowered = judged(found, AnswerSettings(min_term_coverage=0.3))  # "unit" is a third of its terms: past that test
    assert lowered.reason == "No passage in the sources gives the amount of money this question asks for."  # 625 allegations are no budget
    assert judged(_result(0.6, query="What is the unit's annual budget?", text="The unit spends £2.3m."), AnswerSettings(min_term_coverage=0.3)).answered


def test_close_passages_without_the_kind_of_answer_asked_do_not_answer() -> None:
    vague = _result(0.6, query="When was the unit formed?", text="The unit was formed to investigate allegations.")
    dated = _result(0.6, query="When was the unit formed?", text="The unit was formed in January 2022.")
    assert (judged(vague, AnswerSettings()).answered, judged(dated, AnswerSettings()).answered) == (False, True)
    assert "gives the date this question asks for" in str(judged(vague, AnswerSettings()).reason)
    assert judged(_result(0.1, 0.1, 0.1, 0.1, 0.1, 0.9), AnswerSettings(within=6)).answered


def test_search_says_whether_it_answers_by_the_configured_threshold(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assert make(tmp_path, fake_embedder, abstain_below=-1.0).search("allegations").answered
    strict = make(tmp_path, fake_embedder, abstain_below=1.0).search("allegations")
    assert (strict.answered, strict.reason) == (False, NO_CLOSE_ANSWER)
    assert result_to_json(strict)["answered"] is False and result_to_json(strict)["reason"] == NO_CLOSE_ANSWER


def test_a_follow_up_is_searched_with_the_subject_of_the_question_it_continues(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    first = assistant.ask("How many allegations does the unit investigate?")
    follow_up = assistant.ask("When was it formed?", [Exchange(first.query, first)])
    assert follow_up.query == "When was it formed? allegations unit investigate"
    assert follow_up.results[0].source.id == "b.txt"
    assert assistant.ask("Who leads the force?", [Exchange(first.query, first)]).query == "Who leads the force?"


def test_figures_are_those_the_results_quotes_state(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    figures = assistant.figures(assistant.search("How many allegations does the unit investigate?", k=1))
    assert [(f.value, f.noun) for f in figures] == [(625, "allegations")]


def test_a_source_is_added_checked_and_deleted_through_the_facade(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    upload = tmp_path / "upload.tmp"
    upload.write_text("Inspectors graded call handling inadequate.", encoding="utf-8")
    saved = assistant.add_source(upload, "../Inspection Report.TXT")
    assert saved == assistant.sources_dir / "Inspection_Report.txt"
    assert assistant.refresh().added == ("Inspection_Report.txt",)
    with pytest.raises(UploadError, match="already in the sources as Inspection_Report.txt"):
        assistant.add_source(upload, "again.txt")
    report = assistant.delete_source("Inspection_Report.txt")
    assert report.removed == ("Inspection_Report.txt",) and not saved.exists()
    with pytest.raises(IndexMissingError, match="no source named 'nope.txt'"):
        assistant.delete_source("nope.txt")


def test_failures_are_typed_and_a_failed_file_can_be_deleted(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = make(tmp_path, fake_embedder)
    (assistant.sources_dir / "empty.txt").write_bytes(b"")
    assistant.refresh()
    assert assistant.failures() == [LoadFailure(f"{assistant.sources_dir.name}/empty.txt", "empty file")]  # no server path
    assistant.delete_source("empty.txt")
    assert assistant.failures() == []
