"""Long quotes are verified with bounded work: the same verdicts and diffs as short ones, a quote that runs
across sources is judged by how much of it one source holds, and a request past its time budget is stopped
with a message. (How the time grows with the length: ``python -m bench.long_quotes``.)"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from assistant import Assistant, BudgetExceeded, RequestSettings, Settings
from assistant.bounded_alignment import SHORT, align
from assistant.verification import ALTERED, EXACT, NOT_FOUND, Verification

SOURCES = Path(__file__).resolve().parent.parent / "sources"
CLARK = "000_b4efa6d47b194183.txt"
ITV = "001_3bd223bcd275ebfb.txt"
MAIL = "002_91d102806b45131f.txt"
BBC = "003_7582e51dae7e9a11.txt"
REGIONAL = "004_22b8a23762c7f0ec.txt"


@pytest.fixture
def shipped(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    """The shipped sources, indexed with the fake embedder (candidates come from BM25 and the bag of words)."""
    (tmp_path / "sources").mkdir()
    for path in SOURCES.iterdir():
        (tmp_path / "sources" / path.name).write_bytes(path.read_bytes())
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    return assistant


def body(assistant: Assistant, source_id: str) -> str:
    """A source's text after its title line, up to the last full stop that ends a sentence in plain words
    (a closing quote mark is part of the source's last word, and a quote would leave it out)."""
    text = assistant.document(source_id).text
    return text[text.index("\n") + 1 : re.search(r".*\w\.\s", text, re.DOTALL).end()].strip()


def changes(result: Verification) -> list[tuple[str, str, str, str | None]]:
    return [(op.op, op.quote_text, op.source_text, op.flag) for op in result.matches[0].diff if op.op != "equal"]


def test_a_whole_article_pasted_verbatim_is_exact(shipped: Assistant) -> None:
    quote = body(shipped, MAIL)
    assert len(quote) > 8_000
    result = shipped.verify(quote)
    assert result.verdict == EXACT
    assert [m.source.id for m in result.matches] == [MAIL]


def test_a_long_quote_with_one_changed_number_is_altered_with_only_that_number_marked(shipped: Assistant) -> None:
    source = body(shipped, CLARK)
    assert len(source) > 2 * SHORT and source.count("625") == 1
    result = shipped.verify(source.replace("625", "652"))
    assert result.verdict == ALTERED
    (match,) = result.matches
    assert match.source.id == CLARK
    assert match.spans[0].text == source
    assert changes(result) == [("changed", "652", "625", "number")]


def test_a_long_quote_with_one_dropped_word_shows_just_that_word_dropped(shipped: Assistant) -> None:
    source = body(shipped, ITV)
    assert len(source) > 4 * SHORT
    at = source.index(" the ", len(source) // 2)
    result = shipped.verify(source[:at] + source[at + len(" the") :])
    assert result.verdict == ALTERED
    assert result.matches[0].spans[0].text == source
    assert changes(result) == [("dropped", "", "the", None)]


def test_a_quote_running_across_three_articles_is_not_found_and_judged_by_how_much_one_holds(
    shipped: Assistant,
) -> None:
    quote = "\n\n".join(body(shipped, sid) for sid in (CLARK, ITV, REGIONAL))
    result = shipped.verify(quote)
    assert result.verdict == NOT_FOUND
    assert result.matches
    nearest = result.matches[0]
    assert nearest.source.id in {CLARK, ITV, REGIONAL}
    assert 0.2 < nearest.coverage < 0.5  # one article: about a third of the quote's words


def test_sixteen_thousand_characters_of_shuffled_source_words_are_not_found(shipped: Assistant) -> None:
    words = " ".join(body(shipped, sid) for sid in (MAIL, BBC)).split()
    random.Random(16).shuffle(words)
    quote = " ".join(words)[:16_000]
    result = shipped.verify(quote)
    assert result.verdict == NOT_FOUND
    assert all(m.coverage < 0.5 for m in result.matches)


def test_the_long_alignment_finds_a_passage_where_it_stands_in_a_longer_text(shipped: Assistant) -> None:
    text = body(shipped, BBC)
    start = text.index(" ", len(text) // 3) + 1
    passage = text[start : text.index(" ", start + 3 * SHORT)]
    found = align(passage, text)
    assert found is not None and found.score == 100
    assert (found.start, found.end) == (start, start + len(passage))
    assert align(passage, text, offset=start + len(passage)) is None  # nothing of it after itself


def test_a_verification_past_its_time_budget_is_stopped_with_a_message(shipped: Assistant) -> None:
    limits = Settings(requests=RequestSettings(verify_seconds=1e-6))
    hurried = Assistant(shipped.sources_dir, settings=limits, embedder=shipped.embedder, store=shipped.store)
    with pytest.raises(BudgetExceeded, match=r"verifying the quote was stopped after 1e-06 s, its time budget"):
        hurried.verify(body(shipped, BBC))
    assert shipped.verify("The Met has hired 300 new detectives.").verdict == NOT_FOUND  # no budget left behind
