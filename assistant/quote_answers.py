"""How fully the quote a passage will show answers its question: one of the signals passages are reordered by.

A passage's quote score (``quoting.QuoteChoice.score``) is its best sentence's cosine, share of the question's
rare words and a small answer-kind term, and is much the same for two passages about one event. Of two such
passages the ranking nearly ties, often only one *quote* names what is asked: "Who murdered Sarah Everard?" finds
"The rape and murder of Sarah Everard in March 2021 - by a police officer who pretended …" first and "… by
then-serving Met Police officer Wayne Couzens, who …" a hair behind. This scores the quote itself, as the reader
will see it: whether it holds the kind of answer asked for (answer_kind.holds: who, when, how many, where; a quote
that says the figure "has not been revealed" holds nothing) times the share of the question's rare words it
carries. The product, not the kind alone: a sentence that merely names someone (any capitalised name counts for
*who*) but is about something else does not win a near-tie on that alone (eval/quote-study.md, fourth round).
Rules and the index's stored term counts only: no model call, no document read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .answer_kind import asked_kind, holds
from .quoting import asked_part, lexical_overlap
from .term_stats import DocumentTerms, SentenceTerms
from .types import Quote


def quote_answers(
    text: str,
    quote: Quote,
    query: str,
    spans: Sequence[tuple[int, int]] = (),
    document_terms: DocumentTerms | None = None,
    sentence_terms: SentenceTerms | None = None,
) -> float:
    """How fully ``quote`` (of the document ``text``) holds the kind of answer ``query`` asks for, times the
    IDF-weighted share of the question's terms it carries (see ``quoting.lexical_overlap``), in [0, 1]; 0 when
    the question asks for no kind. ``spans`` and ``sentence_terms``: the passage's stored sentences the quote is
    made of, and their terms (counted from the quote's text when not given). A follow-up is judged by its own
    words (``quoting.asked_part``), not by the subject it carries."""
    question = asked_part(query)
    held = holds(asked_kind(question), quote.text, question)
    if not held:
        return 0.0
    terms = _quote_terms(quote, spans, sentence_terms) if sentence_terms is not None else None
    return held * float(lexical_overlap(text, [(quote.start, quote.end)], question, document_terms, terms)[0])


def _quote_terms(quote: Quote, spans: Sequence[tuple[int, int]], stored: SentenceTerms) -> SentenceTerms:
    """The distinct terms of the stored sentences inside the quote, as one sentence's."""
    inside = [j for j, (start, end) in enumerate(spans) if quote.start <= start and end <= quote.end]
    keys = np.unique(np.concatenate([stored.keys[stored.starts[j] : stored.starts[j + 1]] for j in inside] or [stored.keys[:0]]))
    return SentenceTerms(keys.astype(np.uint64), np.array([0, len(keys)], dtype=np.int64))
