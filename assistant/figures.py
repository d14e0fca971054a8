"""Figures side by side: the numbers, amounts, percentages and dates that a result's quotes state.

Rule-based and deterministic. Each figure keeps its noun ("625 allegations", "119 upheld",
"63.9% of 999 calls") and links to every span that states it, so a writer sees where sources agree
("625" in four sources) and where they differ ("more than 600" in three).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .types import Figure, FigureSpan, Passage, Quote, SourceRef

_MONTHS = "January February March April May June July August September October November December".split()
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
    if i >= 2  # "one" is far more often a pronoun than a figure
} | {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000, "dozen": 12}
# Bounds a writer may put before a figure, and the one form each is shown in so "over 600" and
# "more than 600" are the same claim.
_QUALIFIERS = {
    "more than": "more than", "over": "more than", "above": "more than", "at least": "at least",
    "about": "about", "around": "about", "approximately": "about", "roughly": "about", "some": "about",
    "nearly": "nearly", "almost": "nearly", "less than": "less than", "fewer than": "less than",
    "under": "less than", "up to": "up to",
}  # fmt: skip
# Words that end a noun phrase after a figure: prepositions, determiners, auxiliaries, common verbs.
_STOP = frozenset(
    "of to in on at for from by with within against about as than that which who whom whose the a an "
    "were was is are be been being has have had will would could should may might can do does did "
    "it its their his her this these those or but not no including between into over after before since "
    "during out per each while when where said says say told led made took got saw went found gave came "
    "became now also just only all both".split()
)
_AUXILIARY = re.compile(r"\s+(?:were|was|are|is|have been|had been|has been)\s+([a-z]+)\b")
_WORD = re.compile(r"\s+([a-z][a-z'’-]*)")
_PHONE_NUMBERS = frozenset({"999", "101", "111", "112", "911"})

_QUALIFIER = r"(?:(?P<qual>" + "|".join(sorted(_QUALIFIERS, key=len, reverse=True)) + r")\s+)?"
_NUMERAL = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_WORDNUM = r"(?P<word>" + "|".join(_NUMBER_WORDS) + r")"
_FIGURE = re.compile(
    r"(?<![\w£$€.,-])"
    + r"(?:"
    + r"(?P<date>(?:(?P<day>\d{1,2})\s+)?(?P<month>" + "|".join(_MONTHS) + r")(?:\s+(?P<year>(?:19|20)\d\d))?)"
    + r"|(?P<age>\d{1,3})-year-old"
    + r"|" + _QUALIFIER + r"(?P<cur>[£$€])?(?:" + _NUMERAL + r"|" + _WORDNUM + r")"
    + r"(?P<mult>\s?(?:million|billion|bn|m)\b)?(?P<pct>%|\s(?:per\s?cent|percent)\b)?"
    + r")"
    + r"(?![\w-])",
    re.IGNORECASE,
)
_MULTIPLIERS = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}


@dataclass(frozen=True)
class _Stated:
    key: tuple[str, str | None, float | int | str]
    value: float | int | str
    noun: str
    kind: str
    qualifier: str | None
    shown: str  # the figure without its noun, as displayed: "more than 600", "63.9%"
    start: int
    end: int


def extract_figures(passages: Sequence[Passage]) -> list[Figure]:
    """Figures stated in the passages' quotes (and their "also in" copies), in order of first mention.

    Figures with the same kind, qualifier and value are one row whatever their noun, because in one
    result set they are the same fact in different words ("625 allegations", "625 complaints"); a
    number stated without a noun ("has climbed to 625.") joins the row that names it.
    """
    groups: dict[tuple[str, str | None, float | int | str], list[tuple[SourceRef, _Stated]]] = {}
    seen: set[tuple[str, int, int]] = set()
    for source, quote in _quotes(passages):
        for stated in figures_in(quote.text, quote.start):
            if (source.id, stated.start, stated.end) in seen:
                continue  # the same words, reached through an overlapping quote
            seen.add((source.id, stated.start, stated.end))
            groups.setdefault(stated.key, []).append((source, stated))
    quotes = {(s.id, q.start): q for s, q in _quotes(passages)}
    figures = []
    for members in groups.values():
        first = members[0][1]
        nouns = Counter(s.noun for _, s in members if s.noun)
        if not nouns and first.kind == "count":
            continue  # a bare number nothing names ("Bibaa Henry, 46,"; "63 led to...")
        noun = nouns.most_common(1)[0][0] if nouns else ""
        sources = tuple(dict.fromkeys(src for src, _ in members))
        spans = tuple(
            FigureSpan(src.id, s.start, s.end, _text_at(quotes, src.id, s.start, s.end)) for src, s in members
        )
        figures.append(
            Figure(f"{first.shown} {noun}".strip(), first.value, noun, first.kind, first.qualifier, sources, spans)
        )
    return figures


def figures_in(text: str, offset: int = 0) -> list[_Stated]:
    """The figures stated in ``text``, with spans shifted by ``offset``."""
    found: list[_Stated] = []
    for m in _FIGURE.finditer(text):
        if found and m.start() < found[-1].end - offset:
            continue  # inside the previous figure's noun ("63.9% of 999 calls")
        stated = _read(text, m, offset)
        if stated is not None:
            found.append(stated)
    return list(_borrow_range_nouns(text, found, offset))


def _read(text: str, m: re.Match[str], offset: int) -> _Stated | None:
    if m.group("date"):
        return _date(m, offset)
    if m.group("age"):
        age = int(m.group("age"))
        return _Stated(("age", None, age), age, "years old", "age", None, m.group(), m.start() + offset, m.end() + offset)
    raw = m.group("num") or m.group("word")
    before = text[: m.start()].rstrip().lower()
    if m.group("num") and (before.endswith("number") or (raw in _PHONE_NUMBERS and re.match(r"\s+calls?\b", text[m.end() :]))):
        return None  # a telephone number, not a quantity
    value: float | int = _NUMBER_WORDS[raw.lower()] if m.group("word") else _number(raw)
    if m.group("num") and not m.group("cur") and not m.group("pct") and 1900 <= value <= 2099 and "," not in raw:
        year = str(int(value))
        return _Stated(("date", None, year), year, "", "date", None, m.group(), m.start() + offset, m.end() + offset)
    if m.group("mult"):
        value *= _MULTIPLIERS[m.group("mult").strip().lower()]
    kind = "percent" if m.group("pct") else "money" if m.group("cur") else "count"
    qualifier = _QUALIFIERS[m.group("qual").lower()] if m.group("qual") else None
    if m.group("qual") and m.group("qual").lower() == "over" and re.search(r"\w+ed\s*$", text[: m.start()]):
        qualifier = None  # "disciplined over 119 claims": about them, not more than them
    noun, end = _noun(text, m.end(), kind)
    core = m.start("cur") if m.group("cur") else m.start("num") if m.group("num") else m.start("word")
    shown = text[core : m.end()]
    shown = f"{qualifier} {shown}" if qualifier else shown
    value = int(value) if float(value).is_integer() else value
    return _Stated((kind, qualifier, value), value, noun, kind, qualifier, shown, m.start() + offset, end + offset)


def _noun(text: str, at: int, kind: str) -> tuple[str, int]:
    """The noun a figure counts and where its phrase ends: the head (last word) of the words that follow.

    "625 misconduct allegations" -> allegations; "119 were upheld" -> upheld; "63.9% of 999 calls" -> of 999 calls.
    """
    if kind == "percent":
        of = re.compile(r"\s+of(?:\s+the)?(?:\s+(\d[\d,.]*))?").match(text, at)
        if of:
            head, end = _noun(text, of.end(), "count")
            if head:
                return " ".join(filter(None, ("of", of.group(1), head))), end
        return "", at
    auxiliary = _AUXILIARY.match(text, at)
    if auxiliary and auxiliary.group(1) not in _STOP:
        return auxiliary.group(1), auxiliary.end()
    words: list[tuple[str, int]] = []
    pos = at
    while len(words) < 5:
        w = _WORD.match(text, pos)
        if w is None or (w.group(1) in _STOP and w.group(1) != "and") or (words and w.group(1).endswith("ing")):
            break  # a participle after the noun starts a new clause: "three watchdogs ruling that..."
        words.append((w.group(1), w.end()))
        pos = w.end()
    while words and words[-1][0] == "and":
        words.pop()
    if not words:
        return "", at
    return words[-1][0].rstrip("’'"), words[-1][1]


def _date(m: re.Match[str], offset: int) -> _Stated | None:
    month = _MONTHS.index(m.group("month").capitalize()) + 1
    day, year = m.group("day"), m.group("year")
    if m.group("month")[0].islower() or (month == 5 and not (day or year)):
        return None  # "march" the verb; "May" the modal
    value = f"{year}-{month:02d}" if year else f"--{month:02d}"
    if day:
        value += f"-{int(day):02d}"
    return _Stated(("date", None, value), value, "", "date", None, m.group(), m.start() + offset, m.end() + offset)


def _borrow_range_nouns(text: str, found: list[_Stated], offset: int) -> Iterator[_Stated]:
    """"12 to 18 months", "five or six years": the first figure counts the second one's noun."""
    for stated, following in itertools.zip_longest(found, found[1:]):
        if (
            following is not None
            and not stated.noun
            and stated.kind == following.kind == "count"
            and re.fullmatch(r"\s*(?:to|or|-|–)\s*", text[stated.end - offset : following.start - offset])
        ):
            yield _Stated(stated.key, stated.value, following.noun, stated.kind, stated.qualifier, stated.shown, stated.start, stated.end)
        else:
            yield stated


def _quotes(passages: Sequence[Passage]) -> Iterator[tuple[SourceRef, Quote]]:
    for passage in passages:
        yield passage.source, passage.quote
        for occurrence in passage.also_in:
            yield occurrence.source, occurrence.quote


def _text_at(quotes: dict[tuple[str, int], Quote], source_id: str, start: int, end: int) -> str:
    for (sid, q_start), quote in quotes.items():
        if sid == source_id and q_start <= start and end <= quote.end:
            return quote.text[start - q_start : end - q_start]
    raise AssertionError(f"figure span {source_id}:{start}-{end} lies in no quote")  # unreachable: spans come from quotes


def _number(raw: str) -> float:
    return float(raw.replace(",", ""))
