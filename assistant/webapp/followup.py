"""Follow-up questions: decide when a question leans on the conversation, and what to search instead.

Pure functions so the evaluation can measure the strategy on its follow-up cases without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[\w']+")
# Words that point back at something said before ("his predecessor", "when did she…", "what about…").
_BACK_REFERENCES = frozenset(
    "he she him his her hers they them their theirs it its this that these those there".split()
)
_CONNECTIVES = ("and", "but", "also", "so", "then", "or", "what about", "how about")
_SHORT = 3  # "why?", "how many?", "since when?" say nothing on their own
_MAX_CONTEXT = 3  # questions joined at most, so a long thread does not drown the newest one


def is_follow_up(question: str) -> bool:
    """True when ``question`` reads as a continuation: very short, opening with "and"/"what about",
    or referring back with a pronoun."""
    words = [w.casefold() for w in _WORD.findall(question)]
    if not words:
        return False
    opening = " ".join(words[:2])
    return (
        len(words) <= _SHORT
        or any(opening == c or opening.startswith(c + " ") for c in _CONNECTIVES)
        or any(w in _BACK_REFERENCES for w in words)
    )


def contextual_query(question: str, previous: Sequence[str]) -> str:
    """The text to search for ``question`` given the earlier questions of the chat (oldest first).

    A follow-up is searched together with the questions it continues: back through earlier
    follow-ups to the last self-contained question, at most ``_MAX_CONTEXT`` questions in all.
    A self-contained question is searched as asked.
    """
    question = question.strip()
    if not previous or not is_follow_up(question):
        return question
    context: list[str] = []
    for earlier in reversed(previous):
        context.insert(0, earlier.strip())
        if not is_follow_up(earlier) or len(context) == _MAX_CONTEXT - 1:
            break
    return " ".join([*context, question])
