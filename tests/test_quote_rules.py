"""Quote choice on real sentences from the shipped articles, with the real model's sentence cosines:
the sentence that holds the kind of answer asked for, and the neighbour an answer leans on."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.quoting import SCORE_LEXICAL_WEIGHT, asked_part, choose_quote, lexical_overlap, sentences_in
from assistant.types import Document, Exchange

SOURCES = Path(__file__).resolve().parent.parent / "sources"


def _quote(embedder, source: str, first: str, last: str, question: str, choice: str = "rule") -> str:  # type: ignore[no-untyped-def]
    """The quote chosen for ``question`` from the stretch of ``source`` between two of its sentences."""
    text = (SOURCES / source).read_text(encoding="utf-8")
    doc = Document(source, str(SOURCES / source), source, None, text, "")
    start = text.index(first)
    end = text.index(last, start) + len(last)
    spans = sentences_in(doc, start, end)
    vectors = embedder.encode([text[s:e] for s, e in spans])
    quote = choose_quote(doc, spans, vectors @ embedder.encode([question])[0], question, choice=choice).quote
    assert text[quote.start : quote.end] == quote.text
    return quote.text


def test_who_is_answered_by_the_sentence_that_names_the_killer(real_embedder) -> None:
    quote = _quote(
        real_embedder,
        "002_91d102806b45131f.txt",
        "Its worst cases involve rape",
        "Serving police officer Wayne Couzens kidnapped, raped and murdered Sarah Everard in 2021",
        "Who murdered Sarah Everard?",
    )
    assert "Wayne Couzens" in quote


def test_when_is_answered_by_the_sentence_with_the_date(real_embedder) -> None:
    quote = _quote(
        real_embedder,
        "001_3bd223bcd275ebfb.txt",
        "The Metropolitan Police is investigating more than 600",
        "as of 18 August.",
        "When was the Daso unit set up?",
    )
    assert "set up in January" in quote


def test_how_many_is_answered_by_the_count_not_the_rounded_bound(real_embedder) -> None:
    quote = _quote(
        real_embedder,
        "001_3bd223bcd275ebfb.txt",
        "The Metropolitan Police is investigating more than 600",
        "as of 18 August.",
        "How many allegations is the unit investigating?",
    )
    assert quote.startswith("It was looking into 625 misconduct allegations")


def test_where_is_answered_by_the_sentence_with_the_place(real_embedder) -> None:
    quote = _quote(
        real_embedder,
        "003_7582e51dae7e9a11.txt",
        "One of her colleagues, an officer named Scott Gallop",
        "and now lives in rural Norway.",
        "Where does the whistleblower live now?",
    )
    assert "rural Norway" in quote


def test_a_quotation_is_quoted_with_the_sentence_that_names_who_said_it(real_embedder) -> None:
    quote = _quote(
        real_embedder,
        "003_7582e51dae7e9a11.txt",
        "Det Supt Clark says her team are disgusted",
        "we need to get rid of them.\"",
        "Who said \"we don't want them in the organisation\"?",
    )
    assert quote.startswith("Det Supt Clark says") and quote.endswith("get rid of them.\"")


def test_a_sentence_a_colon_introduces_is_quoted_with_its_introduction(real_embedder) -> None:
    quote = _quote(
        real_embedder,
        "000_b4efa6d47b194183.txt",
        "She added her anger",
        "we need to get rid of them.”",
        "What does she want done with abusive officers?",
    )
    assert quote.startswith("She added her anger") and quote.endswith("get rid of them.”")


def test_two_sentences_are_quoted_when_one_names_the_subject_and_the_next_gives_the_figure(real_embedder) -> None:
    # The first sentence carries the question's words but no figure; the next states it without leaning back
    # on the first ("According to the document ..."), so neither alone answers.
    quote = _quote(
        real_embedder,
        "004_22b8a23762c7f0ec.txt",
        "A document released to the Observer",
        "of which just 119 were upheld.",
        "How many complaints of sexual abuse against Metropolitan police officers did the released document list?",
    )
    assert quote.startswith("A document released to the Observer") and quote.endswith("of which just 119 were upheld.")


def test_a_two_sentence_quote_does_not_reach_across_a_paragraph_break_to_a_headline(real_embedder) -> None:
    quote = _quote(
        real_embedder,
        "004_22b8a23762c7f0ec.txt",
        "MET OFFICERS disciplined over 119 sexual abuse claims",
        "of which just 119 were upheld.",
        "How many complaints of sexual abuse against Metropolitan police officers did the released document list?",
    )
    assert quote.startswith("A document released to the Observer") and "MET OFFICERS" not in quote


def test_the_sentence_carrying_the_questions_rarer_words_wins_over_the_closer_one_on_the_subject(real_embedder) -> None:
    # The model puts the question nearer the sentence about the murder; the next one carries "case" and "women".
    quote = _quote(
        real_embedder,
        "003_7582e51dae7e9a11.txt",
        "The rape and murder of Sarah Everard in March 2021",
        "something was wrong with the organisation's culture.",
        "How did women react to the Everard case?",
    )
    assert quote.startswith("The case led to protests over police misogyny by women")


def test_the_passage_score_weighs_the_questions_words_less_than_the_choice_of_sentence(real_embedder) -> None:
    text = (SOURCES / "003_7582e51dae7e9a11.txt").read_text(encoding="utf-8")
    doc = Document("003", "003", "003", None, text, "")
    start = text.index("The rape and murder of Sarah Everard in March 2021")
    spans = sentences_in(doc, start, text.index("organisation's culture.") + len("organisation's culture."))
    question = "How did women react to the Everard case?"
    cosines = real_embedder.encode([text[s:e] for s, e in spans]) @ real_embedder.encode([question])[0]
    overlap = lexical_overlap(text, spans, question)
    choice = choose_quote(doc, spans, cosines, question)
    assert choice.score == pytest.approx(float((cosines + SCORE_LEXICAL_WEIGHT * overlap).max()), abs=1e-6)


def test_a_follow_up_quotes_the_words_a_colon_introduces_though_its_passage_ends_at_the_colon(articles) -> None:
    # The ITV passage that ranks first ends at "... and stated:"; the next window holds the quotation.
    first = articles.search("Who leads the unit?", k=10)
    result = articles.ask("What did she say about abusive officers?", [Exchange("Who leads the unit?", first)], k=10)
    quote = result.results[0].quote
    assert quote.text.startswith("She added her anger") and quote.text.endswith("get rid of them.”")
    passage = result.results[0]
    assert passage.start <= quote.start and quote.end <= passage.end


def test_a_follow_ups_quote_is_chosen_by_its_own_words_not_the_subject_it_carries(articles) -> None:
    # Searched as "What does he see ...? inspector concerned about Met treats victims crime": the carried words
    # find Parr's passage, but counted in the choice they would quote the sentence that answered the first turn.
    asked = "Which inspector was concerned about how the Met treats victims of crime?"
    first = articles.search(asked, k=10)
    result = articles.ask("What does he see as one of the Met's fundamental problems?", [Exchange(asked, first)], k=10)
    assert result.query.startswith("What does he see as one of the Met's fundamental problems? inspector")
    assert result.results[0].quote.text.startswith("‘One of the Met’s fundamental problems is")


@pytest.mark.parametrize(
    ("query", "part"),
    [
        ("Who assaulted her? former officer blew whistle Police Scotland", "Who assaulted her"),
        ("Can a packet be sent empty?  If so, is it billable?", "Can a packet be sent empty?  If so, is it billable?"),
        ("And who leads it", "And who leads it"),
        ("? unit", "? unit"),
    ],
)
def test_the_asked_part_of_a_query_ends_at_its_last_question_mark_when_carried_words_follow(query: str, part: str) -> None:
    assert asked_part(query) == part


@pytest.mark.parametrize(
    ("question", "answered", "reason"),
    [
        ("How many allegations is the unit investigating?", True, None),
        ("What is the unit's annual budget?", False, "mentions “annual budget”"),
        ("Will it rain in London tomorrow?", False, "answers this closely"),
    ],
)
def test_nothing_answers_on_real_questions(articles, question: str, answered: bool, reason: str | None) -> None:
    result = articles.search(question)
    assert result.answered is answered
    assert result.reason is None if reason is None else reason in result.reason


def test_of_two_nearly_tied_passages_the_one_whose_quote_states_the_figure_goes_first(real_embedder) -> None:
    from assistant.retrieval import _Candidate, by_quote

    question = "How many of the upheld cases led to officers being removed from the force?"
    unknown = "It has not been revealed, however, home many of the cases were subject to a criminal investigation."
    states = "Of the 119 cases of misconduct upheld by the investigations, 63 led to the ultimate removal of the accused from the police force."
    candidates = []
    for row, (score, text) in enumerate([(0.7558, unknown), (0.7551, states)]):
        doc = Document(f"{row}.txt", f"{row}.txt", "", None, text, "")
        cosine = real_embedder.encode([text]) @ real_embedder.encode([question])[0]
        choice = choose_quote(doc, [(0, len(text))], cosine, question)
        candidates.append(_Candidate(row, score, choice.quote, choice.similarity, choice.score))
    assert [c.row for c in by_quote(candidates, 2.0, 5)] == [1, 0]
    assert [c.row for c in by_quote(candidates, 0.0, 5)] == [0, 1]


@pytest.mark.parametrize(
    ("source", "first", "last", "question", "answer"),
    [
        ("002_91d102806b45131f.txt", "Its worst cases involve rape",
         "Serving police officer Wayne Couzens kidnapped, raped and murdered Sarah Everard in 2021",
         "Who murdered Sarah Everard?", "Wayne Couzens"),
        ("001_3bd223bcd275ebfb.txt", "The Metropolitan Police is investigating more than 600", "as of 18 August.",
         "When was the Daso unit set up?", "set up in January"),
        ("001_3bd223bcd275ebfb.txt", "The Metropolitan Police is investigating more than 600", "as of 18 August.",
         "How many allegations is the unit investigating?", "It was looking into 625 misconduct allegations"),
        ("003_7582e51dae7e9a11.txt", "One of her colleagues, an officer named Scott Gallop", "and now lives in rural Norway.",
         "Where does the whistleblower live now?", "rural Norway"),
    ],
)  # fmt: skip
def test_the_learned_choice_quotes_the_sentence_that_answers_who_when_how_many_and_where(  # type: ignore[no-untyped-def]
    real_embedder, source: str, first: str, last: str, question: str, answer: str
) -> None:
    assert answer in _quote(real_embedder, source, first, last, question, choice="learned")
