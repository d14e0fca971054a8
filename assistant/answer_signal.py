"""Whether the passages found answer the question at all: the "nothing answers" signal.

Off-topic questions are caught by the passages' cosine to the question. On-topic questions the sources
cannot answer ("What is the unit's annual budget?") find passages as close as real answers do, so the
cosine alone cannot tell them apart; what gives them away is that no passage near the top both carries
the question's key terms and, in its quote, the kind of answer asked for (a name, a date, a count, a
place). Calibrated on eval/gold.toml's unanswerable questions and checked on SQuAD's (eval/squad.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from .answer_kind import asked_kind, holds
from .quoting import terms
from .types import Passage


# Defaults until the lead wires them into Settings (see the report), calibrated on eval/gold.toml's 22
# unanswerable questions (none of its answerable ones is hidden) and checked on SQuAD's (eval/squad.md).
MIN_SIMILARITY = 0.18  # below this best cosine among the first passages, the question is off the subject
MIN_COVERAGE = 0.4  # share of the question's terms (stemmed; stop and question words out) the passages carry
WITHIN = 5  # passages looked at: the app shows 5


def assess(
    question: str,
    passages: Sequence[Passage],
    *,
    min_similarity: float = MIN_SIMILARITY,
    min_coverage: float = MIN_COVERAGE,
    within: int = WITHIN,
) -> tuple[bool, str]:
    """``(answered, reason)`` for the passages found for ``question``: not answered when none of the first
    ``within`` is close to it, when together they carry under ``min_coverage`` of its terms, or when it asks
    for a name, date, count or place and none of their quotes holds one."""
    shown = passages[:within]
    best = max((p.similarity for p in shown), default=None)
    if best is None or best < min_similarity:
        return False, "no passage is close to the question"
    wanted = set(terms(question))
    carried = {t for p in shown for t in terms(p.text)}
    if wanted and len(wanted & carried) / len(wanted) < min_coverage:
        return False, f"the passages do not mention {', '.join(sorted(wanted - carried))}"
    kind = asked_kind(question)
    if kind is not None and not any(holds(kind, p.quote.text, question) for p in shown):
        return False, f"no quote gives the {_KIND_NAMES[kind]} the question asks for"
    return True, "a close passage mentions the question's terms" + (f" and quotes a {_KIND_NAMES[kind]}" if kind else "")


_KIND_NAMES = {"who": "name", "when": "date", "count": "figure", "where": "place"}
