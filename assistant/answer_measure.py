"""What a figure must measure to answer a question: rules, no model.

A count or an amount answers a question only when it measures what is asked. "More than 600 allegations" is a
figure, so ``answer_kind`` lets it answer "What is the unit's annual budget?" and "How many officers does the
Met employ?" alike; it answers neither. Three measures are read from the question's own words:

- money: "How much was she paid?", "What is the unit's annual budget?", "What salary was he paid?";
- a length of time or distance: "How long was he jailed for?", "How long is the river?";
- the thing counted: "How many officers ..." is answered by a figure that counts officers ("1,600 officers",
  "600 of its officers"), not by one that counts allegations.

A question asking none of these has no measure, and every passage passes. The verdict's third test reads
``gives_measure`` over each passage it judges (answerability.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .answer_kind import NUMBER_WORDS, question_words
from .term_stats import terms

MONEY, SPAN, COUNTED = "money", "span", "counted"

_MONEY_VERBS = (
    r"(cost|costs|pay|paid|pays|spend|spent|spends|earn|earned|earns|raise|raised|charge|charged|worth|fund|funded|"
    r"owe|owed|sell|sold|buy|bought|invest|invested|fined|lose|lost|donate|donated|borrow|borrowed|lend|lent)"
)
_MONEY_NOUNS = (
    r"(budget|budgets|salary|salaries|wage|wages|price|prices|fee|fees|fine|fines|compensation|revenue|revenues|"
    r"income|profit|profits|cost|costs|funding|spending|payout|damages|bail|ransom|endowment|grant|grants)"
)
_ASKS_MONEY = re.compile(
    r"\bhow much money\b"
    r"|\bhow much\b(?:\W+\w+){0,8}?\W+" + _MONEY_VERBS + r"\b"
    # "What is the Metropolitan Police's annual budget?": the noun is what the question asks for, not a topic
    # further in ("What did he say about pay?").
    r"|^\W*(?:\w+\W+){0,2}?(?:what|how much) (?:is|was|are|were|will be|has been)(?: \w+(?:'s|’s)?){0,5} " + _MONEY_NOUNS + r"\b"
    r"|^\W*(?:\w+\W+){0,2}?(?:what|which|how much|how large a|how big a) " + _MONEY_NOUNS + r"\b",
    re.I,
)
_ASKS_SPAN = re.compile(r"\bhow long\b(?! ago\b)", re.I)
# "How many officers does ...": the words between "how many" and the first verb or preposition name what is
# counted; "How many of the 625 ..." and "How many are there?" name nothing.
_ASKS_COUNT = re.compile(r"\bhow many\b((?:\s+[\w'’-]+){1,4})", re.I)
_COUNTED_STOP = frozenset(
    "do does did is are was were will would can could should have has had be been being of in at on per from for "
    "to by with under within across among that who which whose were there they it this these those the a an its "
    "their his her our your my".split()
)

_NUMBER = r"(?:\d(?:[\d,.]*\d)?|\b(?:" + "|".join(NUMBER_WORDS) + r"|single|couple|pair|a|an|several|few|many)\b)"
_CURRENCY_WORDS = (
    r"(pounds?|dollars?|euros?|francs?|marks|yen|yuan|pence|cents?|guineas?|livres?|lira|lire|rupees?|roubles?|rubles?|"
    r"shillings?|pesos?|krona|kronor|kroner|crowns?|ducats?|florins?|guilders?|dinars?|dirhams?|riyals?|rand|usd|gbp|eur)"
)
_MONEY = re.compile(
    r"[£$€¥]\s?\d|\b(?:usd|gbp|eur)\s?\d|\d(?:[\d,.]*\d)?p\b(?!\.m)"
    r"|" + _NUMBER + r"(?:\s?(?:k|m|bn|million|billion|thousand|trillion|hundred))?\s+" + _CURRENCY_WORDS + r"\b",
    re.I,
)
_UNITS = (
    r"(seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?|centuries|century|"
    r"millenni(?:um|a)|generations?|miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|inch(?:es)?|yards?)"
)
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_SPAN = re.compile(
    _NUMBER + r"[\s-]+(?:[\w-]+\s+)?" + _UNITS + r"\b"
    r"|\blife\b|\bsince\s+(?:the\s+)?(?:early\s+|late\s+|mid-?)?(?:" + _YEAR + r"s?|\d{1,2}(?:st|nd|rd|th)? century)\b"
    r"|\b(?:from|between)\s+" + _YEAR + r"\s+(?:to|and|until|till)\s+" + _YEAR + r"\b"
    r"|\b" + _YEAR + r"\s?[–-]\s?(?:" + _YEAR + r"|[0-9]{2})\b",
    re.I,
)
_FIGURE = re.compile(_NUMBER, re.I)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_WORD = re.compile(r"[\w'’-]+|%")
# What the counted word may be said as: a kind of thing by its synonyms, a unit by its abbreviation.
_SAID_AS = tuple(
    frozenset(group.split())
    for group in ("type kind sort form varieti categori class", "kilomet km", "metr meter m", "mile mi", "kilogram kg",
                  "gram g", "percent %", "hour h hr", "minut min", "second sec")
)
NEAR = 6  # words after a figure that may name what it counts ("625 domestic and sexual abuse allegations", "600 of its officers")
# Past these the words after a figure are about something else: "600 allegations against officers" counts allegations.
_COUNT_ENDS = frozenset(
    "against in at on for from by with to into over under about across after before during since until within "
    "without between among per is are was were be been has have had will would can could who which that whose "
    "while when where because as".split()
)


@dataclass(frozen=True)
class Measure:
    """What a question's answer must measure: ``kind`` (MONEY, SPAN or COUNTED) and, for COUNTED, the stemmed
    words that may name what is counted."""

    kind: str
    counted: frozenset[str] = frozenset()
    words: str = ""  # the question's words naming what is counted, as it says them

    @property
    def name(self) -> str:
        """As a reason shows it: "the amount of money", "the length of time or distance", "a count of officers"."""
        if self.kind == MONEY:
            return "the amount of money"
        if self.kind == SPAN:
            return "the length of time or distance"
        return f"a count of {self.words}"


@lru_cache(maxsize=1024)
def asked_measure(question: str) -> Measure | None:
    """What the answer to ``question`` must measure, or None when it asks for no particular measure."""
    if _ASKS_MONEY.search(question):
        return Measure(MONEY)
    if _ASKS_SPAN.search(question):
        return Measure(SPAN)
    match = _ASKS_COUNT.search(question)
    if match:
        words = []
        for word in _WORD.findall(match.group(1)):
            # A verb ends the phrase too: "How many people died", "How many new officers joined the force".
            if word.lower() in _COUNTED_STOP or (words and word.lower().endswith(("ed", "ing"))):
                break
            words.append(word)
        counted = frozenset(terms(" ".join(words)))
        counted |= {alias for group in _SAID_AS if group & counted for alias in group}
        if counted:
            return Measure(COUNTED, counted, " ".join(words))
    return None


def gives_measure(measure: Measure, text: str, question: str) -> bool:
    """Whether ``text`` (a sentence or a passage) holds a figure measuring what ``measure`` asks for, one ``question``
    does not give; what a figure counts is read within its own sentence."""
    asked = question_words(question)
    if measure.kind == MONEY:
        return any(_new(m.group(0), asked) for m in _MONEY.finditer(text))
    if measure.kind == SPAN:
        return any(_new(m.group(0), asked) for m in _SPAN.finditer(text))
    lowered = text.lower()
    # Stemming only changes a word's end: a passage without the counted word's first letters cannot count it.
    if not any(word[:4] in lowered for word in measure.counted):
        return False
    for m in _FIGURE.finditer(text):
        if m.group(0).lower() in {"a", "an", "many", "few", "several"} or not _new(m.group(0), asked):
            continue
        following = []
        rest = text[m.end() : m.end() + 120]
        end = _SENTENCE_END.search(rest)
        for word in _WORD.findall(rest[: end.start()] if end else rest)[:NEAR]:
            if word.lower() in _COUNT_ENDS:
                break
            following.append(word)
        if measure.counted & (set(terms(" ".join(following))) | {w.lower() for w in following}):
            return True
    return False


def _new(found: str, asked: frozenset[str]) -> bool:
    """The figure is not one the question already gives ("How many of the 625 ..." is not answered by 625)."""
    return not any(w.lower() in asked for w in re.findall(r"\d[\d,.]*\d|\d", found))
