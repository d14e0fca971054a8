"""Conversation: tell when a question leans on the ones before it (a follow-up), and resolve it against them.

A follow-up ("And who leads it?", "What did she say about abusive officers?") is searched once, as its own
words followed by the subject of the turn it continues: the content words of that turn's searched text (for
a follow-up, its resolved text, so a chain keeps its topic), less stop words, question words ("how many",
"who") and the follow-up's own words. Its own words come first and the previous turn's question words are
left out, so the kind of answer it asks for ("who") is its own, not the previous one's ("how many").

Measured on the 14 tuning follow-ups of ``eval/follow_ups.toml`` (``python -m assistant eval --follow-ups``,
all-MiniLM-L6-v2, hybrid, k=10; recall@1 / recall@5 / quote accuracy):

    previous question prepended, fused with the follow-up searched alone   0.429 / 0.714 / 0.429
    subject appended, fused with the follow-up alone                       0.429 / 0.714 / 0.429
    subject appended, one search (this module)                             0.571 / 0.643 / 0.500
    subject and the names in the previous answer's quote, one search        0.357 / 0.714 / 0.286

The previous answer's names pull the search back to the sentence that already answered ("Who assaulted
her? Gemma MacRae …" finds MacRae's whistle-blowing again), so they are left out. Pure functions;
``Assistant.ask`` is how the shells use them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from .types import Exchange, SearchResult

_WORD = re.compile(r"[\w']+")
# Personal pronouns point back at someone named before ("when did she resign?"). Possessives and
# demonstratives ("its own officers", "this kind of abuse") are left out: self-contained questions
# use them all the time, and they doubled the false alarms on the gold set.
_BACK_REFERENCES = frozenset(["he", "she", "him", "her", "they", "them", "it"])
_CONNECTIVES = ("and", "but", "also", "so", "then", "or", "what about", "how about")
_SHORT = 3  # "why?", "how many?", "since when?" say nothing on their own
# They frame a question ("how many", "who") and would change the kind of answer the follow-up asks for.
_QUESTION_WORDS = frozenset("how many much what when where which who whom whose why do does did is are was were".split())
_MAX_SUBJECT_WORDS = 8  # of the turn continued, so a long thread does not drown the newest question


def is_follow_up(question: str) -> bool:
    """True when ``question`` reads as a continuation: very short, opening with "and"/"what about",
    or referring back with a personal pronoun."""
    words = [w.casefold() for w in _WORD.findall(question)]
    if not words:
        return False
    opening = " ".join(words[:2])
    return (
        len(words) <= _SHORT
        or any(opening == c or opening.startswith(c + " ") for c in _CONNECTIVES)
        or any(w in _BACK_REFERENCES for w in words)
    )


def resolve(question: str, history: Sequence[Exchange]) -> str | None:
    """The follow-up followed by the subject of the turn it continues, or None when it stands alone.

    ``history`` is the conversation so far, oldest first; only its last turn is read, as searched
    (``result.query``), which for a follow-up already carries the subject of the turns before it.
    """
    question = question.strip()
    if not history or not is_follow_up(question):
        return None
    last = history[-1]
    subject = _content_words(last.result.query or last.question, {w.casefold() for w in _WORD.findall(question)})
    return " ".join([question, *subject[:_MAX_SUBJECT_WORDS]])


def _content_words(text: str, known: set[str]) -> list[str]:
    """The words of ``text`` that carry its subject, in order, once each, less those in ``known``."""
    words: list[str] = []
    seen = set(known)
    for word in _WORD.findall(text):
        folded = word.casefold()
        if folded not in seen and folded not in _QUESTION_WORDS and folded not in _stop_words():
            seen.add(folded)
            words.append(word)
    return words


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN  # imported here: bm25s loads scipy, which importing the package must not

    return frozenset(STOPWORDS_EN)


def search_with_context(search: Callable[[str], SearchResult], question: str, history: Sequence[Exchange]) -> SearchResult:
    """Search ``question``, a follow-up resolved against ``history`` (the conversation so far, oldest first).

    ``search`` runs one query (e.g. ``functools.partial(assistant.search, k=k)``); the result's ``query``
    is the text searched, resolved or as asked.
    """
    return search(resolve(question, history) or question.strip())
