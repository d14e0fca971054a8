"""Ask every gold question through ``Assistant.search`` and score the answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..answerability import assess
from ..config import AnswerSettings
from ..service import Assistant
from ..types import ABSTENTION_WITHIN, Exchange, SearchResult
from .gold import GoldQuestion, GoldSet
from .metrics import Abstention, abstained_on, calibrate, percentiles_ms, quote_accuracy, ranking
from .qrels import gold_qrels, gold_run

Log = Callable[[str], None]  # where a study's progress lines go (print, or a test's list.append)
DEPTH = 10  # results per question: every metric is cut at 10


@dataclass(frozen=True)
class Asked:
    """One question as searched, its results, and how long the search took."""

    query: str
    result: SearchResult
    seconds: float


@dataclass(frozen=True)
class GoldFigures:
    mode: str
    ranking: dict[str, float]  # over the answerable questions
    quote_accuracy: float
    abstention: Abstention  # the app's verdict with the similarity test at the threshold given to ``score`` (the pinned one)
    calibrated: Abstention  # the similarity test alone at the threshold with the best F0.5 on this run
    p50_ms: float
    p95_ms: float
    answerable: int
    unanswerable: int


def ask_all(
    assistant: Assistant,
    gold: GoldSet,
    mode: str,
    *,
    context: bool = True,
    k: int = DEPTH,
    questions: Sequence[GoldQuestion] | None = None,
) -> dict[str, Asked]:
    """Search each question (all, or ``questions``) once; with ``context`` a follow-up is asked as the chat asks it,
    through ``Assistant.ask`` with the question it continues and that question's answer as history."""
    asked: dict[str, Asked] = {}
    for question in gold.questions if questions is None else questions:
        began = time.perf_counter()
        if context and question.previous is not None:
            previous = gold[question.previous]
            before = asked[previous.id].result if previous.id in asked else assistant.search(previous.question, k=k, mode=mode)
            began = time.perf_counter()
            result = assistant.ask(question.question, [Exchange(previous.question, before)], k=k, mode=mode)
        else:
            result = assistant.search(question.question, k=k, mode=mode)
        asked[question.id] = Asked(result.query, result, time.perf_counter() - began)
    return asked


def best_similarity(asked: Mapping[str, Asked], within: int = ABSTENTION_WITHIN) -> dict[str, float | None]:
    """Each question's abstention signal, ``SearchResult.best_similarity``: by default exactly the app's."""
    return {qid: a.result.best_similarity(within) for qid, a in asked.items()}


def nothing_answers(asked: Mapping[str, Asked], abstain_below: float) -> set[str]:
    """The questions the app says nothing answers (answerability.assess on the text searched, default
    ``AnswerSettings`` but for its similarity threshold)."""
    answer = replace(AnswerSettings(), abstain_below=abstain_below)
    return {qid for qid, a in asked.items() if assess(a.query, a.result.results, answer) is not None}


def score(asked: Mapping[str, Asked], gold: GoldSet, mode: str, threshold: float | None = None) -> GoldFigures:
    """All figures for one run; abstention as the app judges it with the similarity test at ``threshold`` when
    given, and with the similarity test alone at the threshold calibrated on the run."""
    results = {qid: a.result for qid, a in asked.items()}
    answerable = {q.id: q.answerable for q in gold.questions if q.id in asked}
    calibrated = calibrate(best_similarity(asked), answerable)
    p50, p95 = percentiles_ms(a.seconds for a in asked.values())
    return GoldFigures(
        mode=mode,
        ranking=ranking(gold_qrels(gold), gold_run(results, gold)),
        quote_accuracy=quote_accuracy(results, gold),
        abstention=calibrated if threshold is None else abstained_on(nothing_answers(asked, threshold), answerable, threshold),
        calibrated=calibrated,
        p50_ms=p50,
        p95_ms=p95,
        answerable=sum(answerable.values()),
        unanswerable=len(answerable) - sum(answerable.values()),
    )


def ranking_for(asked: Mapping[str, Asked], gold: GoldSet, question_ids: set[str]) -> dict[str, float]:
    """Ranking metrics over a subset of the answerable questions (a tag, or the follow-ups)."""
    results = {qid: asked[qid].result for qid in question_ids if qid in asked}
    qrels = {qid: rel for qid, rel in gold_qrels(gold).items() if qid in results}
    return ranking(qrels, gold_run(results, gold))
