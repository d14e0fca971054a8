"""Each chunk's sentences (spans and vectors), made at index time: what a quote is chosen from.

A ``SentenceTable`` holds them for every chunk of an index version, chunk ``i``'s being rows
``starts[i]:starts[i + 1]``; spans are character offsets into the chunk's document text, the
truth for citations. Vectors are stored in half precision: they only rank a chunk's few sentences
against the question, where 1e-3 of cosine decides nothing, and they outnumber the chunk vectors
about five to one.

The files backend keeps a table per segment (store/segments.py) as three arrays beside its
``vectors.npy``, memory-mapped when opened (``write_table`` / ``read_table``), and beside them the
segment's documents' term counts (``term_stats.TermTable``: ``write_terms`` / ``read_terms``), which
weigh a question's words for the quote without reading a document through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..sentence_features import SentenceFeatures
from ..term_stats import SentenceTerms, TermTable
from .spool import save

STORED = np.float16
FILES = {
    "spans": "sentence_spans.npy", "vectors": "sentence_vectors.npy", "starts": "sentence_starts.npy",
    "term_keys": "sentence_term_keys.npy", "term_starts": "sentence_term_starts.npy",
    "flags": "sentence_flags.npy", "evidence_codes": "sentence_evidence_codes.npy",
    "evidence_keys": "sentence_evidence_keys.npy", "evidence_starts": "sentence_evidence_starts.npy",
}  # fmt: skip
# Each document's sentence frequencies of its terms (term_stats.TermTable), row i <-> line i of documents.jsonl.
TERM_FILES = {"keys": "term_keys.npy", "counts": "term_counts.npy", "starts": "term_starts.npy", "sentences": "term_sentences.npy"}


@dataclass(frozen=True)
class ChunkSentences:
    """One chunk's sentences: spans into its document's text, in order, their unit vectors (float32 rows),
    their terms (what a question's words are matched against) and their answer-kind evidence and flags."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    terms: SentenceTerms
    features: SentenceFeatures


@dataclass(frozen=True)
class SentenceTable:
    """Every chunk's sentences, chunk ``i``'s being rows ``starts[i]:starts[i + 1]``; sentence ``j``'s term keys
    are ``term_keys[term_starts[j]:term_starts[j + 1]]``, its evidence (sentence_features.py) entries
    ``evidence_starts[j]:evidence_starts[j + 1]`` of ``evidence_codes`` and ``evidence_keys``."""

    spans: np.ndarray  # int64 [sentences, 2]: start, end in the chunk's document
    vectors: np.ndarray  # float16 [sentences, dim]
    starts: np.ndarray  # int64 [chunks + 1]
    term_keys: np.ndarray  # uint64 [terms]: each sentence's distinct terms (term_stats.term_key), sorted
    term_starts: np.ndarray  # int64 [sentences + 1]
    flags: np.ndarray  # uint8 [sentences]: sentence_features.HEADING, UNKNOWN
    evidence_codes: np.ndarray  # uint8 [entries]
    evidence_keys: np.ndarray  # uint64 [entries]
    evidence_starts: np.ndarray  # int64 [sentences + 1]

    def __len__(self) -> int:
        return len(self.starts) - 1

    def of(self, i: int) -> ChunkSentences:
        begin, end = int(self.starts[i]), int(self.starts[i + 1])
        spans = tuple(map(tuple, self.spans[begin:end].tolist()))
        # The arrays are plain ndarrays (over the mapped files, see ``_mapped``): a slice needs no conversion.
        term_starts = self.term_starts[begin : end + 1]
        keys = self.term_keys[int(term_starts[0]) : int(term_starts[-1])]
        terms = SentenceTerms(keys, term_starts - term_starts[0])
        return ChunkSentences(spans, np.asarray(self.vectors[begin:end], dtype=np.float32), terms, self.features(begin, end))

    def features(self, begin: int, end: int) -> SentenceFeatures:
        """The features of sentences ``begin:end``."""
        starts = self.evidence_starts[begin : end + 1]
        first, last = int(starts[0]), int(starts[-1])
        return SentenceFeatures(self.flags[begin:end], self.evidence_codes[first:last], self.evidence_keys[first:last], starts - first)

    def take(self, rows: np.ndarray) -> SentenceTable:
        """The table of chunks ``rows``, in that order (read into memory)."""
        picked, starts = _runs(self.starts, np.asarray(rows, dtype=np.int64))
        keys, term_starts = _runs(self.term_starts, picked)
        entries, evidence_starts = _runs(self.evidence_starts, picked)
        return SentenceTable(
            spans=np.asarray(self.spans[picked]).reshape(len(picked), 2),
            vectors=np.asarray(self.vectors[picked]),
            starts=starts,
            term_keys=np.asarray(self.term_keys[keys]).astype(np.uint64),
            term_starts=term_starts,
            flags=np.asarray(self.flags[picked]).astype(np.uint8),
            evidence_codes=np.asarray(self.evidence_codes[entries]).astype(np.uint8),
            evidence_keys=np.asarray(self.evidence_keys[entries]).astype(np.uint64),
            evidence_starts=evidence_starts,
        )

    @classmethod
    def concat(cls, tables: Sequence[SentenceTable]) -> SentenceTable:
        """One table of ``tables``' chunks in order."""
        return cls(
            spans=np.concatenate([np.asarray(t.spans) for t in tables]).reshape(-1, 2),
            vectors=np.concatenate([np.asarray(t.vectors) for t in tables]),
            starts=_joined([t.starts for t in tables]),
            term_keys=np.concatenate([np.asarray(t.term_keys) for t in tables]).astype(np.uint64),
            term_starts=_joined([t.term_starts for t in tables]),
            **sentence_fields(SentenceFeatures.concat([t.features(0, len(t.spans)) for t in tables])),
        )

    @classmethod
    def of_chunks(cls, chunks: Sequence[ChunkSentences], dim: int) -> SentenceTable:
        """The table of ``chunks`` in order (each one's vectors stored in half precision)."""
        counts = [len(c.spans) for c in chunks]
        spans = [span for c in chunks for span in c.spans]
        vectors = [c.vectors for c in chunks if len(c.spans)]
        return cls(
            spans=np.asarray(spans, dtype=np.int64).reshape(len(spans), 2),
            vectors=np.concatenate(vectors).astype(STORED) if vectors else np.zeros((0, dim), dtype=STORED),
            starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            term_keys=np.concatenate([np.zeros(0, dtype=np.uint64)] + [c.terms.keys for c in chunks]).astype(np.uint64),
            term_starts=_joined([c.terms.starts for c in chunks]),
            **sentence_fields(SentenceFeatures.concat([c.features for c in chunks])),
        )


def sentence_fields(features: SentenceFeatures) -> dict[str, np.ndarray]:
    """``features`` as a table's fields."""
    return {"flags": features.flags, "evidence_codes": features.codes, "evidence_keys": features.keys, "evidence_starts": features.starts}


def _runs(starts: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the items of runs ``rows`` (run ``i`` being ``starts[i]:starts[i + 1]``), in order, and
    the starts of those runs laid end to end."""
    begins, ends = np.asarray(starts[rows]), np.asarray(starts[rows + 1])
    counts = ends - begins
    picked = np.repeat(begins - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(int(counts.sum()))
    return picked.astype(np.int64), np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def _joined(starts: Sequence[np.ndarray]) -> np.ndarray:
    """Run starts of several tables, as of one table of their runs in order."""
    offsets = np.cumsum([0] + [int(s[-1]) for s in starts])[:-1]
    return np.concatenate([[0]] + [np.asarray(s[1:]) + o for s, o in zip(starts, offsets, strict=True)]).astype(np.int64)


def stored(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` as they read back from any store: rounded to half precision, as float32."""
    return np.asarray(vectors, dtype=STORED).astype(np.float32)


def write_table(folder: Path, table: SentenceTable) -> None:
    _write_arrays(folder, table, FILES)


def read_table(folder: Path, chunks: int) -> SentenceTable:
    """The table in ``folder``, memory-mapped; ValueError when it does not fit ``chunks`` chunks."""
    try:
        table = SentenceTable(**_mapped(folder, FILES))
    except FileNotFoundError as error:
        raise ValueError(f"no {Path(str(error.filename)).name}: the index predates stored sentence features") from None
    if table.starts.shape != (chunks + 1,) or not int(table.starts[-1]) == len(table.spans) == len(table.vectors):
        raise ValueError(f"the sentence arrays do not fit {chunks} chunks")
    if table.term_starts.shape != (len(table.spans) + 1,) or int(table.term_starts[-1]) != len(table.term_keys):
        raise ValueError(f"the sentence term arrays do not fit {len(table.spans)} sentences")
    if table.evidence_starts.shape != (len(table.spans) + 1,) or not int(table.evidence_starts[-1]) == len(table.evidence_keys) == len(table.evidence_codes) or len(table.flags) != len(table.spans):
        raise ValueError(f"the sentence feature arrays do not fit {len(table.spans)} sentences")
    if table.vectors.dtype != STORED or table.spans.ndim != 2 or table.spans.shape[1] != 2:
        raise ValueError(f"the sentence arrays hold {table.vectors.dtype} vectors and spans of shape {table.spans.shape}")
    return table


def write_terms(folder: Path, table: TermTable) -> None:
    _write_arrays(folder, table, TERM_FILES)


def _mapped(folder: Path, files: dict[str, str]) -> dict[str, np.ndarray]:
    # Plain arrays over the mapped files: a search slices a few rows per candidate, and np.memmap's own
    # indexing costs several times an ndarray's; the pages are still read only when touched.
    return {field: np.asarray(np.load(folder / name, mmap_mode="r", allow_pickle=False)) for field, name in files.items()}


def _write_arrays(folder: Path, table: SentenceTable | TermTable, files: dict[str, str]) -> None:
    for field, name in files.items():
        save(folder / name, getattr(table, field))  # a spooled array is linked, not read through memory


def read_terms(folder: Path, documents: int) -> TermTable:
    """The term counts in ``folder``, memory-mapped; ValueError when they do not fit ``documents`` documents."""
    try:
        table = TermTable(**_mapped(folder, TERM_FILES))
    except FileNotFoundError as error:
        raise ValueError(f"no {Path(str(error.filename)).name}: the index predates stored term counts") from None
    if table.starts.shape != (documents + 1,) or table.sentences.shape != (documents,):
        raise ValueError(f"the term count arrays do not fit {documents} documents")
    if not int(table.starts[-1]) == len(table.keys) == len(table.counts):
        raise ValueError(f"the term count arrays hold {len(table.keys)} keys for {int(table.starts[-1])} entries")
    if table.keys.dtype != np.uint64 or table.counts.dtype != np.int32:
        raise ValueError(f"the term count arrays hold {table.keys.dtype} keys and {table.counts.dtype} counts")
    return table
