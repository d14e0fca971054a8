"""Answer-kind evidence found once per sentence at index time: a question's rules over the stored features give
exactly what the rules give over each sentence's text."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from assistant.answer_kind import BOUND_SHARE, COUNT, WHEN, WHERE, WHO, asked_kind, holds, question_words
from assistant.segmentation import sentence_spans
from assistant.sentence_features import SentenceFeatures, among, asked_keys
from assistant.store.sentences import SentenceTable, read_table, write_table

ROOT = Path(__file__).resolve().parents[1]
TEXT = (
    "Met Police Unit Under Pressure\n"
    "The Met is investigating more than 600 allegations, officials said on Monday.\n"
    "It was looking into 625 of them in London.\n"
    "It has not been revealed how many officers were sacked by Sir Mark Rowley."
)


def _questions() -> list[str]:
    gold = tomllib.loads((ROOT / "eval" / "gold.toml").read_text(encoding="utf-8"))
    return [q["question"] for q in gold["question"]]


def test_stored_features_hold_what_the_rules_find_in_every_sentence_of_the_articles() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "sources").glob("*.txt"))]
    questions = _questions()
    assert {asked_kind(q) for q in questions} == {WHO, WHEN, COUNT, WHERE, None}
    compared = 0
    for text in texts:
        spans = sentence_spans(text)
        features = SentenceFeatures.of(text, spans)
        for question in questions:
            kind = asked_kind(question)
            expected = [holds(kind, text[s:e], question) for s, e in spans]
            assert features.held(kind, asked_keys(question_words(question))).tolist() == expected
            compared += len(spans)
    assert compared > 10_000


def test_a_bound_holds_a_share_a_name_the_question_gives_nothing_and_an_unknown_nothing() -> None:
    spans = sentence_spans(TEXT)
    features = SentenceFeatures.of(TEXT, spans)
    how_many = "How many allegations is the Met investigating?"
    assert features.held(COUNT, asked_keys(question_words(how_many))).tolist() == [0.0, BOUND_SHARE, 1.0, 0.0]
    who = "Who leads the Met in London?"  # the heading names the police; "London" the question gives
    assert features.held(WHO, asked_keys(question_words(who))).tolist() == [1.0, 0.0, 0.0, 0.0]
    assert features.held(WHERE, asked_keys(question_words("Where is the unit?"))).tolist() == [0.0, 0.0, 1.0, 0.0]
    assert features.headings.tolist() == [True, False, False, False]


def test_features_survive_the_files_taking_and_joining_chunks(tmp_path: Path) -> None:
    spans = sentence_spans(TEXT)
    chunks = [spans[:2], spans[2:]]
    table = SentenceTable.concat([_table(TEXT, chunk) for chunk in chunks])
    write_table(tmp_path, table)
    read = read_table(tmp_path, 2)
    for i, chunk in enumerate(chunks):
        expected = SentenceFeatures.of(TEXT, chunk)
        for got in (read.of(i).features, read.take(np.array([1, 0])).of(1 - i).features):
            assert got.flags.tolist() == expected.flags.tolist() and got.codes.tolist() == expected.codes.tolist()
            assert got.keys.tolist() == expected.keys.tolist() and got.starts.tolist() == expected.starts.tolist()


def test_an_index_without_stored_features_is_refused_with_the_reason(tmp_path: Path) -> None:
    write_table(tmp_path, _table(TEXT, sentence_spans(TEXT)))
    (tmp_path / "sentence_flags.npy").unlink()
    with pytest.raises(ValueError, match="predates stored sentence features"):
        read_table(tmp_path, 1)


def _table(text: str, spans: list[tuple[int, int]]) -> SentenceTable:
    from assistant.store.sentences import ChunkSentences
    from assistant.term_stats import SentenceTerms

    vectors = np.ones((len(spans), 2), dtype=np.float32)
    chunk = ChunkSentences(tuple(spans), vectors, SentenceTerms.of(text[s:e] for s, e in spans), SentenceFeatures.of(text, spans))
    return SentenceTable.of_chunks([chunk], dim=2)


def test_sentences_picked_from_several_runs_hold_what_they_hold_in_their_own_run() -> None:
    spans = sentence_spans(TEXT)
    runs = [SentenceFeatures.of(TEXT, spans[:2]), SentenceFeatures.of(TEXT, spans[2:])]
    picked = SentenceFeatures.picked([(runs[1], 1), (runs[0], 1), (runs[1], 0)])
    for question in ("How many allegations is the Met investigating?", "Who leads the Met in London?", "Where is the unit?"):
        kind, asked = asked_kind(question), asked_keys(question_words(question))
        whole = [run.held(kind, asked).tolist() for run in runs]
        assert picked.held(kind, asked).tolist() == [whole[1][1], whole[0][1], whole[1][0]]
    assert picked.headings.tolist() == [False, False, False] and runs[0].headings.tolist() == [True, False]


def test_among_is_membership_in_the_keys_given_none_included() -> None:
    values = np.array([5, 1, 9, 1], dtype=np.uint64)
    assert among(values, np.array([1, 7], dtype=np.uint64)).tolist() == [False, True, False, True]
    assert among(values, np.zeros(0, dtype=np.uint64)).tolist() == [False] * 4
    assert among(np.zeros(0, dtype=np.uint64), np.array([1], dtype=np.uint64)).tolist() == []
