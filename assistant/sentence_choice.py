"""The quote's sentence chosen by a learned linear score over what the search already knows of each sentence.

The hand-set rule (``quoting``: cosine + 0.4 x the share of the question's rare words + 0.1 x the kind of answer
asked for) weighs three signals; four rounds of hand tuning plateaued (eval/quote-study.md). ``features`` gives
every candidate sentence a row of the signals below, from the stored sentence vectors, term counts and answer-kind
evidence (no model call); ``score`` weighs them by coefficients fitted on SQuAD's tuning half
(``assistant/evaluation/sentence_training.py``, shipped in ``sentence_weights.py``). A linear score, so each
weight says what a signal is worth. ``SearchSettings.quote_choice`` chooses it or the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .sentence_weights import WEIGHTS
from .store.sentences import ChunkSentences
from .term_stats import terms
from .types import Document

FEATURES = (
    "cosine",  # the stored sentence vector's cosine to the question
    "word_share",  # IDF-weighted share of the question's terms (quoting.lexical_overlap)
    "rarest",  # holds the question's rarest term its document holds
    "kind",  # holds the kind of answer asked for (answer_kind.holds)
    "bigram",  # share of the question's adjacent term pairs that stand adjacent in the sentence
    "length",  # log(1 + characters / 100)
    "opens_paragraph",  # the first sentence of its paragraph
    "before_word_share",  # the sentence before's word share, cosine and kind (0 at the passage's start): the
    "before_cosine",  # answer often follows the sentence that repeats the question's words
    "before_kind",
    "after_word_share",  # the same of the sentence after (0 at the passage's end)
    "after_cosine",
    "after_kind",
)


class Evidence(NamedTuple):
    """What the quote choice knows of each candidate sentence of a search's passages, in order; passage ``i``'s
    sentences are ``bounds[i]:bounds[i + 1]``."""

    cosines: np.ndarray
    word_share: np.ndarray
    rarest: np.ndarray
    held: np.ndarray
    headings: np.ndarray  # never quoted over a body sentence (the choice sets their score to -inf)
    similarities: np.ndarray  # the cosines as given (``cosines`` is their float32 copy): what a quote reports
    bounds: list[int]

    def parts(self) -> list[Evidence]:
        """Each passage's own evidence; ``joined`` puts any of them back together."""
        arrays = self[:-1]
        return [
            Evidence(*(a[start:end] for a in arrays), [0, end - start])
            for start, end in zip(self.bounds[:-1], self.bounds[1:], strict=True)
        ]

    @staticmethod
    def joined(parts: Sequence[Evidence]) -> Evidence:
        arrays = [np.concatenate([part[i] for part in parts]) for i in range(len(Evidence._fields) - 1)]
        return Evidence(*arrays, np.concatenate([[0], np.cumsum([p.bounds[-1] for p in parts])]).astype(int).tolist())


def features(docs: Sequence[Document], sentences: Sequence[ChunkSentences], evidence: Evidence, question: str) -> np.ndarray:
    """One row of ``FEATURES`` (float64) per candidate sentence: the one function the search scores with and the
    training reads."""
    spans = [span for chunk in sentences for span in chunk.spans]
    texts = [doc.text for doc, chunk in zip(docs, sentences, strict=True) for _ in chunk.spans]
    pairs = _pairs(tuple(terms(question)))
    starts = np.asarray(evidence.bounds[:-1])
    first = np.zeros(len(spans), dtype=bool)
    first[starts[np.diff(evidence.bounds) > 0]] = True
    last = np.roll(first, -1)
    last[-1:] = True
    own = np.column_stack([evidence.word_share, evidence.cosines, evidence.held]).astype(np.float64)
    before = np.where(first[:, None], 0.0, np.roll(own, 1, axis=0))
    after = np.where(last[:, None], 0.0, np.roll(own, -1, axis=0))
    return np.column_stack(
        [
            evidence.cosines,
            evidence.word_share,
            evidence.rarest,
            evidence.held,
            [_bigram_share(pairs, text[s:e]) for text, (s, e) in zip(texts, spans, strict=True)],
            [np.log1p((e - s) / 100) for s, e in spans],
            [_opens_paragraph(text, s) for text, (s, _) in zip(texts, spans, strict=True)],
            before,
            after,
        ]
    ).astype(np.float64)


def score(rows: np.ndarray) -> np.ndarray:
    """The learned score of each row of ``features``."""
    return rows @ _weights()


@lru_cache(maxsize=1)
def _weights() -> np.ndarray:
    if set(WEIGHTS) != set(FEATURES):
        raise ValueError(
            "assistant/sentence_weights.py does not match sentence_choice.FEATURES: regenerate it with "
            "python -m assistant.evaluation.sentence_training"
        )
    return np.array([WEIGHTS[name] for name in FEATURES], dtype=np.float64)


def _opens_paragraph(text: str, start: int) -> bool:
    """Only spaces stand between the line's start and ``start`` (read backwards: a document can be megabytes long)."""
    at = start
    while at > 0 and text[at - 1] in " \t":
        at -= 1
    return at == 0 or text[at - 1] == "\n"


def _pairs(question_terms: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    return frozenset(zip(question_terms, question_terms[1:]))


def _bigram_share(pairs: frozenset[tuple[str, str]], sentence: str) -> float:
    if not pairs:
        return 0.0
    return len(pairs & _pairs(_terms(sentence))) / len(pairs)


@lru_cache(maxsize=4096)
def _terms(sentence: str) -> tuple[str, ...]:
    return tuple(terms(sentence))
