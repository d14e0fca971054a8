"""Whether a result answers its question: the weak-answer rule the app shows and the evaluation measures.

A result answers when its best passage among the first ``ABSTENTION_WITHIN`` (``best_similarity``) is at
least ``Settings.answer.abstain_below`` similar to the question; the threshold is calibrated on the
gold set (eval/report.md, "Abstention") and pinned in eval/expected.toml. A result without passages
answers nothing, as the evaluation counts it.
"""

from __future__ import annotations

from dataclasses import replace

from .types import SearchResult

NO_CLOSE_ANSWER = "No passage in the sources answers this closely."
NO_PASSAGE = "No passage in the sources matches this question."


def judged(result: SearchResult, abstain_below: float) -> SearchResult:
    """``result`` with ``answered`` and, when it does not answer, the ``reason`` to show."""
    best = result.best_similarity()
    if best is None:
        return replace(result, answered=False, reason=NO_PASSAGE)
    if best < abstain_below:
        return replace(result, answered=False, reason=NO_CLOSE_ANSWER)
    return replace(result, answered=True, reason=None)
