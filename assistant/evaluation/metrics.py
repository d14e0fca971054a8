"""The figures: ranking metrics through ranx, quote accuracy, abstention, latency percentiles."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..types import SearchResult
from .gold import GoldSet
from .qrels import Qrels, Run, quote_answers

RANKING_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def ranking(qrels: Qrels, run: Run, metrics: Sequence[str] = RANKING_METRICS) -> dict[str, float]:
    """Mean of each metric over the queries in ``qrels``; a query missing from ``run`` scores 0."""
    if not qrels:
        raise ValueError("no judged queries to score")
    from ranx import Qrels as RanxQrels
    from ranx import Run as RanxRun
    from ranx import evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's uint64->int64 cast notice on every call
        scores = evaluate(RanxQrels(qrels), RanxRun(run), list(metrics), make_comparable=True)
    if isinstance(scores, float | np.floating):  # ranx returns a bare number for a single metric
        scores = {metrics[0]: scores}
    return {m: float(scores[m]) for m in metrics}


def quote_accuracy(results: Mapping[str, SearchResult], gold: GoldSet) -> float:
    """Share of answerable questions whose first result's quote overlaps an answer span."""
    judged = [q for q in gold.answerable if q.id in results]
    hits = sum(1 for q in judged if results[q.id].results and quote_answers(results[q.id].results[0], q))
    return hits / len(judged) if judged else 0.0


@dataclass(frozen=True)
class Abstention:
    """How well "no passage answers this" (the signal under ``threshold``) finds unanswerable questions."""

    threshold: float
    precision: float  # of the questions it abstained on, the share nothing answers
    recall: float  # of the questions nothing answers, the share it abstained on
    abstained: int
    unanswerable: int

    @property
    def hidden(self) -> int:
        """Answerable questions told that nothing answers them."""
        return self.abstained - round(self.recall * self.unanswerable)

    @property
    def f1(self) -> float:
        return self.f_beta(1.0)

    def f_beta(self, beta: float) -> float:
        """F-measure weighing recall ``beta`` times as much as precision."""
        total = beta**2 * self.precision + self.recall
        return (1 + beta**2) * self.precision * self.recall / total if total else 0.0


def abstention(signal: Mapping[str, float | None], answerable: Mapping[str, bool], threshold: float) -> Abstention:
    """Abstain when a question's signal (``SearchResult.best_similarity``) is under ``threshold``, or None (no result)."""
    return abstained_on({qid for qid, s in signal.items() if s is None or s < threshold}, answerable, threshold)


def abstained_on(abstained: set[str], answerable: Mapping[str, bool], threshold: float) -> Abstention:
    """Precision and recall of abstaining on the questions ``abstained`` (those with an ``answerable`` entry)."""
    abstained = abstained & set(answerable)
    unanswerable = {qid for qid, ok in answerable.items() if not ok}
    right = len(abstained & unanswerable)
    return Abstention(
        threshold=threshold,
        precision=right / len(abstained) if abstained else 1.0,
        recall=right / len(unanswerable) if unanswerable else 1.0,
        abstained=len(abstained),
        unanswerable=len(unanswerable),
    )


CALIBRATION_BETA = 0.5  # precision counts double: a false "nothing answers this" hides a real answer


def calibrate(
    signal: Mapping[str, float | None], answerable: Mapping[str, bool], beta: float = CALIBRATION_BETA
) -> Abstention:
    """The threshold with the best F-beta for abstention; ties go to the lower threshold (fewer false alarms).

    Candidates are the midpoints between neighbouring observed similarities, rounded to 3 decimals so
    the figure can be pinned in a file and read by the app.
    """
    values = sorted({s for s in signal.values() if s is not None})
    candidates = [round((a + b) / 2, 3) for a, b in zip(values, values[1:], strict=False)] or [0.0]
    outcomes = [abstention(signal, answerable, t) for t in candidates]
    return max(outcomes, key=lambda o: (round(o.f_beta(beta), 9), -o.threshold))


def percentiles_ms(seconds: Iterable[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    values = np.asarray(list(seconds), dtype=np.float64) * 1000.0
    if not len(values):
        return 0.0, 0.0
    p50, p95 = np.percentile(values, [50, 95])
    return float(p50), float(p95)
