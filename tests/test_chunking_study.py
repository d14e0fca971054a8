"""The chunking study ranks paragraphs by their best passage, so chunkings of any size are judged on the same units."""

from __future__ import annotations

from dataclasses import replace

from assistant.evaluation.chunking_study import ChunkingFigures, _paragraph_hit, render_chunking
from assistant.evaluation.gold import AnswerSpan, GoldQuestion
from assistant.types import Document, Passage, Quote, SourceRef

TEXT = "First paragraph.\nSecond paragraph.\nThird holds 625.\nFourth.\n"
DOC = Document("a.txt", "sources/a.txt", "A", None, TEXT, "0")


def passage(rank: int, start: int, end: int) -> Passage:
    ref = SourceRef.of(DOC)
    return Passage(rank, 1.0, 0.5, ref, None, DOC.paragraph_at(start), TEXT[start:end], start, end, Quote(TEXT[start:end], start, end))


def test_a_passage_over_several_paragraphs_ranks_each_of_them_at_its_place() -> None:
    third = TEXT.index("Third")
    question = GoldQuestion("q", "How many?", (), (AnswerSpan("a.txt", third + 12, third + 15, "625"),))
    spanning = passage(1, 0, TEXT.index("Third") - 1)  # paragraphs 1 and 2
    answer = passage(2, third, third + 16)  # paragraph 3
    assert not _paragraph_hit(question, [spanning, answer], {"a.txt": DOC}, 2)
    assert _paragraph_hit(question, [spanning, answer], {"a.txt": DOC}, 3)
    assert _paragraph_hit(question, [answer, spanning], {"a.txt": DOC}, 1)


def test_the_report_names_its_command_and_every_chunking() -> None:
    figures = [ChunkingFigures("gold", "windows of 128 (32)", 51, 80, 0.8, 0.95, 0.7, 0.9, 0.75)]
    text = render_chunking(figures, "python -m assistant eval --chunking --squad x.json", "1.0, 1.0, 1.0")
    assert "`python -m assistant eval --chunking --squad x.json`" in text and "| gold " in text and "0.950" in text


def test_a_window_over_several_paragraphs_ranks_the_paragraph_of_its_quote_first() -> None:
    third = TEXT.index("Third")
    question = GoldQuestion("q", "How many?", (), (AnswerSpan("a.txt", third + 12, third + 15, "625"),))
    window = passage(1, 0, len(TEXT))  # all four paragraphs, quoting the third
    quoting_third = replace(window, quote=Quote(TEXT[third : third + 16], third, third + 16))
    assert _paragraph_hit(question, [quoting_third], {"a.txt": DOC}, 1)
    assert not _paragraph_hit(question, [window], {"a.txt": DOC}, 2)
