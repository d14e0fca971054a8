"""From a question to ranked, de-duplicated passages with quotes, over one index snapshot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from .answerability import sentence_similarities
from .candidates import allowed_rows, find_candidates
from .config import MODES, SearchSettings
from .embedding import Embedder
from .errors import EmptyQueryError, SettingsError
from .quote_answers import quotes_answer
from .quoting import QuoteSource, choose_quotes, learned_scores, quote_evidence
from .sentence_choice import Evidence
from .store import Snapshot
from .types import Occurrence, Passage, Quote, SourceRef

_NOT_ALNUM = re.compile(r"[\W_]+")


@dataclass
class _Candidate:
    row: int
    score: float
    quote: Quote
    similarity: float
    quote_score: float  # how well the quote answers (see quoting.choose_quote): reorders the first passages
    answers: float = 0.0  # the quote holds the kind of answer asked for x its share of the question's rare words
    sentence_similarity: float = -1.0  # see Passage.sentence_similarity
    learned: float = 0.0  # the passage's best learned sentence score (quoting.learned_scores), when the rerank weighs it
    # (source id, quote) of each near-duplicate in another source; cited (page, paragraph) only if the passage is shown
    also_in: list[tuple[str, Quote]] = field(default_factory=list)
    key: str = field(init=False)  # the quote's text as near-duplicates are compared, made once per candidate
    rank_score: float = field(init=False)  # what the passage is placed by (by_quote): ``score`` until reordered

    def __post_init__(self) -> None:
        self.key = _normalise(self.quote.text)
        self.rank_score = self.score


class Retriever:
    """Searches one snapshot: one model call per question (its own vector); quotes are chosen with the
    sentence vectors the index stored (see sentence_vectors.py)."""

    def __init__(self, snapshot: Snapshot, embedder: Embedder, settings: SearchSettings) -> None:
        self.snapshot = snapshot
        self.embedder = embedder
        self.settings = settings

    def search(
        self, query: str, k: int = 5, sources: Sequence[str] | None = None, mode: str | None = None
    ) -> list[Passage]:
        mode = mode or self.settings.mode
        if mode not in MODES:
            raise SettingsError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not query or not query.strip():
            raise EmptyQueryError("the question is empty: type a question to search the sources")
        if k < 1:
            raise SettingsError(f"k must be at least 1, got {k}")
        query = query.strip()
        allowed = allowed_rows(self.snapshot, sources)
        query_vector = self.embedder.encode([query])[0]
        depth = max(self.settings.candidates, 4 * k)
        found = find_candidates(self.snapshot, query, query_vector, depth, self.settings, mode=mode, allowed=allowed)
        return self._assemble(query, query_vector, found.ranked, k)

    def _assemble(self, query: str, query_vector: np.ndarray, ranked: list[tuple[int, float]], k: int) -> list[Passage]:
        """Walk the ranking, choose each passage's quote, and fold near-duplicates into "also in"."""
        chosen: list[_Candidate] = []
        quoted: dict[int, tuple[QuoteSource, Evidence]] = {}  # each candidate's passage and what its quote choice weighed
        window = max(4 * k, 20)
        for offset in range(0, len(ranked), window):
            batch = ranked[offset : offset + window]
            rows = [row for row, _ in batch]
            # Fetched once per batch, not per candidate: one lookup (or query, in PostgreSQL) for each kind.
            sentences = self.snapshot.sentences(rows)
            similarities = [float(vector @ query_vector) for vector in self.snapshot.vectors(rows)]
            source_ids = [self.snapshot.chunks[row].source_id for row in rows]
            counts = self.snapshot.document_terms(source_ids)
            docs = [self.snapshot.documents[source_id] for source_id in source_ids]
            # The batch's quotes at once: the answer-kind rules and word weights are array operations over them all.
            sources = [QuoteSource(*found) for found in zip(docs, sentences, counts, strict=True)]
            evidence = quote_evidence(sources, query_vector, query)
            quoted.update(zip(rows, zip(sources, evidence.parts(), strict=True)))
            choices = choose_quotes(sources, evidence, query, self.settings.quote_choice)
            answers = quotes_answer(sources, [choice.quote for choice in choices], query)
            closest = sentence_similarities(sentences, query_vector, query)
            for (row, score), similarity, choice, answer, close in zip(batch, similarities, choices, answers, closest, strict=True):
                self._place(_Candidate(row, score, choice.quote, similarity, choice.score, answer, close), chosen)
            if len(chosen) >= k:
                break
        if self.settings.learned_weight and chosen:
            # Only the passages the rerank reorders, from the evidence their quotes were chosen by: their features cost
            # about as much again as choosing the quotes.
            top = chosen[: self.settings.rerank_depth]
            sources, parts = zip(*(quoted[c.row] for c in top), strict=True)
            for c, learned in zip(top, learned_scores(sources, Evidence.joined(parts), query), strict=True):
                c.learned = learned
        chosen = by_quote(
            chosen, self.settings.quote_weight, self.settings.rerank_depth, self.settings.answer_weight, self.settings.learned_weight
        )
        return [self._passage(rank, c) for rank, c in enumerate(chosen[:k], start=1)]

    def _place(self, candidate: _Candidate, chosen: list[_Candidate]) -> None:
        source_id = self.snapshot.chunks[candidate.row].source_id
        for kept in chosen:
            kept_source = self.snapshot.chunks[kept.row].source_id
            if kept_source == source_id:
                if candidate.quote.start < kept.quote.end and kept.quote.start < candidate.quote.end:
                    if _completes(candidate.quote, kept.quote):
                        kept.row, kept.quote = candidate.row, candidate.quote
                        kept.quote_score = max(kept.quote_score, candidate.quote_score)
                        kept.answers = max(kept.answers, candidate.answers)
                        kept.sentence_similarity = max(kept.sentence_similarity, candidate.sentence_similarity)
                    return  # an overlapping window of the same source says nothing new
                continue
            # The cutoff lets rapidfuzz stop early on a pair that cannot reach it (it scores such a pair 0).
            if fuzz.ratio(candidate.key, kept.key, score_cutoff=self.settings.duplicate_ratio) >= self.settings.duplicate_ratio:
                if all(other != source_id for other, _ in kept.also_in):
                    kept.also_in.append((source_id, candidate.quote))
                return
        chosen.append(candidate)

    def _occurrence(self, source_id: str, quote: Quote) -> Occurrence:
        doc = self.snapshot.documents[source_id]
        return Occurrence(SourceRef.of(doc), doc.page_at(quote.start), doc.paragraph_at(quote.start), quote)

    def _passage(self, rank: int, c: _Candidate) -> Passage:
        chunk = self.snapshot.chunks[c.row]
        doc = self.snapshot.documents[chunk.source_id]
        return Passage(
            rank=rank,
            score=round(c.score, 6),
            similarity=round(c.similarity, 6),
            source=SourceRef.of(doc),
            page=doc.page_at(c.quote.start),
            paragraph=doc.paragraph_at(c.quote.start),
            text=chunk.text,
            start=chunk.start,
            end=chunk.end,
            quote=c.quote,
            also_in=tuple(self._occurrence(source_id, quote) for source_id, quote in c.also_in),
            rank_score=round(c.rank_score, 6),
            sentence_similarity=round(c.sentence_similarity, 6),
        )


def by_quote(
    chosen: list[_Candidate], quote_weight: float, depth: int, answer_weight: float = 0.0, learned_weight: float = 0.0
) -> list[_Candidate]:
    """The first ``depth`` passages reordered by their ranking score plus ``quote_weight`` times their quote's
    score plus ``answer_weight`` times whether the quote itself holds the kind of answer asked for, plus
    ``learned_weight`` times their best learned sentence score: of two passages the ranking nearly ties (0.7551
    against 0.7558), the one whose quote answers (names, dates or counts what is asked, carries the question's
    words) goes first, and one whose quote says the figure is unknown does not outrank one that states it."""
    if not quote_weight and not answer_weight and not learned_weight:
        return chosen
    for c in chosen[:depth]:
        c.rank_score = c.score + quote_weight * c.quote_score + answer_weight * c.answers + learned_weight * c.learned
    return sorted(chosen[:depth], key=lambda c: c.rank_score, reverse=True) + chosen[depth:]


def _completes(candidate: Quote, kept: Quote) -> bool:
    """``kept`` ends with a colon, so its chunk ended before the sentence it introduces ("She ... stated:"),
    and ``candidate``, from an overlapping window, holds it and goes on: the passage is the same, its quote
    whole only in the later window (follow-up chains, eval/quote-study.md: 7 -> 9 of 14 tuning follow-ups)."""
    return kept.text.rstrip().endswith(":") and candidate.start <= kept.start and candidate.end > kept.end


def _normalise(text: str) -> str:
    return _NOT_ALNUM.sub(" ", text.casefold()).strip()

