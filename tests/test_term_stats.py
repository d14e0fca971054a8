"""Term counts per document, made at index time: a question's words are weighed by lookup, never by reading a
candidate's document through."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant import quoting, term_stats
from assistant.sentence_features import SentenceFeatures
from assistant.store.sentences import ChunkSentences, SentenceTable, read_terms, write_terms
from assistant.term_stats import DocumentTerms, QuestionTerms, SentenceTerms, TermTable, term_key

TEXT = (
    "The Met said allegations were rising.\n"
    "Allegations against officers reached 625 in January.\n"
    "The unit was formed last year."
)


def test_a_term_weighs_log_one_plus_sentences_over_the_sentences_that_hold_it() -> None:
    counts = DocumentTerms.of_text(TEXT)
    assert counts.sentences == 3
    weights = counts.weights(QuestionTerms.of("Allegations about the unit and the weather?"))
    assert weights == {term_key("alleg"): math.log1p(3 / 2), term_key("unit"): math.log1p(3 / 1)}  # no "weather"


def test_a_table_gives_back_each_documents_counts_after_a_round_trip_through_its_files(tmp_path: Path) -> None:
    texts = [TEXT, "", "Cressida Dick resigned. Dick said she had no choice."]
    table = TermTable.of_texts(texts)
    write_terms(tmp_path, table)
    read = read_terms(tmp_path, len(texts))
    for i, text in enumerate(texts):
        expected, got = DocumentTerms.of_text(text), read.of(i)
        assert got.sentences == expected.sentences
        assert np.array_equal(got.keys, expected.keys) and np.array_equal(got.counts, expected.counts)
    picked = read.take([2, 0])
    assert picked.of(0).weights(QuestionTerms.of("Dick?")) == {term_key("dick"): math.log1p(2 / 2)}
    assert picked.of(1).weights(QuestionTerms.of("Allegations?")) == {term_key("alleg"): math.log1p(3 / 2)}


def test_term_counts_that_do_not_fit_the_segment_are_refused(tmp_path: Path) -> None:
    write_terms(tmp_path, TermTable.of_texts([TEXT]))
    with pytest.raises(ValueError, match="do not fit 2 documents"):
        read_terms(tmp_path, 2)
    with pytest.raises(ValueError, match="predates stored term counts"):
        read_terms(tmp_path / "missing", 1)


def test_sentence_terms_survive_taking_and_joining_chunks_of_a_table(tmp_path: Path) -> None:
    texts = ["Allegations rose. The unit said so.", "It is.", "Cressida Dick resigned."]
    chunks = [
        ChunkSentences(((0, len(t)),), np.ones((1, 2), dtype=np.float32), SentenceTerms.of([t]), SentenceFeatures.of(t, [(0, len(t))]))
        for t in texts
    ]
    table = SentenceTable.of_chunks(chunks, dim=2)
    joined = SentenceTable.concat([table.take(np.array([2, 0])), table.take(np.array([1]))])
    for position, original in enumerate([2, 0, 1]):
        assert np.array_equal(joined.of(position).terms.keys, chunks[original].terms.keys)
        assert joined.of(position).terms.starts.tolist() == chunks[original].terms.starts.tolist()


def test_a_search_reads_no_document_through_to_weigh_the_questions_words(
    assistant_over, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    long_text = " ".join(f"Paragraph {i} says the unit reviewed {i} cases of misconduct." for i in range(400))
    assistant: Assistant = assistant_over({"a.txt": TEXT, "long.txt": long_text})
    expected = [(p.source.id, p.quote.start, p.quote.end) for p in assistant.search("How many allegations?", k=3).results]

    read_through: list[int] = []
    counted_from_text = term_stats.DocumentTerms.of_text
    monkeypatch.setattr(term_stats, "sentence_spans", lambda text: read_through.append(len(text)) or [])
    monkeypatch.setattr(quoting, "_document_terms", lambda text: read_through.append(len(text)) or counted_from_text(text))
    longest_chunk = max(len(c.text) for c in assistant.snapshot.chunks)
    segmented: list[int] = []
    real_spans = quoting.sentence_spans
    monkeypatch.setattr(quoting, "sentence_spans", lambda text: segmented.append(len(text)) or real_spans(text))
    stemmed: list[str] = []
    real_terms = term_stats.terms
    monkeypatch.setattr(term_stats, "terms", lambda text: stemmed.append(text) or real_terms(text))
    monkeypatch.setattr(SentenceTerms, "of", lambda sentences: pytest.fail("a passage's sentences were stemmed"))

    questions = ("How many allegations?", "Who formed the unit?", "How many cases of misconduct?")
    for question in questions:
        found = assistant.search(question, k=3).results
        if question == "How many allegations?":
            assert [(p.source.id, p.quote.start, p.quote.end) for p in found] == expected
    assert read_through == []  # no document counted at question time
    assert all(n <= longest_chunk for n in segmented)  # nothing longer than a chunk segmented
    assert set(stemmed) <= set(questions)  # only the question's own words are stemmed


def test_the_builds_one_pass_stores_each_sentences_terms_and_each_documents_counts_as_counted_from_the_text(
    assistant_over,
) -> None:  # type: ignore[no-untyped-def]
    # Long enough for several overlapping chunks, so one sentence is met in the document and in two chunks.
    long_text = "\n".join(f"Paragraph {i} says the unit reviewed {i} cases. Allegations rose by {i}." for i in range(120))
    assistant: Assistant = assistant_over({"a.txt": TEXT, "long.txt": long_text, "empty.txt": "It is."})
    snapshot = assistant.snapshot
    assert len(snapshot.rows_of(["long.txt"])) > 2
    for row, chunk in snapshot.chunk_rows():
        stored = snapshot.sentences([row])[0]
        text = snapshot.documents[chunk.source_id].text
        expected = SentenceTerms.of([text[s:e] for s, e in stored.spans])
        assert np.array_equal(stored.terms.keys, expected.keys) and stored.terms.starts.tolist() == expected.starts.tolist()
    for source_id, stored in zip(snapshot.documents, snapshot.document_terms(list(snapshot.documents)), strict=True):
        counted = DocumentTerms.of_text(snapshot.documents[source_id].text)
        assert stored.sentences == counted.sentences
        assert stored.keys.tolist() == counted.keys.tolist() and stored.counts.tolist() == counted.counts.tolist()
