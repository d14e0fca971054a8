"""Whether a result answers its question: the "nothing answers" verdict the shells show and the evaluation measures.

Off-topic questions are caught by the passages' cosine to the question. On-topic questions the sources
cannot answer ("What is the unit's annual budget?") find passages as close as real answers do, so the
cosine alone cannot tell them apart; what gives them away is that no passage near the top both carries
the question's key terms and, in its quote, the kind of answer asked for (a name, a date, a count, a
place). Three tests on the first ``Settings.answer.within`` passages, in this order:

1. the best ``Passage.similarity`` is at least ``abstain_below`` (else the question is off the subject);
2. together they carry at least ``min_term_coverage`` of the question's terms (see ``quoting.terms``);
3. when the question asks for a name, date, count or place (``answer_kind.asked_kind``), a quote holds one.

Calibrated on eval/gold.toml's unanswerable questions (eval/report.md, "Abstention"; the similarity
threshold is pinned in eval/expected.toml) and checked on SQuAD's on-topic ones (eval/squad.md). Other
signals (the best sentence's cosine, the question's rare terms in a sentence holding the kind asked for, a
sentence saying the figure is unknown) were measured in eval/abstention-study.md: none catches more without
hiding answerable questions, so none is a test here.
A result without passages answers nothing, as the evaluation counts it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .answer_kind import asked_kind, holds
from .config import AnswerSettings
from .quoting import terms
from .types import Passage, SearchResult

NO_CLOSE_ANSWER = "No passage in the sources answers this closely."
NO_PASSAGE = "No passage in the sources matches this question."
_KIND_NAMES = {"who": "name", "when": "date", "count": "figure", "where": "place"}
_WORD = re.compile(r"(?u)\b\w\w+\b")


def assess(question: str, passages: Sequence[Passage], answer: AnswerSettings) -> str | None:
    """Why the passages found for ``question`` do not answer it, or None when they do (see the module's tests)."""
    shown = passages[: answer.within]
    if not shown:
        return NO_PASSAGE
    if max(p.similarity for p in shown) < answer.abstain_below:
        return NO_CLOSE_ANSWER
    wanted = set(terms(question))
    carried = {t for p in shown for t in terms(p.text)}
    if wanted and len(wanted & carried) / len(wanted) < answer.min_term_coverage:
        return f"No passage in the sources mentions {_phrases_for(question, wanted - carried)}."
    kind = asked_kind(question)
    if kind is not None and not any(holds(kind, p.quote.text, question) for p in shown):
        return f"No quote in the sources gives the {_KIND_NAMES[kind]} this question asks for."
    return None


def judged(result: SearchResult, answer: AnswerSettings) -> SearchResult:
    """``result`` with ``answered`` and, when it does not answer, the ``reason`` to show; judged against
    ``result.query``, the text that was searched (for a follow-up, the question with its context)."""
    reason = assess(result.query, result.results, answer)
    return replace(result, answered=reason is None, reason=reason)


def _phrases_for(question: str, missing: set[str]) -> str:
    """What the passages do not mention, in the reader's own words: each run of adjacent question words whose
    terms they lack, quoted ("“annual budget”"; "“Greater”, “employ”" when a word they carry stands between)."""
    runs: list[list[str]] = [[]]
    for word in _WORD.findall(question):
        if set(terms(word)) & missing:
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    phrases = dict.fromkeys(" ".join(run) for run in runs if run)
    return ", ".join(f"“{p}”" for p in phrases or sorted(missing))
