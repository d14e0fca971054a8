"""Pick the quote: the sentence(s) of a passage that best answer the question, verbatim."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .segmentation import sentence_spans
from .types import Document, Quote

# Questions that ask for a quantity or a date are answered by sentences that state one.
_ASKS_FOR_FIGURE = re.compile(
    r"\b(how (many|much|long|old|often)|what (number|percentage|proportion|share|year|date)|when)\b", re.IGNORECASE
)
_HAS_FIGURE = re.compile(r"\d")
FIGURE_BONUS = 0.1


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
    doc: Document, spans: Sequence[tuple[int, int]], similarities: np.ndarray, query: str
) -> tuple[Quote, float]:
    """The best-scoring sentence, joined to the next when it only introduces it (ends with a colon)."""
    scores = np.asarray(similarities, dtype=np.float32).copy()
    if _ASKS_FOR_FIGURE.search(query):
        scores += np.array([FIGURE_BONUS if _HAS_FIGURE.search(doc.text[s:e]) else 0.0 for s, e in spans])
    best = int(np.argmax(scores))
    start, end = spans[best]
    if doc.text[start:end].rstrip().endswith(":") and best + 1 < len(spans):
        end = spans[best + 1][1]
    return Quote(doc.text[start:end], start, end), float(similarities[best])
