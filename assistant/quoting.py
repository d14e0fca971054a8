"""Pick the quote: the sentence(s) of a passage that best answer the question, verbatim."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .config import BM25_PARAMS
from .segmentation import sentence_spans
from .types import Document, Quote

# Questions that ask for a quantity or a date are answered by sentences that state one.
_ASKS_FOR_FIGURE = re.compile(
    r"\b(how (many|much|long|old|often)|what (number|percentage|proportion|share|year|date)|when)\b", re.IGNORECASE
)
_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")  # a whole number: "1,000" is one figure, not four
# A figure given as a bound ("more than 600", a headline's rounding) answers "how many" less exactly than
# the count itself ("625"), which the articles state further down.
_BOUND_BEFORE = re.compile(
    r"\b(more than|fewer than|less than|over|under|almost|nearly|about|around|some|approximately|roughly|up to|"
    r"at least)\s+$",
    re.IGNORECASE,
)
FIGURE_BONUS = 0.1
# Share of the question's rare words a sentence carries, added to its cosine: the embedding of a short
# question can sit closer to a sentence on the same subject than to the one that states the answer.
LEXICAL_WEIGHT = 0.2  # measured in eval/report.md, "Quote choice"
_TERM = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern, so a term here is a term to BM25
# They frame a question rather than name its subject, and an answer rarely repeats them.
_QUESTION_WORDS = frozenset("how many much what when where which who whom whose why do does did".split())


def sentences_in(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``doc.text[start:end]``; a sentence cut by the window is clipped to it.

    Chunk edges fall between sentences or, for an over-long sentence, between words, so clipping
    never cuts a word.
    """
    spans = []
    for s, e in sentence_spans(doc.text[start:end]):
        spans.append((start + s, start + e))
    return spans


def choose_quote(
    doc: Document,
    spans: Sequence[tuple[int, int]],
    similarities: np.ndarray,
    query: str,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> tuple[Quote, float]:
    """The best-scoring sentence, joined to the next when it only introduces it (ends with a colon).

    A sentence scores its cosine to the question, plus ``lexical_weight`` times its lexical overlap
    (see ``lexical_overlap``), plus ``FIGURE_BONUS`` when the question asks for a figure and it states
    one (see ``states_figure``).
    The similarity returned is the chosen sentence's cosine.
    """
    scores = np.asarray(similarities, dtype=np.float32).copy()
    if lexical_weight:
        scores += lexical_weight * lexical_overlap(doc.text, spans, query)
    if _ASKS_FOR_FIGURE.search(query):
        scores += np.array([FIGURE_BONUS if states_figure(doc.text[s:e]) else 0.0 for s, e in spans])
    best = int(np.argmax(scores))
    start, end = spans[best]
    if doc.text[start:end].rstrip().endswith(":") and best + 1 < len(spans):
        end = spans[best + 1][1]
    return Quote(doc.text[start:end], start, end), float(similarities[best])


def states_figure(text: str) -> bool:
    """True when ``text`` holds a number that is not given as a bound ("625" yes, "more than 600" no)."""
    return any(not _BOUND_BEFORE.search(text[max(0, m.start() - 20) : m.start()]) for m in _FIGURE.finditer(text))


def lexical_overlap(text: str, spans: Sequence[tuple[int, int]], query: str) -> np.ndarray:
    """For each span, the IDF-weighted share of the question's terms (see ``terms``) it contains.

    IDF is over the sentences of ``text``, the quote's own document: a word the document repeats in
    every sentence (its subject) tells its sentences apart less than one it uses once. The share is of
    the question's terms that occur in the document, so the best possible sentence scores 1.
    """
    idf = _sentence_idf(text)
    wanted = {t: idf[t] for t in terms(query) if t in idf}
    total = sum(wanted.values())
    if not total:
        return np.zeros(len(spans), dtype=np.float32)
    return np.array(
        [sum(wanted.get(t, 0.0) for t in set(terms(text[s:e]))) / total for s, e in spans], dtype=np.float32
    )


def terms(text: str) -> list[str]:
    """Words as BM25 indexes them (lower case, English stop words dropped, Snowball-stemmed), less question words."""
    stop_words, stemmer = _term_tools()
    return stemmer.stemWords([w for w in _TERM.findall(text.lower()) if w not in stop_words])


@lru_cache(maxsize=256)
def _sentence_idf(text: str) -> dict[str, float]:
    """log(1 + sentences / sentences containing the term), for every term of ``text``; cached per document."""
    spans = sentence_spans(text)
    df = Counter(t for s, e in spans for t in set(terms(text[s:e])))
    return {t: math.log1p(len(spans) / n) for t, n in df.items()}


@lru_cache(maxsize=1)
def _term_tools():  # type: ignore[no-untyped-def]
    # Imported here: bm25s pulls in scipy and numba, which importing the package must not load.
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | _QUESTION_WORDS, Stemmer.Stemmer(str(BM25_PARAMS["stemmer"]))
