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
Rules and the index's stored term counts only: no model call, no document read; a search's quotes are scored
together, the word shares in one pass over their stored terms, and a quote that is one stored sentence (most are)
holds what the evidence the index stored for that sentence says (sentence_features.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .answer_kind import asked_kind, holds, question_words
from .quoting import QuoteSource, asked_part, overlaps
from .sentence_features import SentenceFeatures, asked_keys
from .store.sentences import ChunkSentences
from .term_stats import DocumentTerms, SentenceTerms
from .types import Document, Quote


def quotes_answer(sources: Sequence[QuoteSource], quotes: Sequence[Quote], query: str) -> list[float]:
    """For each passage, how fully its ``quote`` holds the kind of answer ``query`` asks for, times the IDF-weighted
    share of the question's terms it carries (``quoting.lexical_overlap``, the quote's terms being those of its
    stored sentences), in [0, 1]; 0 when the question asks for no kind. A follow-up is judged by its own words
    (``quoting.asked_part``), not by the subject it carries."""
    question = asked_part(query)
    kind = asked_kind(question)
    held = _held(sources, quotes, kind, question)
    asked = [i for i, h in enumerate(held) if h]
    answers = [0.0] * len(quotes)
    if not asked:
        return answers
    whole = [QuoteSource(sources[i].doc, _as_one_sentence(quotes[i], sources[i].sentences), sources[i].terms) for i in asked]
    for i, share in zip(asked, overlaps(whole, question).tolist(), strict=True):
        answers[i] = held[i] * share
    return answers


def quote_answers(text: str, quote: Quote, query: str) -> float:
    """``quotes_answer`` for one quote of the document ``text``, its terms counted from the text (a test, a study)."""
    span = ((quote.start, quote.end),)
    terms = SentenceTerms.of([quote.text])
    sentences = ChunkSentences(span, np.zeros((1, 0), dtype=np.float32), terms, SentenceFeatures.of(text, span))
    return quotes_answer([QuoteSource(Document("", "", "", None, text, ""), sentences, DocumentTerms.of_text(text))], [quote], query)[0]


_NO_FEATURES = SentenceFeatures.of("", [])  # the word shares read terms only


def _held(sources: Sequence[QuoteSource], quotes: Sequence[Quote], kind: str | None, question: str) -> list[float]:
    """``answer_kind.holds(kind, quote.text, question)`` of each quote. Most quotes are one stored sentence: theirs is
    read from the evidence the index stored (``SentenceFeatures.held``, for all at once); a quote joining two
    sentences is read by the rules, as its whole text (a bound or a name can straddle the join)."""
    if kind is None:
        return [0.0] * len(quotes)
    at = [_stored_sentence(source.sentences, quote) for source, quote in zip(sources, quotes, strict=True)]
    one = [(source.sentences.features, j) for source, j in zip(sources, at, strict=True) if j is not None]
    stored = iter(SentenceFeatures.picked(one).held(kind, asked_keys(question_words(question))).tolist())
    return [next(stored) if j is not None else holds(kind, quote.text, question) for j, quote in zip(at, quotes, strict=True)]


def _stored_sentence(stored: ChunkSentences, quote: Quote) -> int | None:
    """The position of the stored sentence that is the whole ``quote``, or None when the quote joins two."""
    try:
        return stored.spans.index((quote.start, quote.end))
    except ValueError:
        return None


def _as_one_sentence(quote: Quote, stored: ChunkSentences) -> ChunkSentences:
    """The quote as one sentence whose terms are the distinct terms of the stored sentences inside it."""
    inside = [j for j, (start, end) in enumerate(stored.spans) if quote.start <= start and end <= quote.end]
    held = stored.terms
    if len(inside) == 1:  # a sentence's stored terms are distinct and sorted already
        keys = held.keys[held.starts[inside[0]] : held.starts[inside[0] + 1]]
    else:
        keys = np.unique(np.concatenate([held.keys[held.starts[j] : held.starts[j + 1]] for j in inside] or [held.keys[:0]]))
    terms = SentenceTerms(keys.astype(np.uint64), np.array([0, len(keys)], dtype=np.int64))
    return ChunkSentences(((quote.start, quote.end),), np.zeros((1, 0), dtype=np.float32), terms, _NO_FEATURES)
