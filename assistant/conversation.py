"""Conversation: tell when a question leans on the ones before it (a follow-up), and search it both ways.

A follow-up is searched twice, as asked and together with the questions it continues, and the two
rankings are fused. Measured on the gold set's nine follow-ups (all-MiniLM-L6-v2, hybrid, k=5):

    as asked                      recall@1 3/9, recall@5 8/9
    with the previous question    recall@1 5/9, recall@5 8/9   (loses "Where does she live now?")
    both, fused (this module)     recall@1 5/9, recall@5 9/9

and on the 77 self-contained gold questions asked after another one, fusing those that read as
follow-ups costs 2 of 49 first places and no recall@5. Pure functions, so the evaluation can
measure the strategy again whenever it changes; ``Assistant.ask`` is how the shells use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from .fusion import rrf
from .types import Passage, SearchResult

_WORD = re.compile(r"[\w']+")
# Personal pronouns point back at someone named before ("when did she resign?"). Possessives and
# demonstratives ("its own officers", "this kind of abuse") are left out: self-contained questions
# use them all the time, and they doubled the false alarms on the gold set.
_BACK_REFERENCES = frozenset(["he", "she", "him", "her", "they", "them", "it"])
_CONNECTIVES = ("and", "but", "also", "so", "then", "or", "what about", "how about")
_SHORT = 3  # "why?", "how many?", "since when?" say nothing on their own
_MAX_CONTEXT = 3  # questions joined at most, so a long thread does not drown the newest one


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


def contextual_query(question: str, previous: Sequence[str]) -> str | None:
    """The question joined to the questions it continues, or None when it stands on its own.

    ``previous`` holds the chat's earlier questions, oldest first. The context reaches back through
    earlier follow-ups to the last self-contained question, at most ``_MAX_CONTEXT`` questions in all.
    """
    question = question.strip()
    if not previous or not is_follow_up(question):
        return None
    context: list[str] = []
    for earlier in reversed(previous):
        context.insert(0, earlier.strip())
        if not is_follow_up(earlier) or len(context) == _MAX_CONTEXT - 1:
            break
    return " ".join([*context, question])


def fuse(results: Sequence[SearchResult], k: int, query: str) -> SearchResult:
    """One ranking from several searches by reciprocal rank fusion, ranked 1..k.

    A passage counts as the same wherever it stands, as a result or in another's "also in", so
    the searches' votes add up and no passage is shown twice; the first search's card is kept.
    """
    ids: dict[tuple[str, int], int] = {}
    cards: list[Passage] = []
    runs = []
    for result in results:
        run = []
        for passage in result.results:
            keys = [(passage.source.id, passage.quote.start)] + [(o.source.id, o.quote.start) for o in passage.also_in]
            known = next((ids[key] for key in keys if key in ids), None)
            if known is None:
                known = len(cards)
                cards.append(passage)
            ids.update((key, known) for key in keys)
            run.append((known, passage.score))
        runs.append(run)
    ranked = [replace(cards[index], rank=rank) for rank, (index, _) in enumerate(rrf(runs)[:k], start=1)]
    return SearchResult(query=query, mode=results[0].mode if results else "", results=tuple(ranked))


def search_with_context(
    search: Callable[[str], SearchResult], question: str, previous: Sequence[str], k: int
) -> SearchResult:
    """Search ``question``; a follow-up is also searched with its context and the two are fused.

    ``search`` runs one query (e.g. ``functools.partial(assistant.search, k=k)``); the result's
    ``query`` is the text searched with the context, or the question as asked.
    """
    asked = search(question.strip())
    context = contextual_query(question, previous)
    if context is None:
        return asked
    return fuse([asked, search(context)], k, context)
