"""Sentence and word boundaries as character spans, so quotes and chunks never cut mid-word."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Titles and abbreviations that end in a full stop without ending the sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sgt supt insp det con cllr rev gen col lt capt mt no nos vs etc "
    "e.g i.e approx fig jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co".split()
)
# A sentence ends at . ! ? or an ellipsis, plus any closing quotes or brackets after it.
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n|\f|\u2028|\u2029)\s*")
_WORD_CHAR = re.compile(r"\w")
# A heading is a line of a few words that does not end like a sentence and is either the document's first
# line (its title) or written in title case ("Independent Review of Vetting and Standards"). A caption in
# sentence case ("Serving police officer Wayne Couzens kidnapped, raped and murdered Sarah Everard in 2021")
# or a list item ("• ...", "1. ...") is body text however it ends.
_HEADING_WORDS = 15
_TITLE_CASE_SHARE = 0.6  # of the words of four letters or more that start with a capital
_SENTENCE_LIKE_END = re.compile(r"[.!?…:;,][\"'”’»)\]]*$")
_LIST_ITEM = re.compile(r"(?:[•●▪◦*\-–—]|\d+[.)])\s")


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of non-blank lines, stripped: the paragraphs a reader sees."""
    start = 0
    for brk in _LINE_BREAK.finditer(text):
        yield from _stripped(text, start, brk.start())
        start = brk.end()
    yield from _stripped(text, start, len(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of sentences, stripped of surrounding white space; no sentence crosses a line break."""
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text):
        start = p_start
        for end_mark in _END.finditer(text, p_start, p_end):
            end = end_mark.end()
            if _is_abbreviation(text, start, end_mark.start()):
                continue
            spans.extend(_stripped(text, start, end))
            start = end
        spans.extend(_stripped(text, start, p_end))
    return spans


def is_heading(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is a whole line that reads as a heading, not as a sentence of the body."""
    line = text[start:end]
    whole_line = (start == 0 or text[start - 1] in "\n\r\f") and (end == len(text) or text[end] in "\n\r\f")
    if not whole_line or _SENTENCE_LIKE_END.search(line) or _LIST_ITEM.match(line) or len(line.split()) > _HEADING_WORDS:
        return False
    long_words = [w for w in line.split() if len(w) >= 4]
    title_case = bool(long_words) and sum(w[0].isupper() for w in long_words) / len(long_words) >= _TITLE_CASE_SHARE
    return title_case or not text[:start].strip()


def word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of white-space separated words inside ``text[start:end]``."""
    return [(m.start(), m.end()) for m in re.compile(r"\S+").finditer(text, start, end)]


def is_word_boundary(text: str, offset: int) -> bool:
    """True when ``offset`` does not split a word: a quote may start or end here."""
    if offset <= 0 or offset >= len(text):
        return True
    return not (_WORD_CHAR.match(text[offset - 1]) and _WORD_CHAR.match(text[offset]))


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip("(\"'“‘").lower()
    # Single letters are initials ("J. K. Rowling"); a dot after a digit inside a list ("No. 5") is rare.
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _stripped(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield (start, end)
