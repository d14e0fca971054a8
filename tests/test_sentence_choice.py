"""The learned quote choice: its features as the search computes them, the setting that chooses it, its fit, and
its score's weight in the passage rerank."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import SearchSettings
from assistant.errors import SettingsError
from assistant.evaluation import quote_choice_study, sentence_training
from assistant.evaluation.sentence_training import Groups, fit
from assistant import sentence_choice
from assistant.quoting import QuoteSource, choice_features, choose_quote, learned_scores, quote_evidence, sentences_in
from assistant.retrieval import _Candidate, by_quote
from assistant.sentence_choice import FEATURES, Evidence
from assistant.sentence_features import SentenceFeatures
from assistant.store.sentences import ChunkSentences
from assistant.term_stats import DocumentTerms, SentenceTerms
from assistant.types import Document, Quote

TEXT = "Met Police news\nThe measures were special. The special measures were strict.\nThey ended in May."


def _source(text: str, spans: list[tuple[int, int]], vectors: np.ndarray) -> QuoteSource:
    sentences = ChunkSentences(
        tuple(spans), vectors, SentenceTerms.of(text[s:e] for s, e in spans), SentenceFeatures.of(text, spans)
    )
    return QuoteSource(Document("a.txt", "a.txt", "a", None, text, ""), sentences, DocumentTerms.of_text(text))


def test_each_sentence_gets_a_row_with_its_neighbours_values_and_none_across_a_passage_edge() -> None:
    doc = Document("a.txt", "a.txt", "a", None, TEXT, "")
    spans = sentences_in(doc, 0, len(TEXT))
    first, second = _source(TEXT, spans[:2], np.eye(4, dtype=np.float32)[:2]), _source(TEXT, spans[2:], np.eye(4, dtype=np.float32)[2:])
    rows, bounds = choice_features([first, second], np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32), "What did the special measures require?")
    column = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    assert rows.shape == (4, len(FEATURES)) and bounds == [0, 2, 4]
    assert column["cosine"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert column["before_cosine"].tolist() == pytest.approx([0.0, 0.1, 0.0, 0.3])  # the second passage starts afresh
    assert column["after_cosine"].tolist() == pytest.approx([0.2, 0.0, 0.4, 0.0])
    assert column["opens_paragraph"].tolist() == [1.0, 1.0, 0.0, 1.0]
    # Of the question's adjacent terms (special measures, measures require), the third holds the first pair in order.
    assert column["bigram"].tolist() == [0.0, 0.0, 0.5, 0.0]


def test_the_setting_chooses_between_the_rule_and_the_learned_score() -> None:
    # Equal cosines and equal shares of the question's words: the rule keeps the first sentence, the learned score
    # prefers the one holding the question's words in its order, after a sentence that repeats them.
    text = "The measures were special. The special measures were strict."
    doc = Document("a.txt", "a.txt", "a", None, text, "")
    spans = sentences_in(doc, 0, len(text))
    question = "What were the special measures?"
    rule = choose_quote(doc, spans, np.array([0.5, 0.5]), question).quote
    learned = choose_quote(doc, spans, np.array([0.5, 0.5]), question, choice="learned").quote
    assert (rule.text, learned.text) == ("The measures were special.", "The special measures were strict.")


def test_an_unknown_quote_choice_is_refused_naming_the_choices() -> None:
    with pytest.raises(SettingsError, match=r"search quote_choice must be one of rule, learned, got 'best'"):
        SearchSettings(quote_choice="best")


def test_the_fit_weighs_the_feature_that_marks_the_answer() -> None:
    # Twenty passages of three sentences: the answer is the one whose second feature is highest; the first is noise.
    rng = np.random.default_rng(0)
    rows = rng.random((60, 2))
    group = np.repeat(np.arange(20), 3)
    answer = np.zeros(60, dtype=bool)
    answer[np.arange(20) * 3 + rows[:, 1].reshape(20, 3).argmax(axis=1)] = True
    weights = fit(Groups(rows, group, answer, 20))
    assert weights[1] > 5 * abs(weights[0])
    chosen = (rows @ weights).reshape(20, 3).argmax(axis=1)
    assert (answer.reshape(20, 3)[np.arange(20), chosen]).all()


@pytest.mark.parametrize("command", [sentence_training.main, quote_choice_study.main])
def test_a_file_that_is_not_squad_is_refused_in_one_line_naming_it(command, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "squad.json"
    bad.write_text("{}", encoding="utf-8")
    assert command(["--squad", str(bad), "--work", str(tmp_path / "work")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {bad}: not a SQuAD 2.0 file") and error.count("\n") == 1


def test_the_rerank_weighs_each_passage_by_its_best_learned_sentence_a_title_line_left_out() -> None:
    doc = Document("a.txt", "a.txt", "a", None, TEXT, "")
    spans = sentences_in(doc, 0, len(TEXT))
    vectors = np.eye(4, dtype=np.float32)
    first, second = _source(TEXT, spans[:2], vectors[:2]), _source(TEXT, spans[2:], vectors[2:])
    query_vector = np.array([1.0, 0.0, 0.3, 0.4], dtype=np.float32)  # the title line is the closest
    question = "What did the special measures require?"
    rows, _ = choice_features([first, second], query_vector, question)
    scores = sentence_choice.score(rows)
    assert first.sentences.features.headings.tolist() == [True, False]
    assert scores[0] > scores[1]
    evidence = quote_evidence([first, second], query_vector, question)
    assert learned_scores([first, second], evidence, question) == pytest.approx([scores[1], max(scores[2], scores[3])])
    # The rerank scores passages from their parts of a batch's evidence: the same scores, in the order asked.
    one, two = evidence.parts()
    assert learned_scores([second, first], Evidence.joined([two, one]), question) == pytest.approx(
        [max(scores[2], scores[3]), scores[1]]
    )


def test_the_learned_weight_settles_a_near_tie_and_zero_leaves_the_order() -> None:
    candidates = [_Candidate(row, score, Quote("q", 0, 1), 0.5, 0.5) for row, score in enumerate([0.80, 0.79])]
    candidates[0].learned, candidates[1].learned = -1.0, 1.0
    assert [c.row for c in by_quote(candidates, 2.0, 10, learned_weight=0.05)] == [1, 0]
    assert [c.row for c in by_quote(candidates, 2.0, 10, learned_weight=0.0)] == [0, 1]


def test_a_negative_learned_weight_is_refused_naming_it() -> None:
    with pytest.raises(SettingsError, match="learned_weight"):
        SearchSettings(learned_weight=-0.1)


def test_the_study_refuses_a_chunking_the_chunker_cannot_make_in_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["--squad", str(tmp_path / "squad.json"), "--work", str(tmp_path / "work"), "--max-tokens", "128", "--overlap", "200"]
    assert quote_choice_study.main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: chunk overlap_tokens must be in [0, max_tokens=128)") and error.count("\n") == 1
