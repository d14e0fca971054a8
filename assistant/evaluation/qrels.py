"""Turn search results into ranx runs and qrels.

Gold set: each answerable question has one relevant unit, its answer, wherever it stands; a returned
passage counts as the answer when its span, or the quote of a source it lists as "also in", overlaps
an answer span. Recall@k is then the share of questions answered within the first k results, and the
judgement does not depend on chunk ids, so it stays valid when the chunker changes.

BEIR: the documents are the units; a passage stands for its source document and its "also in" sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..types import Passage, SearchResult
from .gold import GoldQuestion, GoldSet

ANSWER = "answer"

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]


def gold_qrels(gold: GoldSet) -> Qrels:
    return {q.id: {ANSWER: 1} for q in gold.answerable}


def gold_run(results: Mapping[str, SearchResult], gold: GoldSet) -> Run:
    """Each passage becomes ``answer`` if it answers its question, else its own span id; best first."""
    return {qid: ranked(_gold_units(result.results, gold[qid])) for qid, result in results.items()}


def document_run(results: Mapping[str, SearchResult]) -> Run:
    """Each passage stands for its source document, then for each "also in" source, in that order."""
    return {
        qid: ranked(unit for p in result.results for unit in (p.source.id, *(o.source.id for o in p.also_in)))
        for qid, result in results.items()
    }


def answers_in(passage: Passage, question: GoldQuestion) -> bool:
    """The passage, or a quote it lists as standing in another source, overlaps an answer span."""
    return question.answered_by(passage.source.id, passage.start, passage.end) or any(
        question.answered_by(o.source.id, o.quote.start, o.quote.end) for o in passage.also_in
    )


def quote_answers(passage: Passage, question: GoldQuestion) -> bool:
    """The passage's quote, or one of its "also in" quotes, overlaps an answer span."""
    quotes = [(passage.source.id, passage.quote), *((o.source.id, o.quote) for o in passage.also_in)]
    return any(question.answered_by(source, quote.start, quote.end) for source, quote in quotes)


def _gold_units(passages: tuple[Passage, ...], question: GoldQuestion) -> Iterator[str]:
    for p in passages:
        yield ANSWER if answers_in(p, question) else f"{p.source.id}:{p.start}-{p.end}"


def ranked(units: Iterable[str]) -> dict[str, float]:
    """A run row that keeps the order of first appearance: ranx ranks by score, so 1/rank is exact."""
    row: dict[str, float] = {}
    for unit in units:
        row.setdefault(unit, 1.0 / (len(row) + 1))
    return row
