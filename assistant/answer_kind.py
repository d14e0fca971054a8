"""What kind of answer a question asks for, and whether a sentence holds one: rules, no model.

who -> a person or organisation named; when -> a date; count -> a count or amount (a bound such as
"more than 600" holds it less than "625"); where -> a place named. A name, date or figure the question
itself already carries is not an answer to it: "Who leads the Daso unit?" is not answered by "Daso".
"""

from __future__ import annotations

import re
from functools import lru_cache

WHO, WHEN, COUNT, WHERE = "who", "when", "count", "where"

_MONTHS = "january february march april may june july august september october november december".split()
_DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions billion billions trillion dozen dozens half quarter third twice double triple"
).split()

_PLACE_NOUNS = r"(country|countries|city|cities|town|towns|village|region|area|place|county|state|nation|continent|station|location|street|island|river|park|building|capital)"
_PERSON_NOUNS = (
    r"(person|people|man|men|woman|women|officer|officers|detective|inspector|inspectorate|commissioner|actor|"
    r"leader|king|queen|ruler|president|minister|company|companies|organisation|organization|group|force|forces|"
    r"team|party|body|charity|court|university|college|scientist|author|writer|poet|emperor|duke|pope|general|"
    r"family|dynasty|tribe|lawyer|judge|founder|member|members|whistleblower|bishop|architect|engineer|inventor)"
)
# "who", "when" and "where" ask only as the question's opening words ("And who leads it?"); further in they
# are mostly conjunctions or relative pronouns ("What do officers tell Clark when they want to join?").
_MODIFIER = r"(?!(?:do|does|did|is|are|was|were|will|would|can|could|has|have|had)\b)\w+"  # "which former officer"
_OPENING = r"^\W*(?:\w+\W+){0,2}?"
_KINDS = (
    (COUNT, re.compile(r"\bhow (many|much|long|old|often|large|big|far|high|fast)\b|\bwhat (number|percentage|proportion|share|amount|fraction)\b|\bin how many\b", re.I)),
    (WHEN, re.compile(_OPENING + r"when\b|\b(what|which|in what|in which) (year|years|date|month|day|decade|century|period|time)\b|\bhow long ago\b", re.I)),
    (WHERE, re.compile(_OPENING + r"where\b|\b(what|which|at what|at which|in what|in which) (" + _MODIFIER + r" )?" + _PLACE_NOUNS + r"\b", re.I)),
    (WHO, re.compile(_OPENING + r"(who|whom|whose)\b|\b(what|which) (" + _MODIFIER + r" )?" + _PERSON_NOUNS + r"\b", re.I)),
)

_YEAR = r"\b(1[0-9]{3}|20[0-9]{2})s?\b"
_DATE = re.compile(
    _YEAR
    + r"|\b(" + "|".join(_MONTHS + _DAYS) + r")\b|\b\d{1,2}(st|nd|rd|th)\b|\b(\w+)(-| )century\b|\bcenturies\b"
    r"|\b(last|next|this|that|previous|following) (week|month|year|spring|summer|autumn|winter|decade)\b"
    r"|\b(yesterday|today|tomorrow|ago|recently|earlier this (year|month))\b|\b(BC|AD|BCE|CE)\b",
    re.I,
)
_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?%?|\b(" + "|".join(NUMBER_WORDS) + r")\b", re.I)
# A figure given as a bound ("more than 600", a headline's rounding) answers "how many" less exactly than
# the count itself ("625").
_BOUND_BEFORE = re.compile(
    r"\b(more than|fewer than|less than|over|under|almost|nearly|about|around|some|approximately|roughly|up to|"
    r"at least|at most|as many as)\s+$",
    re.I,
)
BOUND_SHARE = 0.25  # how much of a count a bound alone holds
# "It has not been revealed how many ...": a sentence that says the answer is not known does not give it.
_UNKNOWN = re.compile(
    r"\b(not (been |yet )?(known|revealed|disclosed|made public|confirmed)|unknown|unclear|"
    r"(declined|refused|would not|did not|does not|will not) (to )?(say|reveal|disclose|confirm))\b",
    re.I,
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*")
_LOCATIVE = re.compile(r"\b(in|at|from|near|to|into|across|throughout|outside|inside|of)\s+(?:the\s+)?(?:\w+\s+)?([A-Z][\w'’-]+)")
_WORD = re.compile(r"\w+")
# Capitalised for grammar, not because they name anyone.
_NOT_NAMES = frozenset(
    "the a an in on at of and but or it its he she they we you i his her their our this that these those there "
    "then when where who what which why how if as for from by with after before since while during to".split()
    + _MONTHS
    + _DAYS
)


def asked_kind(question: str) -> str | None:
    """The kind of answer ``question`` asks for, or None when it asks for none of them (why, what, yes/no)."""
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return None


# What a sentence offers as an answer, each with the word a question would already carry (see ``evidence``).
FIGURE, BOUND_FIGURE, DATE, PLACE, NAME = 1, 2, 3, 4, 5
KIND_CODES = {COUNT: (FIGURE, BOUND_FIGURE), WHEN: (DATE,), WHERE: (PLACE,), WHO: (NAME,)}


def holds(kind: str | None, sentence: str, question: str) -> float:
    """How fully ``sentence`` holds an answer of ``kind`` that ``question`` does not already give, in [0, 1].

    A count given only as a bound holds ``BOUND_SHARE``. A sentence that says the answer is not known holds nothing.
    """
    if kind is None or _UNKNOWN.search(sentence):
        return 0.0
    asked = question_words(question)
    offered = {code for code, word in evidence(sentence, kind) if word not in asked}
    if FIGURE in offered:
        return 1.0
    if BOUND_FIGURE in offered:
        return BOUND_SHARE
    return 1.0 if offered else 0.0


def evidence(sentence: str, kind: str | None = None) -> list[tuple[int, str]]:
    """The answers ``sentence`` offers, of ``kind`` or of every kind: (code, word) pairs, the word lower-cased as a
    question that already gives it would carry it (``FIGURE``/``BOUND_FIGURE``: a figure, exact or given as a
    bound; ``DATE``; ``PLACE``: a name after a preposition; ``NAME``: a person or organisation). What the index
    stores per sentence (sentence_features.py), so that a question's rules are array operations."""
    found: list[tuple[int, str]] = []
    if kind in (None, COUNT):
        for m in _FIGURE.finditer(sentence):
            bound = _BOUND_BEFORE.search(sentence[max(0, m.start() - 20) : m.start()])
            found.append((BOUND_FIGURE if bound else FIGURE, m.group(0).lower()))
    if kind in (None, WHEN):
        found.extend((DATE, m.group(0).lower()) for m in _DATE.finditer(sentence))
    if kind in (None, WHERE):
        found.extend((PLACE, key) for m in _LOCATIVE.finditer(sentence) if (key := _name_key(m.group(2))))
    if kind in (None, WHO):
        found.extend((NAME, key) for key in _names(sentence))
    return found


def _names(sentence: str) -> list[str]:
    """Keys of the capitalised words that name someone or something: a sentence's first word counts only when the
    next word is capitalised too ("Wayne Couzens was ...", not "Many officers ...")."""
    found = []
    first = _first_word_start(sentence)
    for m in _CAPITALISED.finditer(sentence):
        if m.start() == first:
            following = sentence[m.end() :].lstrip()
            if not following[:1].isupper():
                continue
        key = _name_key(m.group(0).rstrip("."))
        if key:
            found.append(key)
    return found


def _name_key(word: str) -> str:
    """The word as a question would carry it, or "" when it names nothing (one letter, capitalised for grammar)."""
    key = word.lower().strip("'’.-")
    return key if len(key) > 1 and key not in _NOT_NAMES else ""


def _first_word_start(sentence: str) -> int:
    match = re.search(r"[A-Za-z0-9]", sentence)
    return match.start() if match else 0


@lru_cache(maxsize=1024)
def question_words(question: str) -> frozenset[str]:
    """The question's words, lower-cased: an answer it already gives is no answer to it."""
    return frozenset(w.lower() for w in _WORD.findall(question))


def says_unknown(sentence: str) -> bool:
    """True when the sentence says the answer is not known or not given ("It has not been revealed ...")."""
    return bool(_UNKNOWN.search(sentence))
