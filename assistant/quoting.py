"""Pick the quote: the sentence(s) of a passage that best answer the question, verbatim."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from . import sentence_choice
from .answer_kind import asked_kind, question_words
from .bm25_terms import stopwords
from .segmentation import sentence_spans
from .sentence_choice import Evidence
from .sentence_features import SentenceFeatures, among, asked_keys
from .store.sentences import ChunkSentences
from .term_stats import DocumentTerms, QuestionTerms, SentenceTerms, term_key, terms
from .types import Document, Quote

__all__ = [
    "QuoteChoice", "QuoteSource", "choice_features", "choose_quote", "choose_quotes", "learned_scores", "lexical_overlap",
    "overlaps", "quote_evidence", "sentences_in", "terms", "word_shares",
]

# Added to a sentence's score times how fully it holds the kind of answer asked for (see answer_kind.holds).
KIND_WEIGHT = 0.1
# Share of the question's rare words a sentence carries, added to its cosine when the quote is chosen: the
# embedding of a short question sits closer to the sentence that names its subject ("CSNET was a network
# funded by ...") than to the next one that answers it ("Its purpose was to ..."). 0.4, not the 0.2 the
# passage's score uses: on SQuAD's tuning half 0.4 quotes the answer more often (0.695 -> 0.707) and
# 0.6 and 0.8 no more; held out 0.704 -> 0.714 (eval/quote-study.md, third round).
LEXICAL_WEIGHT = 0.4
# The same share in the passage's quote score (``QuoteChoice.score``), which reorders the first passages
# (retrieval.by_quote): weighing it more there lowers passage hit@1 on SQuAD's tuning half (eval/quote-study.md).
SCORE_LEXICAL_WEIGHT = 0.2
# A sentence that opens like this continues the one before it: "She added ...", "It was looking into ...",
# or is a quotation whose speaker the sentence before names.
_LEANS_BACK = re.compile(
    r"[\"“‘]|[(]*(he|she|they|it|its|this|these|those|that|his|her|their|there|such|but|however|both|the latter)\b",
    re.IGNORECASE,
)


def sentences_in(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``doc.text[start:end]``; a sentence cut by the window is clipped to it.

    Chunk edges fall between sentences or, for an over-long sentence, between words, so clipping
    never cuts a word.
    """
    spans = []
    for s, e in sentence_spans(doc.text[start:end]):
        spans.append((start + s, start + e))
    return spans


class QuoteChoice(NamedTuple):
    quote: Quote
    similarity: float  # the chosen sentence's cosine to the question
    score: float  # the best sentence's cosine + SCORE_LEXICAL_WEIGHT x lexical + kind term: how well the passage answers


class QuoteSource(NamedTuple):
    """What one passage's quote is chosen from, as the index stored it: its document, its sentences (spans,
    vectors, terms, features) and its document's term counts."""

    doc: Document
    sentences: ChunkSentences
    terms: DocumentTerms


def choose_quote(
    doc: Document,
    spans: Sequence[tuple[int, int]],
    similarities: np.ndarray,
    query: str,
    lexical_weight: float = LEXICAL_WEIGHT,
    kind_weight: float = KIND_WEIGHT,
    document_terms: DocumentTerms | None = None,
    sentence_terms: SentenceTerms | None = None,
    choice: str = "rule",
) -> QuoteChoice:
    """The best-scoring sentence, joined to a neighbour when the answer needs both (see ``_widen``).

    A sentence scores its cosine to the question, plus ``lexical_weight`` times its lexical overlap
    (see ``lexical_overlap``), plus ``kind_weight`` times how fully it holds the kind of answer the
    question asks for (see ``answer_kind.holds``). The choice's ``score`` weighs the overlap by
    ``SCORE_LEXICAL_WEIGHT`` instead, and is the best over the passage's sentences. ``document_terms`` and
    ``sentence_terms``: the document's term counts and the sentences' terms as the index stored them (counted
    from ``doc.text`` when not given). ``choice`` "learned" weighs the sentences by ``sentence_choice.score``
    instead (see ``choose_quotes``).
    """
    sentences = ChunkSentences(
        tuple(spans), np.zeros((len(spans), 0), dtype=np.float32),
        sentence_terms or SentenceTerms.of(doc.text[s:e] for s, e in spans), SentenceFeatures.of(doc.text, spans),
    )  # fmt: skip
    source = QuoteSource(doc, sentences, document_terms or _document_terms(doc.text))
    evidence = _evidence([source], [np.asarray(similarities)], query)
    return _chosen([source], evidence, query, lexical_weight, kind_weight, choice)[0]


def quote_evidence(sources: Sequence[QuoteSource], query_vector: np.ndarray, query: str) -> Evidence:
    """What the quote choice weighs of every sentence of ``sources`` (cosine, word share, answer kind held, title
    lines): made once per batch of a search, for its quotes and for the rerank's learned scores."""
    return _evidence(sources, [source.sentences.vectors @ query_vector for source in sources], query)


def choose_quotes(
    sources: Sequence[QuoteSource], evidence: Evidence, query: str, choice: str = "rule"
) -> list[QuoteChoice]:
    """``choose_quote`` for each of a search's passages, from what the index stored (``evidence``, from
    ``quote_evidence``): the answer-kind rules and the lexical overlap run once over all their sentences, as array
    operations. ``choice`` (``config.QUOTE_CHOICES``): "rule" weighs the sentences as ``choose_quote`` does,
    "learned" by ``sentence_choice.score``; either way the choice's ``score`` (how well the passage answers, which
    reorders passages) is the rule's."""
    return _chosen(sources, evidence, query, LEXICAL_WEIGHT, KIND_WEIGHT, choice)


def choice_features(sources: Sequence[QuoteSource], query_vector: np.ndarray, query: str) -> tuple[np.ndarray, list[int]]:
    """``sentence_choice.features`` of every sentence of ``sources`` as the search computes them, and the bounds of
    each source's rows: what the learned choice is trained on (evaluation/sentence_training.py)."""
    evidence = quote_evidence(sources, query_vector, query)
    return _features(sources, evidence, query), evidence.bounds


def learned_scores(sources: Sequence[QuoteSource], evidence: Evidence, query: str) -> list[float]:
    """Each passage's best ``sentence_choice.score``, over the sentences the learned choice could quote: what the
    rerank weighs by ``SearchSettings.learned_weight``. ``evidence``: ``quote_evidence`` of ``sources`` (or its
    passages' parts, joined: ``Evidence.parts`` / ``Evidence.joined``)."""
    if not sources:
        return []
    return np.maximum.reduceat(_learned(sources, evidence, query), evidence.bounds[:-1]).tolist()


def _learned(sources: Sequence[QuoteSource], evidence: Evidence, query: str) -> np.ndarray:
    scores = sentence_choice.score(_features(sources, evidence, query))
    scores[_title_lines(evidence)] = -np.inf
    return scores


def _title_lines(evidence: Evidence) -> np.ndarray:
    """The sentences never quoted: title lines, but in a passage that holds nothing else."""
    headings, bounds = evidence.headings, evidence.bounds
    return headings & ~np.repeat(np.logical_and.reduceat(headings, bounds[:-1]), np.diff(bounds))


def _evidence(sources: Sequence[QuoteSource], cosines: Sequence[np.ndarray], query: str) -> Evidence:
    question = asked_part(query)
    features = SentenceFeatures.concat([source.sentences.features for source in sources])
    held = features.held(asked_kind(query), asked_keys(question_words(query)))
    share, rarest = word_shares(sources, question)
    given = np.concatenate(cosines)
    bounds = np.concatenate([[0], np.cumsum([len(c) for c in cosines])]).astype(int).tolist()
    return Evidence(given.astype(np.float32), share, rarest, held, features.headings, given, bounds)


def _features(sources: Sequence[QuoteSource], evidence: Evidence, query: str) -> np.ndarray:
    return sentence_choice.features(
        [source.doc for source in sources], [source.sentences for source in sources], evidence, asked_part(query)
    )


def _chosen(
    sources: Sequence[QuoteSource],
    evidence: Evidence,
    query: str,
    lexical_weight: float,
    kind_weight: float,
    choice: str = "rule",
) -> list[QuoteChoice]:
    if not sources:
        return []
    kind = asked_kind(query)
    every, overlap, held, bounds = evidence.cosines, evidence.word_share, evidence.held, evidence.bounds
    headings = _title_lines(evidence)
    ranked = _scores(every, SCORE_LEXICAL_WEIGHT * overlap, kind_weight * held, headings)
    if choice == "learned":
        scores = _learned(sources, evidence, query)
    else:
        scores = _scores(every, lexical_weight * overlap, kind_weight * held, headings)
    best_ranked = np.maximum.reduceat(ranked, bounds[:-1]).tolist()
    bests = _first_max(scores, bounds)
    chosen = []
    for i, source in enumerate(sources):
        a, b, best = bounds[i], bounds[i + 1], bests[i]
        text = source.doc.text
        start, end = _widen(text, source.sentences.spans, scores[a:b], held[a:b] if kind is not None else None, best)
        chosen.append(QuoteChoice(Quote(text[start:end], start, end), float(evidence.similarities[a + best]), best_ranked[i]))
    return chosen


def _first_max(scores: np.ndarray, bounds: list[int]) -> list[int]:
    """Within each run ``bounds[i]:bounds[i + 1]`` of ``scores``, the position of its first highest score (as
    ``np.argmax`` of the run gives), for all runs at once."""
    starts = np.asarray(bounds[:-1])
    counts = np.diff(bounds)
    tops = np.repeat(np.maximum.reduceat(scores, starts), counts)
    at = np.where(scores == tops, np.arange(len(scores)), len(scores))
    return (np.minimum.reduceat(at, starts) - starts).tolist()


def asked_part(query: str) -> str:
    """The question itself: ``query`` up to its last question mark when words follow it, as they do a follow-up
    resolved against the turn before (conversation.resolve: "Who assaulted her? former officer blew whistle
    Police Scotland"). Those words find the passage; counted in the quote's choice they pull it back to the
    sentence that answered the previous turn (follow-up chains: 9 -> 10 of 14 tuning and 7 -> 8 of 11 held-out
    quotes; gold 0.782 -> 0.793; eval/quote-study.md)."""
    head, mark, tail = query.rpartition("?")
    return head if mark and head.strip() and tail.strip() else query


def _scores(cosines: np.ndarray, lexical: np.ndarray, kind: np.ndarray, headings: np.ndarray) -> np.ndarray:
    scores = cosines + lexical + kind
    scores[headings] = -np.inf
    return scores


def _widen(
    text: str, spans: Sequence[tuple[int, int]], scores: np.ndarray, held: np.ndarray | None, best: int
) -> tuple[int, int]:
    """The span of sentence ``best`` (the best-scoring), joined to a neighbour when the answer needs both.

    - A sentence that only introduces the next one (ends with a colon) takes the next.
    - When the question asks for a kind of answer (``held`` is given) that the sentence does not hold, a
      neighbour that holds it is joined when the sentence leans on it: it opens with a pronoun or a link
      word ("She added ...", "It was ...") and so continues the sentence before, or the next one does.
    - Failing that, the best sentence carries the question's subject and a neighbour in the same paragraph
      holds the answer: neither alone answers, so the quote is the two (the better-scoring neighbour). A
      line break between them ends the paragraph, and a heading or the next story is not the answer.
    """
    start, end = spans[best]
    if text[start:end].rstrip().endswith(":") and best + 1 < len(spans):
        return start, spans[best + 1][1]
    if held is None or held[best] > 0:
        return start, end
    if best > 0 and held[best - 1] > 0 and _LEANS_BACK.match(text[start:end]):
        return spans[best - 1][0], end
    if best + 1 < len(spans) and held[best + 1] > 0 and _LEANS_BACK.match(text[spans[best + 1][0] : spans[best + 1][1]]):
        return start, spans[best + 1][1]
    paired = [j for j in (best - 1, best + 1) if 0 <= j < len(spans) and held[j] > 0 and _same_paragraph(text, spans, j, best)]
    if paired:
        j = max(paired, key=lambda i: scores[i])
        return min(start, spans[j][0]), max(end, spans[j][1])
    return start, end


def _same_paragraph(text: str, spans: Sequence[tuple[int, int]], i: int, j: int) -> bool:
    """No line break stands between sentences ``i`` and ``j`` (adjacent, in either order)."""
    first, second = sorted((i, j))
    return "\n" not in text[spans[first][1] : spans[second][0]]


def lexical_overlap(
    text: str,
    spans: Sequence[tuple[int, int]],
    query: str,
    document_terms: DocumentTerms | None = None,
    sentence_terms: SentenceTerms | None = None,
) -> np.ndarray:
    """For each span, the IDF-weighted share of the question's terms (see ``terms``) it contains.

    IDF is over the sentences of ``text``, the quote's own document: a word the document repeats in
    every sentence (its subject) tells its sentences apart less than one it uses once. The share is of
    the question's terms that occur in the document, so the best possible sentence scores 1. The counts
    and the spans' terms are ``document_terms`` and ``sentence_terms`` (the index's, see term_stats.py), else
    counted from ``text``.
    """
    held = sentence_terms or SentenceTerms.of(text[s:e] for s, e in spans)
    counts = document_terms or _document_terms(text)
    sentences = ChunkSentences(tuple(spans), np.zeros((len(spans), 0), dtype=np.float32), held, SentenceFeatures.of(text, []))
    return overlaps([QuoteSource(Document("", "", "", None, text, ""), sentences, counts)], query)


def overlaps(sources: Sequence[QuoteSource], query: str) -> np.ndarray:
    """``lexical_overlap`` of every sentence of ``sources``, in order, from their stored terms, for all at once;
    each document asked in its own words for a doer and the deed (``worded_for``), mostly the question as is."""
    return word_shares(sources, query)[0]


def word_shares(sources: Sequence[QuoteSource], query: str) -> tuple[np.ndarray, np.ndarray]:
    """``overlaps`` of every sentence of ``sources``, and whether each holds the rarest of the question's terms its
    document holds (the highest weight; 1.0 or 0.0): the term that tells the answering sentence from the ones that
    only share the question's subject."""
    worded: dict[str, list[int]] = {}
    of_document: dict[str, str] = {}
    for i, source in enumerate(sources):
        if source.doc.id not in of_document:
            of_document[source.doc.id] = worded_for(query, source.terms)
        worded.setdefault(of_document[source.doc.id], []).append(i)
    if len(worded) == 1:
        return _overlaps(_question_terms(next(iter(worded))), sources)
    sizes = [len(source.sentences.terms.starts) - 1 for source in sources]
    shares: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(sources)
    rarest: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(sources)
    for wording, group in worded.items():
        found, rare = _overlaps(_question_terms(wording), [sources[i] for i in group])
        cuts = np.cumsum([sizes[i] for i in group])[:-1]
        for i, part, flag in zip(group, np.split(found, cuts), np.split(rare, cuts), strict=True):
            shares[i], rarest[i] = part, flag
    return np.concatenate(shares), np.concatenate(rarest)


def worded_for(question: str, document: DocumentTerms) -> str:
    """``question`` with each word whose term ``document`` lacks put as the doer of the deed it names, or as the
    deed of the doer, where the document holds that term instead: "Who leads the unit?" of a document that says
    "the unit's senior leader" is asked "Who leader the unit?". The stemmer keeps "leads" and "leader" apart, so
    the sentence naming the leader would not carry the question's rarest word, while a sentence that says nothing
    of leading would carry all the question's words its document holds (eval/quote-study.md, fifth round). Word
    endings alone also read "former" as a doer of "form", "how long" as "how longer" and "actor" as one who acts:
    ``_forms`` keeps to the readings that are safe (sixth round)."""
    words = _word_forms(question)
    if not words.spans:
        return question
    if not len(document.keys):
        return question
    # The document's keys are sorted: one search places every key of the question's words and their forms.
    held = document.keys[np.minimum(np.searchsorted(document.keys, words.keys), len(document.keys) - 1)] == words.keys
    out, at = [], 0
    for (start, end), own, forms in zip(words.spans, words.own, words.forms, strict=True):
        other = next((form for form, i in forms if held[i]), None)
        if other is not None and not held[own]:
            out += [question[at:start], other]
            at = end
    return "".join(out) + question[at:] if out else question


class _WordForms(NamedTuple):
    """A question's words that are one term each: their spans, their term's place in ``keys``, and their doer or
    deed forms ("lead": "leader", "leador"; "leader": "lead") with theirs."""

    spans: tuple[tuple[int, int], ...]
    own: tuple[int, ...]
    forms: tuple[tuple[tuple[str, int], ...], ...]
    keys: np.ndarray  # uint64: the terms' keys and their forms'


_WORD = re.compile(r"\w+")


_MEASURE = re.compile(r"\bhow\s+$", re.IGNORECASE)  # "how long", "how old": an adjective, whose "-er" compares
_NEXT_WORD = re.compile(r"\s*(\w+)")
# A verb of three letters is too often another word's start: "act" in "actor", "fact", "factor".
MIN_DEED = 4


def _forms(question: str, term: str, start: int, end: int) -> list[str]:
    """The doer or deed forms of the question's word ``question[start:end]`` (its term ``term``), by three rules:

    - the deed of a doer ("leader" -> "lead") only where the word heads its phrase, at the question's end or before a
      function word ("the unit's leader?", "the leader of"), not as a modifier ("former officer" is no "form");
    - the doer of a deed ("leads" -> "leader", "prosecution" -> "prosecutor") only where the word is inflected or
      heads its phrase ("who will protect us"), not as a modifier ("the lead detective"), nor as a measure ("how
      long" is no "longer");
    - a deed of at least ``MIN_DEED`` letters ("actor" is no "act").
    """
    after = _NEXT_WORD.match(question, end)
    heads = after is None or after.group(1).lower() in stopwords()
    if term.endswith(("er", "or")):
        return [term[:-2]] if heads and len(term) - 2 >= MIN_DEED else []
    inflected = question[start:end].lower() != term
    if not (inflected or heads) or _MEASURE.search(question, 0, start) or len(term) < MIN_DEED:
        return []
    return [term + "er", term + "or"]


@lru_cache(maxsize=64)
def _word_forms(question: str) -> _WordForms:
    spans, own, forms, keys = [], [], [], []
    for m in _WORD.finditer(question):
        stemmed = terms(m.group(0))
        if len(stemmed) == 1:
            term = stemmed[0]
            spans.append(m.span())
            own.append(len(keys))
            keys.append(term_key(term))
            found = []
            for other in _forms(question, term, *m.span()):
                found.append((other, len(keys)))
                keys.append(term_key(other))
            forms.append(tuple(found))
    return _WordForms(tuple(spans), tuple(own), tuple(forms), np.array(keys, dtype=np.uint64))


def _overlaps(question: QuestionTerms, sources: Sequence[QuoteSource]) -> tuple[np.ndarray, np.ndarray]:
    """``word_shares`` of every sentence of ``sources``, in order, in one pass over their stored term keys."""
    held = [source.sentences.terms for source in sources]
    # Each sentence's count of stored keys, for all sources in one subtraction.
    ends = np.concatenate([np.zeros(0, dtype=np.int64)] + [h.starts[1:] for h in held])
    per_sentence = ends - np.concatenate([np.zeros(0, dtype=np.int64)] + [h.starts[:-1] for h in held])
    keys = np.unique(question.keys)
    if not len(keys):
        return np.zeros(len(per_sentence), dtype=np.float32), np.zeros(len(per_sentence), dtype=np.float32)
    weights, totals = _weights(question, keys, sources)
    sentence_keys = np.concatenate([h.keys for h in held])
    sentence = np.repeat(np.arange(len(per_sentence)), per_sentence)  # each stored key's sentence
    source = np.repeat(np.arange(len(sources)), [len(h.starts) - 1 for h in held])  # each sentence's source
    at = np.minimum(np.searchsorted(keys, sentence_keys), len(keys) - 1)
    values = np.where(keys[at] == sentence_keys, weights[source[sentence], at], 0.0)
    shares = np.bincount(sentence, weights=values, minlength=len(per_sentence))
    total = totals[source]
    rarest = weights.max(axis=1)[source[sentence]]
    held_rarest = np.bincount(sentence, weights=(values > 0) & (values == rarest), minlength=len(per_sentence)) > 0
    # Summed key by key in stored order, as a sentence's terms always were: the shares are exactly those.
    return np.divide(shares, total, out=np.zeros(len(shares)), where=total > 0).astype(np.float32), held_rarest.astype(np.float32)


def _weights(question: QuestionTerms, keys: np.ndarray, sources: Sequence[QuoteSource]) -> tuple[np.ndarray, np.ndarray]:
    """Each source's weights of the question's distinct terms ``keys`` (as ``DocumentTerms.weights`` gives them:
    log(1 + sentences / sentences holding the term)) and their sum in the question's order, for all the sources'
    documents at once."""
    home: dict[str, int] = {}
    of_source = [home.setdefault(source.doc.id, len(home)) for source in sources]
    counted = list({source.doc.id: source.terms for source in sources}.values())
    doc_keys = np.concatenate([np.zeros(0, dtype=np.uint64)] + [c.keys for c in counted])
    doc_counts = np.concatenate([np.zeros(0, dtype=np.int32)] + [c.counts for c in counted])
    owner = np.repeat(np.arange(len(counted)), [len(c.keys) for c in counted])
    hit = np.flatnonzero(among(doc_keys, keys))
    sentences = [counted[d].sentences for d in owner[hit].tolist()]
    weights = np.zeros((len(counted), len(keys)), dtype=np.float64)
    # math.log1p, as DocumentTerms.weights: the very same doubles, so the same quotes.
    weights[owner[hit], np.searchsorted(keys, doc_keys[hit])] = [
        math.log1p(n / c) for n, c in zip(sentences, doc_counts[hit].tolist(), strict=True)
    ]
    in_question_order = np.searchsorted(keys, np.fromiter(dict.fromkeys(question.keys.tolist()), dtype=np.uint64))
    totals = np.array([sum(row) for row in weights[:, in_question_order].tolist()], dtype=np.float64)
    return weights[of_source], totals[of_source]


@lru_cache(maxsize=64)
def _question_terms(query: str) -> QuestionTerms:
    """The question's terms, stemmed once for all the candidates of its search."""
    return QuestionTerms.of(query)


@lru_cache(maxsize=256)
def _document_terms(text: str) -> DocumentTerms:
    """Counted from the text, for a caller that has no index to look them up in (an experiment, a test)."""
    return DocumentTerms.of_text(text)
