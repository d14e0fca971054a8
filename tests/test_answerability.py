"""The "nothing answers" verdict on real gold questions over the shipped articles, with its reason in the
reader's words, and one verdict for one question in the core, the CLI's ``ask --json``, the API's ``/search``
and the app's answer."""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import pytest
from gradio_client import Client

from assistant import cli
from assistant.answerability import judged
from assistant.config import AnswerSettings
from assistant.render import result_to_json
from assistant.service import Assistant
from assistant.types import Passage, Quote, SearchResult, SourceRef
from assistant.webapp import build_app, launch

BUDGET = "What is the unit's annual budget?"
BUDGET_REASON = "No passage in the sources mentions “annual budget”."


def _result(query: str, text: str) -> SearchResult:
    source = SourceRef("a.txt", "A", None, "a.txt")
    return SearchResult(query, "hybrid", (Passage(1, 1.0, 0.6, source, None, 1, text, 0, len(text), Quote(text, 0, len(text))),))


def test_the_reason_names_what_is_missing_in_the_questions_own_words() -> None:
    question, strict = "How many officers does Greater Manchester Police employ?", AnswerSettings(min_term_coverage=0.7)
    verdict = judged(_result(question, "Manchester Police has 7,000 officers."), strict)
    assert verdict.reason == "No passage in the sources mentions “Greater”, “employ”."  # "Manchester Police" is there
    assert judged(_result(question, "Greater Manchester Police employs 7,000 officers."), strict).answered


def _on_subject(query: str, text: str, sentence_similarity: float | None) -> SearchResult:
    source = SourceRef("a.txt", "A", None, "a.txt")
    passage = Passage(1, 1.0, 0.55, source, None, 1, text, 0, len(text), Quote(text, 0, len(text)), (), None, sentence_similarity)
    return SearchResult(query, "hybrid", (passage,))


def test_passages_on_the_subject_whose_sentences_are_not_close_to_the_question_do_not_answer_it() -> None:
    question, text = "How much compensation was Gemma MacRae paid?", "Gemma MacRae was paid 5,000 pounds in damages."
    verdict = judged(_on_subject(question, text, 0.41), AnswerSettings())
    assert verdict.reason == (
        "The sources are on this subject, but no sentence in them that gives the figure it asks for comes close to "
        "this question (none mentions “compensation”)."
    )
    assert judged(_on_subject(question, text, 0.52), AnswerSettings()).answered  # a sentence is close enough
    # Passages not made by a search carry no sentence cosine: the test leaves them out.
    assert judged(_on_subject(question, text, None), AnswerSettings()).answered


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (
            "When did Annette Clark join the Metropolitan Police?",
            "The sources are on this subject, but no sentence in them that gives the date it asks for comes close to "
            "this question (none mentions “join”).",
        ),
        (
            "What is the Metropolitan Police's annual budget?",
            "No passage in the sources gives the amount of money this question asks for.",
        ),
        (
            "How many officers does Greater Manchester Police employ?",
            "No passage in the sources gives a count of officers this question asks for.",
        ),
        (
            "What did the Home Secretary say about the new unit?",
            "The sources are on this subject, but no sentence in them comes close to this question (none mentions "
            "“Home Secretary”).",
        ),
    ],
)
def test_on_topic_questions_whose_sentences_the_articles_lack_are_not_answered(
    articles: Assistant, question: str, reason: str
) -> None:
    result = articles.search(question)
    assert (result.answered, result.reason) == (False, reason)


@pytest.mark.integration
def test_an_on_topic_question_the_articles_cannot_answer_is_not_answered_and_says_why(articles: Assistant) -> None:
    result = articles.search(BUDGET)
    assert result.results, "the nearest passages are still shown"
    assert (result.answered, result.reason) == (False, BUDGET_REASON)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Who murdered Sarah Everard?", "Couzens"),
        ("When was the Daso unit set up?", "January"),
        ("How many allegations is the unit investigating?", "625"),
        ("Who leads the Daso unit?", "Clark"),  # worded apart from the passage ("who heads the unit"), still answered
    ],
)
def test_answerable_who_when_and_how_many_questions_are_answered(articles: Assistant, question: str, answer: str) -> None:
    result = articles.search(question)
    assert (result.answered, result.reason) == (True, None)
    assert any(answer in p.quote.text for p in result.results[:5])


@pytest.mark.integration
def test_the_core_the_cli_the_api_and_the_app_give_one_verdict_for_one_question(
    articles: Assistant, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    core = result_to_json(articles.search(BUDGET))

    original = Assistant.__init__
    monkeypatch.setattr(Assistant, "__init__", lambda self, *a, **kw: original(self, *a, **{**kw, "embedder": articles.embedder}))
    folders = ["--sources", str(articles.sources_dir), "--index", str(Path(articles.sources_dir).parent / "index")]
    assert cli.main(["ask", BUDGET, "--json", *folders]) == 0
    printed = json.loads(capsys.readouterr().out)

    app = build_app(Assistant(articles.sources_dir, embedder=articles.embedder, store=articles.store))
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False)
        api = json.loads(client.predict(BUDGET, api_name="/search"))
        page, _ = client.predict(BUDGET, 5, [], "Hybrid (meaning + keywords)", True, "", "", [], "Relevance", api_name="/ask")
    finally:
        app.close()

    for shell in (printed, api):
        assert (shell["answered"], shell["reason"]) == (core["answered"], core["reason"]) == (False, BUDGET_REASON)
    assert BUDGET_REASON in unescape(page)


@pytest.mark.integration
@pytest.mark.parametrize("question", ["Who took over from her?", "What sentence was he given?", "Who are the alleged victims?"])
def test_asking_for_one_passage_gives_the_verdict_and_first_passage_of_the_apps_five(articles: Assistant, question: str) -> None:
    # The verdict weighs the first five passages however few are shown: with one, `ask -k 1` said nothing answers
    # questions the app's five cards answer.
    one, five = articles.search(question, k=1), articles.search(question, k=5)
    assert (one.answered, one.reason) == (five.answered, five.reason)
    assert len(one.results) == 1 and one.results[0] == five.results[0]
