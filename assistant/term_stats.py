"""Each document's sentence frequencies of its terms, counted at index time, so that weighing a question's
words against a candidate's document is a lookup, not a pass over the document.

A quote's lexical score (``quoting.lexical_overlap``) weighs each question term by
log(1 + sentences / sentences holding it), over the sentences of the quote's own document. Counting
that needs the whole document segmented and stemmed; done per question it was most of the quote step.
A ``DocumentTerms`` holds the counts, terms keyed by a stable 64-bit hash of the stemmed word (no
vocabulary to keep in step across builds: a collision between two of one document's terms is about
one in 10^15). A ``TermTable`` holds them for the documents of a segment (files backend), row ``i``
being document ``i``; the PostgreSQL backend keeps one row per document (store/pg_sentences.py).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .bm25_terms import stemmer, stopwords
from .segmentation import sentence_spans

_TERM = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern, so a term here is a term to BM25
# They frame a question rather than name its subject, and an answer rarely repeats them.
_QUESTION_WORDS = frozenset("how many much what when where which who whom whose why do does did".split())


def terms(text: str) -> list[str]:
    """Words as BM25 indexes them (lower case, English stop words dropped, Snowball-stemmed), less question words."""
    stop_words, stemmer = _term_tools()
    return stemmer.stemWords([w for w in _TERM.findall(text.lower()) if w not in stop_words])


@lru_cache(maxsize=1)
def _term_tools():  # type: ignore[no-untyped-def]
    return stopwords() | _QUESTION_WORDS, stemmer()


@lru_cache(maxsize=65536)
def term_key(term: str) -> int:
    """A stable 64-bit key of a stemmed term (the same in every process and build)."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


def sentence_keys(sentence: str) -> tuple[int, ...]:
    """A sentence's distinct term keys, sorted: what both a chunk's sentence and its document's counts are made of."""
    return tuple(sorted({term_key(t) for t in terms(sentence)}))


@dataclass(frozen=True)
class QuestionTerms:
    """A question's terms (``terms``) and their keys, made once per search."""

    terms: tuple[str, ...]
    keys: np.ndarray  # uint64, keys[i] is terms[i]'s

    @classmethod
    def of(cls, question: str) -> QuestionTerms:
        found = tuple(terms(question))
        return cls(found, np.fromiter((term_key(t) for t in found), dtype=np.uint64, count=len(found)))


@dataclass(frozen=True)
class DocumentTerms:
    """One document's terms (by key, sorted) and how many of its sentences hold each."""

    sentences: int
    keys: np.ndarray  # uint64, sorted ascending
    counts: np.ndarray  # int32: sentences holding keys[i]

    @classmethod
    def of_text(cls, text: str) -> DocumentTerms:
        return cls.of_sentences([sentence_keys(text[s:e]) for s, e in sentence_spans(text)])

    @classmethod
    def of_sentences(cls, sentences: Sequence[tuple[int, ...]]) -> DocumentTerms:
        """From each of the document's sentences' ``sentence_keys``."""
        df = Counter(k for keys in sentences for k in keys)
        keys = np.fromiter(df, dtype=np.uint64, count=len(df))
        counts = np.fromiter(df.values(), dtype=np.int32, count=len(df))
        order = np.argsort(keys, kind="stable")
        return cls(len(sentences), keys[order], counts[order])

    def weights(self, question: QuestionTerms) -> dict[int, float]:
        """log(1 + sentences / sentences holding the term) of each of the question's terms that the document
        holds, by term key, in the question's order."""
        found: dict[int, float] = {}
        if not len(self.keys) or not len(question.keys):
            return found
        at = np.minimum(np.searchsorted(self.keys, question.keys), len(self.keys) - 1)
        for key, there, count in zip(question.keys.tolist(), self.keys[at].tolist(), self.counts[at].tolist(), strict=True):
            if key == there and key not in found:
                found[key] = math.log1p(self.sentences / count)
        return found


@dataclass(frozen=True)
class TermTable:
    """The ``DocumentTerms`` of a segment's documents, document ``i``'s being entries ``starts[i]:starts[i + 1]``."""

    keys: np.ndarray  # uint64 [entries]
    counts: np.ndarray  # int32 [entries]
    starts: np.ndarray  # int64 [documents + 1]
    sentences: np.ndarray  # int32 [documents]

    def __len__(self) -> int:
        return len(self.sentences)

    def of(self, i: int) -> DocumentTerms:
        begin, end = int(self.starts[i]), int(self.starts[i + 1])
        return DocumentTerms(int(self.sentences[i]), np.asarray(self.keys[begin:end]), np.asarray(self.counts[begin:end]))

    @classmethod
    def of_terms(cls, documents: Sequence[DocumentTerms]) -> TermTable:
        return cls(
            keys=np.concatenate([np.zeros(0, dtype=np.uint64)] + [d.keys for d in documents]).astype(np.uint64),
            counts=np.concatenate([np.zeros(0, dtype=np.int32)] + [d.counts for d in documents]).astype(np.int32),
            starts=np.concatenate([[0], np.cumsum([len(d.keys) for d in documents])]).astype(np.int64),
            sentences=np.asarray([d.sentences for d in documents], dtype=np.int32),
        )

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> TermTable:
        """Counted from the documents' texts: the index-time pass."""
        return cls.of_terms([DocumentTerms.of_text(text) for text in texts])

    def take(self, positions: Sequence[int]) -> TermTable:
        """The table of documents ``positions``, in that order (read into memory)."""
        return TermTable.of_terms([self.of(int(i)) for i in positions])


@dataclass(frozen=True)
class SentenceTerms:
    """The distinct term keys of each of a chunk's sentences, sentence ``j``'s being ``keys[starts[j]:starts[j + 1]]``."""

    keys: np.ndarray  # uint64
    starts: np.ndarray  # int64 [sentences + 1]

    @classmethod
    def of(cls, sentences: Iterable[str]) -> SentenceTerms:
        """Counted from the sentences' texts: the index-time pass."""
        return cls.of_keys([sentence_keys(sentence) for sentence in sentences])

    @classmethod
    def of_keys(cls, per_sentence: Sequence[tuple[int, ...]]) -> SentenceTerms:
        """From each sentence's ``sentence_keys``."""
        keys = np.fromiter((k for found in per_sentence for k in found), dtype=np.uint64)
        return cls(keys, np.concatenate([[0], np.cumsum([len(f) for f in per_sentence])]).astype(np.int64))
