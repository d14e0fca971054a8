"""The gold questions: every answer still stands verbatim in sources/, and the file is checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.gold import DEFAULT_GOLD, GoldError, load_gold
from assistant.sources import load_corpus
from assistant.types import Document

SOURCES = Path(__file__).resolve().parent.parent / "sources"


@pytest.fixture(scope="module")
def sources() -> dict[str, Document]:
    documents, failures = load_corpus(SOURCES)
    assert not failures
    return {d.id: d for d in documents}


def test_every_gold_answer_stands_verbatim_in_its_source(sources: dict[str, Document]) -> None:
    gold = load_gold(sources, DEFAULT_GOLD)
    for question in gold.answerable:
        for span in question.answers:
            assert sources[span.source_id].text[span.start : span.end] == span.text, question.id


def test_the_gold_set_has_the_mix_the_evaluation_needs(sources: dict[str, Document]) -> None:
    gold = load_gold(sources, DEFAULT_GOLD)

    def tagged(tag: str) -> int:
        return sum(tag in q.tags for q in gold.questions)

    assert len(gold.questions) >= 60
    assert tagged("unanswerable") >= 20  # "nothing answers" is calibrated on them, on-topic ones included
    assert tagged("paraphrase") >= 15 and tagged("wording") >= 15
    assert tagged("number") >= 10 and tagged("name") >= 10
    assert tagged("follow-up") >= 3
    multi = [q for q in gold.answerable if len({a.source_id for a in q.answers}) > 1]
    assert len(multi) >= 10 and all("multi-source" in q.tags for q in multi)


def test_a_follow_up_is_searched_after_its_previous_question(sources: dict[str, Document]) -> None:
    gold = load_gold(sources, DEFAULT_GOLD)
    follow_up = gold["dick-successor"]
    assert gold.query(follow_up, context=False) == "Who took over from her?"
    assert gold.query(follow_up) == "Why did Cressida Dick resign? Who took over from her?"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "gold.toml"
    path.write_text(body, encoding="utf-8")
    return path


DOCS = {"a.txt": Document("a.txt", "a.txt", "A", None, "The unit has 625 cases. It has 625 cases.", "0")}


def test_text_found_twice_yields_both_spans(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[question]]\nid = "q"\nquestion = "How many?"\ntags = ["number"]\n'
        'answers = [{ source = "a.txt", text = "625 cases" }]\n',
    )
    spans = load_gold(DOCS, path)["q"].answers
    assert [(s.start, s.end) for s in spans] == [(13, 22), (31, 40)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'id = "q"\nquestion = "How many?"\nanswers = [{ source = "a.txt", text = "626 cases" }]',
            "no longer stands verbatim",
        ),
        (
            'id = "q"\nquestion = "How many?"\nanswers = [{ source = "b.txt", text = "625 cases" }]',
            "'b.txt' is not among",
        ),
        ('id = "q"\nquestion = "How many?"\nanswers = []', "tagged 'unanswerable'"),
        ('id = "q"\nquestion = " "\nanswers = []', "'question' must be"),
        ('id = "q"\nquestion = "And?"\nprevious = "p"\ntags = ["follow-up"]\nanswers = []', "earlier question"),
        ('id = "q"\nquestion = "How?"\ntags = ["wording", "guess"]\nanswers = []', "'tags' must be"),
    ],
)
def test_a_bad_question_is_refused_naming_it(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(GoldError, match=message) as error:
        load_gold(DOCS, _write(tmp_path, "[[question]]\n" + body + "\n"))
    assert "question 'q'" in str(error.value)


def test_a_file_without_questions_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="no \\[\\[question\\]\\] tables"):
        load_gold(DOCS, _write(tmp_path, "title = 'empty'\n"))
