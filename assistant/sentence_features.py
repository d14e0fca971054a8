"""Each sentence's answer-kind evidence and heading flag, found at index time, so a question's quote rules are
array operations over stored rows, not regular expressions over each candidate's sentences.

What ``answer_kind.holds`` reads in a sentence depends on the question only through the words the question
already gives (a name it gives is not an answer to it). So the index stores, per sentence, every answer it
offers (``answer_kind.evidence``: a code for figure, bound figure, date, place or name, and the word keyed by
``term_stats.term_key``), whether it says the answer is not known, and whether it is a heading
(``segmentation.is_heading``); a question then keys its own words once and ``SentenceFeatures.held`` gives
what ``holds`` would, for every sentence of every candidate at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .answer_kind import BOUND_FIGURE, BOUND_SHARE, KIND_CODES, evidence, says_unknown
from .segmentation import is_heading
from .term_stats import term_key

HEADING, UNKNOWN = 1, 2  # bits of ``SentenceFeatures.flags``


@dataclass(frozen=True)
class SentenceFeatures:
    """Sentences' flags (``HEADING``, ``UNKNOWN``) and evidence, sentence ``j``'s being entries
    ``starts[j]:starts[j + 1]`` of ``codes`` (answer_kind's evidence codes) and ``keys`` (their words' keys)."""

    flags: np.ndarray  # uint8 [sentences]
    codes: np.ndarray  # uint8 [entries]
    keys: np.ndarray  # uint64 [entries]
    starts: np.ndarray  # int64 [sentences + 1]

    def __len__(self) -> int:
        return len(self.flags)

    @classmethod
    def of(cls, text: str, spans: Sequence[tuple[int, int]]) -> SentenceFeatures:
        """Found in the sentences ``text[s:e]`` of ``spans`` (offsets into their whole document): the index-time pass."""
        return cls._of([_found(text, s, e) for s, e in spans])

    @classmethod
    def of_chunks(cls, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], documents: Sequence[str]) -> SentenceFeatures:
        """The features of every chunk's sentences in order, chunk ``i``'s ``spans[i]`` being offsets into ``texts[i]``,
        the text of document ``documents[i]``: a sentence that overlapping chunks share is read once."""
        found: dict[tuple[str, int, int], tuple[int, list[tuple[int, int]]]] = {}
        for text, chunk, doc in zip(texts, spans, documents, strict=True):
            for s, e in chunk:
                if (doc, s, e) not in found:
                    found[(doc, s, e)] = _found(text, s, e)
        return cls._of([found[(doc, s, e)] for chunk, doc in zip(spans, documents, strict=True) for s, e in chunk])

    @classmethod
    def _of(cls, sentences: Sequence[tuple[int, list[tuple[int, int]]]]) -> SentenceFeatures:
        return cls(
            flags=np.fromiter((flags for flags, _ in sentences), dtype=np.uint8, count=len(sentences)),
            codes=np.fromiter((code for _, offered in sentences for code, _ in offered), dtype=np.uint8),
            keys=np.fromiter((key for _, offered in sentences for _, key in offered), dtype=np.uint64),
            starts=np.concatenate([[0], np.cumsum([len(offered) for _, offered in sentences])]).astype(np.int64),
        )

    @classmethod
    def concat(cls, parts: Sequence[SentenceFeatures]) -> SentenceFeatures:
        """The sentences of ``parts`` in order, as one run."""
        offsets = np.cumsum([0] + [int(p.starts[-1]) for p in parts])[:-1]
        # Each part's own starts, moved by the entries of the parts before it: one addition for all parts.
        ends = np.concatenate([np.zeros(0, dtype=np.int64)] + [p.starts[1:] for p in parts])
        moved = np.repeat(offsets, [len(p.flags) for p in parts])
        return cls(
            flags=np.concatenate([np.zeros(0, dtype=np.uint8)] + [p.flags for p in parts]),
            codes=np.concatenate([np.zeros(0, dtype=np.uint8)] + [p.codes for p in parts]),
            keys=np.concatenate([np.zeros(0, dtype=np.uint64)] + [p.keys for p in parts]),
            starts=np.concatenate([[0], ends + moved]).astype(np.int64),
        )

    @classmethod
    def picked(cls, sentences: Sequence[tuple[SentenceFeatures, int]]) -> SentenceFeatures:
        """Sentence ``j`` of each ``(features, j)``, in order, as one run."""
        bounds = [(int(f.starts[j]), int(f.starts[j + 1])) for f, j in sentences]
        return cls(
            flags=np.fromiter((f.flags[j] for f, j in sentences), dtype=np.uint8, count=len(sentences)),
            codes=np.concatenate([np.zeros(0, dtype=np.uint8)] + [f.codes[a:b] for (f, _), (a, b) in zip(sentences, bounds, strict=True)]),
            keys=np.concatenate([np.zeros(0, dtype=np.uint64)] + [f.keys[a:b] for (f, _), (a, b) in zip(sentences, bounds, strict=True)]),
            starts=np.concatenate([[0], np.cumsum([b - a for a, b in bounds])]).astype(np.int64),
        )

    @property
    def headings(self) -> np.ndarray:
        return (self.flags & HEADING).astype(bool)

    def held(self, kind: str | None, asked: np.ndarray) -> np.ndarray:
        """For each sentence, ``answer_kind.holds(kind, sentence, question)`` (float32), ``asked`` being the keys of
        the question's words (``asked_keys``)."""
        held = np.zeros(len(self.flags), dtype=np.float32)
        if kind is None or not len(self.codes):
            return held
        new = ~among(self.keys, asked)
        sentence = np.repeat(np.arange(len(self.flags)), np.diff(self.starts))
        for code in KIND_CODES[kind]:
            offered = np.bincount(sentence[new & (self.codes == code)], minlength=len(held)) > 0
            share = BOUND_SHARE if code == BOUND_FIGURE else 1.0
            held = np.where(offered & (held < share), np.float32(share), held)  # an exact figure outranks a bound
        held[(self.flags & UNKNOWN).astype(bool)] = 0.0
        return held


def _found(text: str, start: int, end: int) -> tuple[int, list[tuple[int, int]]]:
    """Sentence ``text[start:end]``'s flags and its evidence as (code, word key), one entry per (code, word)."""
    sentence = text[start:end]
    flags = HEADING * is_heading(text, start, end) | UNKNOWN * says_unknown(sentence)
    return flags, [(code, term_key(word)) for code, word in dict.fromkeys(evidence(sentence))]


def among(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.isin(values, keys)`` for the handful of keys a question has: a comparison per key, where np.isin would
    sort or hash the hundreds or thousands of ``values`` (most of its cost in a search's quote step)."""
    return np.logical_or.reduce([values == key for key in keys], initial=False) if len(keys) else np.zeros(len(values), dtype=bool)


def asked_keys(words: frozenset[str]) -> np.ndarray:
    """The keys of a question's words (``answer_kind.question_words``), to match against stored evidence."""
    return np.fromiter((term_key(w) for w in words), dtype=np.uint64, count=len(words))

