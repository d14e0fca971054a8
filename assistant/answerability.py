"""Whether a result answers its question: the "nothing answers" verdict the shells show and the evaluation measures.

Off-topic questions are caught by the passages' cosine to the question. On-topic questions the sources
cannot answer ("What is the unit's annual budget?") find passages as close as real answers do, so the
cosine alone cannot tell them apart; what gives them away is that no passage near the top both carries
the question's key terms and, in its quote, the kind of answer asked for (a name, a date, a count, a
place), or that no single sentence of theirs is close to the question although the passages are on its
subject. Four tests on the first ``Settings.answer.within`` passages, in this order:

1. the best ``Passage.similarity`` is at least ``abstain_below`` (else the question is off the subject);
2. together they carry at least ``min_term_coverage`` of the question's terms (see ``quoting.terms``);
3. when the question asks for a name, date, count or place (``answer_kind.asked_kind``), a quote holds one, and
   when it asks for money, a length of time or a count of something (``answer_measure.asked_measure``), one of
   their sentences gives a figure that measures it ("more than 600 allegations" is no budget and no headcount);
4. when the passages are on the question's subject (best similarity at least ``on_subject``), one of their
   sentences that holds the kind asked for (any sentence, when it asks for none) has a cosine to the question of
   at least ``min_sentence_similarity`` (``Passage.sentence_similarity``, from the sentence vectors the index stores).

Calibrated on eval/gold.toml's unanswerable questions (eval/report.md, "Abstention"; the similarity
threshold is pinned in eval/expected.toml) and SQuAD's tuning half, checked on its held-out half
(eval/squad.md, eval/abstention-study.md, which also lists the signals tried and not added).
A result without passages answers nothing, as the evaluation counts it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .answer_kind import asked_kind, holds, question_words
from .answer_measure import asked_measure, gives_measure
from .config import AnswerSettings
from .quoting import terms
from .sentence_features import SentenceFeatures, asked_keys
from .store.sentences import ChunkSentences
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
    measure = asked_measure(question)
    if measure is not None and not any(gives_measure(measure, p.text, question) for p in shown):
        return f"No passage in the sources gives {measure.name} this question asks for."
    measured = [p.sentence_similarity for p in shown if p.sentence_similarity is not None]
    if measured and max(p.similarity for p in shown) >= answer.on_subject and max(measured) < answer.min_sentence_similarity:
        giving = f" that gives the {_KIND_NAMES[kind]} it asks for" if kind is not None else ""
        unmentioned = f" (none mentions {_phrases_for(question, wanted - carried)})" if wanted - carried else ""
        return f"The sources are on this subject, but no sentence in them{giving} comes close to this question{unmentioned}."
    return None


def sentence_similarities(sentences: Sequence[ChunkSentences], query_vector: np.ndarray, query: str) -> list[float]:
    """For each passage (its stored sentences), the best cosine between ``query`` and one of its sentences that holds
    the kind of answer the question asks for (any sentence when it asks for none); -1 when none holds it. What
    the fourth test reads (``Passage.sentence_similarity``): a passage can be close to a question as a whole, on
    its subject, while none of its sentences says what is asked."""
    if not sentences:
        return []
    kind = asked_kind(query)
    cosines = np.concatenate([np.asarray(stored.vectors, dtype=np.float32) @ query_vector for stored in sentences])
    if kind is not None:
        held = SentenceFeatures.concat([stored.features for stored in sentences]).held(kind, asked_keys(question_words(query)))
        cosines = np.where(held > 0, cosines, np.float32(-1.0))
    counts = [len(stored.spans) for stored in sentences]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    # A chunk without sentences (none stored) holds no answer: -1, as one whose sentences hold none.
    best = np.maximum.reduceat(np.append(cosines, np.float32(-1.0)), np.minimum(starts, len(cosines)))
    return [float(b) if n else -1.0 for b, n in zip(best.tolist(), counts, strict=True)]


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
