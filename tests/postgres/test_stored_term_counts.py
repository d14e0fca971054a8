"""Each document's term counts and each sentence's answer-kind features stored with the index, on both stores: what
a search weighs a question's words by and its quote rules read is what the document's own text gives, built fresh,
re-opened or after an incremental build."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.quoting import choose_quote
from assistant.sentence_features import SentenceFeatures
from assistant.term_stats import DocumentTerms

from .conftest import make_assistant
from .test_stored_sentences import QUESTIONS, TokenFake


def _assert_counts_match_the_text(assistant) -> None:  # type: ignore[no-untyped-def]
    snapshot = assistant.snapshot
    ids = list(snapshot.documents)
    for source_id, stored in zip(ids, snapshot.document_terms(ids), strict=True):
        counted = DocumentTerms.of_text(snapshot.documents[source_id].text)
        assert stored.sentences == counted.sentences
        assert np.array_equal(stored.keys, counted.keys) and np.array_equal(stored.counts, counted.counts)


def _assert_features_match_the_text(assistant) -> int:  # type: ignore[no-untyped-def]
    """Each stored sentence's features are those found in its text; returns how many answers they offer."""
    snapshot = assistant.snapshot
    rows = [row for row, _ in snapshot.chunk_rows()]
    offered = 0
    for row, stored in zip(rows, snapshot.sentences(rows), strict=True):
        found = SentenceFeatures.of(snapshot.documents[snapshot.chunks[row].source_id].text, stored.spans)
        for field in ("flags", "codes", "keys", "starts"):
            assert np.array_equal(getattr(stored.features, field), getattr(found, field)), (row, field)
        offered += len(found.codes)
    return offered


def _quotes_counted_from_text(assistant) -> list[list[tuple[str, int, int]]]:  # type: ignore[no-untyped-def]
    """Each search's quotes chosen again with the term counts and sentence features taken from the document's text,
    as before they were stored."""
    snapshot, embedder = assistant.snapshot, assistant.embedder
    found = []
    for question in QUESTIONS:
        vector = embedder.encode([question])[0]
        quotes = []
        for passage in assistant.search(question, k=5).results:
            row = next(r for r in snapshot.rows_of([passage.source.id]).tolist()
                       if (snapshot.chunks[r].start, snapshot.chunks[r].end) == (passage.start, passage.end))
            stored = snapshot.sentences([row])[0]
            doc = snapshot.documents[passage.source.id]
            quote = choose_quote(doc, stored.spans, stored.vectors @ vector, question).quote
            quotes.append((passage.source.id, quote.start, quote.end))
        found.append(quotes)
    return found


def _quotes(assistant) -> list[list[tuple[str, int, int]]]:  # type: ignore[no-untyped-def]
    return [[(p.source.id, p.quote.start, p.quote.end) for p in assistant.search(q, k=5).results] for q in QUESTIONS]


def test_stored_term_counts_and_features_are_the_documents_own_built_fresh_reopened_and_after_an_edit(
    sources: Path, store_url: str | None, tmp_path: Path
) -> None:
    built = make_assistant(sources, store_url, tmp_path / "index", TokenFake())
    built.refresh()
    _assert_counts_match_the_text(built)
    assert _assert_features_match_the_text(built) > 100  # the articles name people, places, dates and figures
    assert _quotes(built) == _quotes_counted_from_text(built)

    reopened = make_assistant(sources, store_url, tmp_path / "index", TokenFake())
    _assert_counts_match_the_text(reopened)
    _assert_features_match_the_text(reopened)
    assert _quotes(reopened) == _quotes(built)

    edited = sorted(p for p in sources.iterdir() if p.suffix == ".txt")[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nThe unit said allegations rose again in Croydon. Allegations fell in March 2024.\n", encoding="utf-8")
    (sources / "zz_extra.txt").write_text("The unit counted forty-two allegations. Nobody else saw them.\n", encoding="utf-8")
    updated = make_assistant(sources, store_url, tmp_path / "index", TokenFake())
    report = updated.refresh()
    assert report.added == ("zz_extra.txt",) and edited.name in report.updated
    _assert_counts_match_the_text(updated)
    _assert_features_match_the_text(updated)
    rebuilt = make_assistant(sources, None, tmp_path / "rebuilt", TokenFake())
    rebuilt.refresh()
    assert _quotes(updated) == _quotes(rebuilt) == _quotes_counted_from_text(updated)
