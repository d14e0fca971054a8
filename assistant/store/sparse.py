"""BM25 over chunk texts, scored at query time from stored term counts, so an edit re-tokenises only its document.

Each segment of a snapshot keeps its chunks' term counts as postings (``SparseIndex``: per term, the
chunks holding it and how often; per chunk, its length). ``Bm25`` scores a query over the live chunks
of all segments exactly as bm25s' "lucene" variant and the PostgreSQL backend do:

    score(chunk) = sum over query terms t of  idf(t) * tf / (tf + k1 * (1 - b + b * length / avg_length))
    idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

with N, df and the average length counted over the live chunks at query time, so adding or removing a
document changes them without rewriting anything (a query term repeated counts again, as in bm25s).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..bm25_terms import stemmer, stopwords
from ..config import BM25_PARAMS
from .dense import top_k

_ARRAYS = ("indptr", "rows", "tf", "lengths")
BUILD_BATCH = 8192  # chunks tokenised at a time


# bm25s's tokenizer (scikit-learn's token pattern, stop words dropped before stemming), reproduced so
# that tokenising a question does not import bm25s (scipy, numba: seconds of a cold ``ask``);
# tests/test_sparse.py checks both give the same terms.
_WORD = re.compile(r"(?u)\b\w\w+\b")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's BM25 terms: its words lower-cased, English stop words dropped, stemmed.

    The one tokenizer of every backend: the PostgreSQL store indexes and queries these same terms, so
    both rank alike.
    """
    stop = stopwords()
    words = [[w for w in _WORD.findall(text.lower()) if w not in stop] for text in texts]
    unique = list(dict.fromkeys(w for text in words for w in text))
    stems = dict(zip(unique, stemmer().stemWords(unique), strict=True))
    return [[stems[w] for w in text] for text in words]


def token_ids(texts: Sequence[str], vocab: dict[str, int]) -> list[list[int]]:
    """The same terms as ``tokenize``, as ids into ``vocab`` (a new term gets the next id)."""
    return [[vocab.setdefault(term, len(vocab)) for term in terms] for terms in tokenize(texts)]


class SparseIndex:
    """One segment's term counts: for term i, ``rows[indptr[i]:indptr[i+1]]`` hold it ``tf[...]`` times."""

    def __init__(self, terms: list[str], indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray, lengths: np.ndarray) -> None:
        self.terms = terms
        self.term_ids = {term: i for i, term in enumerate(terms)}
        # Plain views of the (memory-mapped) arrays: a memmap's slicing costs microseconds a query term.
        self.indptr, self.rows, self.tf, self.lengths = (np.asarray(a) for a in (indptr, rows, tf, lengths))

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, texts: Sequence[str]) -> SparseIndex:
        """Tokenise ``texts`` (row i is text i) and count their terms, a batch of texts at a time: the whole
        corpus's tokens as Python lists, and arrays per token, were a large build's biggest transient."""
        vocab: dict[str, int] = {}
        n_rows = max(len(texts), 1)
        terms, rows, counts, lengths = [], [], [], []
        for first in range(0, len(texts), BUILD_BATCH):
            ids = token_ids(texts[first : first + BUILD_BATCH], vocab)
            length = np.fromiter((len(t) for t in ids), dtype=np.int64, count=len(ids))
            flat = np.fromiter((i for t in ids for i in t), dtype=np.int64, count=int(length.sum()))
            keys, repeats = np.unique(flat * n_rows + np.repeat(np.arange(first, first + len(ids)), length), return_counts=True)
            terms.append((keys // n_rows).astype(np.int32))
            rows.append((keys % n_rows).astype(np.int32))
            counts.append(repeats.astype(np.int32))
            lengths.append(length.astype(np.int32))
        term = np.concatenate([np.zeros(0, dtype=np.int32), *terms])
        # Each batch's pairs are sorted by term then row, and later batches hold later rows: a stable sort by
        # term gives the postings in (term, row) order, as _from_pairs would, without its sorts over every pair.
        order = np.argsort(term, kind="stable")
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term, minlength=len(vocab)), out=indptr[1:])
        del term, terms
        empty = np.zeros(0, dtype=np.int32)
        return cls(
            sorted(vocab, key=vocab.__getitem__), indptr, np.concatenate([empty, *rows])[order],
            np.concatenate([empty, *counts])[order], np.concatenate([empty, *lengths]),
        )  # fmt: skip

    @classmethod
    def _from_pairs(cls, terms: list[str], term: np.ndarray, row: np.ndarray, tf: np.ndarray, lengths: np.ndarray) -> SparseIndex:
        """Postings from (term id, row, count) triples; repeated pairs are summed, unused terms dropped."""
        n_rows = max(len(lengths), 1)
        keys, where = np.unique(term * n_rows + row, return_inverse=True)
        counts = np.bincount(where, weights=tf, minlength=len(keys)).astype(np.int32)
        term_of, row_of = keys // n_rows, keys % n_rows
        used, term_of = np.unique(term_of, return_inverse=True)
        indptr = np.zeros(len(used) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_of, minlength=len(used)), out=indptr[1:])
        return cls([terms[i] for i in used], indptr, row_of.astype(np.int32), counts, lengths.astype(np.int32))

    def subset(self, keep: np.ndarray) -> SparseIndex:
        """The counts of rows ``keep`` (sorted), renumbered from 0: merging segments needs no tokenizer."""
        new_row = np.full(len(self), -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        term = np.repeat(np.arange(len(self.terms), dtype=np.int64), np.diff(self.indptr))
        mapped = new_row[self.rows]
        kept = mapped >= 0
        return SparseIndex._from_pairs(self.terms, term[kept], mapped[kept], self.tf[kept], self.lengths[keep])

    @staticmethod
    def concat(parts: Sequence[SparseIndex]) -> SparseIndex:
        """One segment of ``parts`` in order (rows renumbered after each other)."""
        vocab: dict[str, int] = {}
        terms, rows, tfs = [], [], []
        offset = 0
        for part in parts:
            ids = np.asarray([vocab.setdefault(t, len(vocab)) for t in part.terms], dtype=np.int64)
            terms.append(np.repeat(ids, np.diff(part.indptr)))
            rows.append(np.asarray(part.rows, dtype=np.int64) + offset)
            tfs.append(np.asarray(part.tf, dtype=np.int64))
            offset += len(part)
        lengths = np.concatenate([np.asarray(p.lengths) for p in parts]) if parts else np.zeros(0, np.int32)
        empty = np.zeros(0, dtype=np.int64)
        return SparseIndex._from_pairs(
            sorted(vocab, key=vocab.__getitem__),
            np.concatenate(terms) if terms else empty,
            np.concatenate(rows) if rows else empty,
            np.concatenate(tfs) if tfs else empty,
            lengths,
        )

    @classmethod
    def load(cls, folder: Path) -> SparseIndex:
        terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        if not isinstance(terms, list):
            raise ValueError("terms.json is not a list of terms")
        arrays = [np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS]
        if len(arrays[0]) != len(terms) + 1 or len(arrays[1]) != len(arrays[2]):
            raise ValueError("the term counts do not fit their vocabulary")
        return cls(terms, *arrays)

    def save(self, folder: Path) -> None:
        """Plain arrays and a JSON vocabulary, fsynced (no pickle)."""
        from .jsonl import fsync

        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "terms.json", "w", encoding="utf-8") as handle:
            json.dump(self.terms, handle, ensure_ascii=False)
            fsync(handle)
        for name in _ARRAYS:
            with open(folder / f"{name}.npy", "wb") as handle:
                np.save(handle, np.ascontiguousarray(getattr(self, name)), allow_pickle=False)
                fsync(handle)


class Bm25:
    """BM25 over the live rows of several segments: ``live[s][local row]`` is the row searches see, or -1.

    Each posting's length-normalised term frequency, ``tf / (tf + k1 * (1 - b + b * length / avg_length))``,
    depends on this version's average length only: it is computed for a term's postings the first time
    a query holds the term, and kept for this version (dead rows get 0), so a term costs one pass over
    its postings, as in bm25s, and a new version (an edit) is searchable at once, without a pass over
    every posting of the corpus first.
    """

    def __init__(self, segments: Sequence[SparseIndex], live: Sequence[np.ndarray]) -> None:
        self._segments = list(segments)
        self._live = list(live)
        self._starts = np.cumsum([0] + [len(m) for m in live]).tolist()  # each segment's first row, dead ones counted
        self.rows = int(sum(int((m >= 0).sum()) for m in live))
        total = sum(float(np.asarray(seg.lengths, dtype=np.float64)[m >= 0].sum()) for seg, m in zip(segments, live, strict=True))
        self._average = total / self.rows if self.rows else 0.0
        self._terms: dict[tuple[int, int], tuple[np.ndarray, int]] = {}  # (segment, term id) -> (tf part, live df)
        self._row_of: np.ndarray | None = None  # each segment's rows, one after another -> the snapshot's row

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        if self._average <= 0:  # no chunk holds a searchable word
            return []
        scores = np.zeros(self._starts[-1], dtype=np.float64)  # over every row of every segment, dead ones too
        for term, repeats in Counter(tokenize([query])[0]).items():
            found = [(s, i) for s, segment in enumerate(self._segments) if (i := segment.term_ids.get(term)) is not None]
            parts = [self._term(s, i) for s, i in found]
            df = sum(part_df for _, part_df in parts)
            if not df:  # a stop word, or a word no live chunk holds
                continue
            weight = repeats * np.log(1 + (self.rows - df + 0.5) / (df + 0.5))
            for (s, i), (part, _) in zip(found, parts, strict=True):
                lo, hi = self._segments[s].indptr[i], self._segments[s].indptr[i + 1]
                scores[self._segments[s].rows[lo:hi] + self._starts[s]] += weight * part
        hit = np.flatnonzero(scores)  # zero: no query term matched, or a dead row
        if self._row_of is None:
            self._row_of = np.concatenate(self._live) if self._live else np.zeros(0, dtype=np.int64)
        rows = self._row_of[hit]
        if allowed is not None:
            keep = np.isin(rows, allowed)
            hit, rows = hit[keep], rows[keep]
        return [(int(rows[i]), score) for i, score in top_k(scores[hit], k)]

    def _term(self, s: int, i: int) -> tuple[np.ndarray, int]:
        """Term ``i`` of segment ``s``: its postings' length-normalised tf (0 on dead rows) and its live df."""
        cached = self._terms.get((s, i))
        if cached is None:
            k1, b = float(BM25_PARAMS["k1"]), float(BM25_PARAMS["b"])  # type: ignore[arg-type]
            segment = self._segments[s]
            rows = segment.rows[segment.indptr[i] : segment.indptr[i + 1]]
            tf = np.asarray(segment.tf[segment.indptr[i] : segment.indptr[i + 1]], dtype=np.float64)
            norm = k1 * (1 - b + b * np.asarray(segment.lengths[rows], dtype=np.float64) / self._average)
            alive = self._live[s][rows] >= 0
            # float32, as every version computes it alike: a fresh and an incremental build score identically.
            cached = self._terms[(s, i)] = (np.where(alive, tf / (tf + norm), 0.0).astype(np.float32), int(alive.sum()))
        return cached
