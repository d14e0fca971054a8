"""The abstention study's signals on sentences from the shipped articles, and its tally."""

from __future__ import annotations

from assistant.evaluation.abstention_study import RULES, Signals, fit, focus, rare_in_one, says_unknown, sentence_frequencies, tally
from assistant.types import Passage, Quote, SourceRef

UNKNOWN = "It has not been revealed, however, home many of the cases were subject to a criminal investigation."
UPHELD = "Of the 119 cases of misconduct upheld by the investigations, 63 led to the ultimate removal of the accused from the police force."


def _passages(*texts: str) -> list[Passage]:
    source = SourceRef("004.txt", "E", None, "004.txt")
    return [Passage(i, 1.0, 0.5, source, None, 1, t, 0, len(t), Quote(t, 0, len(t))) for i, t in enumerate(texts, 1)]


def test_focus_weighs_what_is_asked_and_leaves_out_the_subject_every_passage_shares() -> None:
    shown = _passages("The unit investigates 625 allegations.", "The unit was formed in January.")
    assert focus("What is the unit's annual budget?", shown) == 0.0  # "unit" is the subject; nothing says "budget"
    assert focus("When was the unit formed?", shown) == 1.0  # the dated sentence carries "formed"
    assert focus("How many allegations does the unit investigate?", shown) == 1.0


def test_a_passage_whose_most_telling_sentence_says_the_figure_is_unknown() -> None:
    question = "How many of the cases were subject to a criminal investigation?"
    assert says_unknown(question, _passages(f"{UPHELD} {UNKNOWN}"))
    assert not says_unknown("How many of the upheld cases led to removal from the force?", _passages(f"{UPHELD} {UNKNOWN}"))


def test_tally_counts_caught_unanswerable_and_hidden_answerable_questions_per_rule() -> None:
    def signals(answerable: bool, similarity: float, verdict: bool = False) -> Signals:
        return Signals(answerable, verdict, False, False, similarity, 1.0, 1.0, 0.9, False, 1.0, 0.0, 1.0, 0.2)

    counts = tally([signals(False, 0.2, True), signals(False, 0.6), signals(True, 0.25), signals(True, 0.7)])
    assert counts["passage similarity < 0.3"] == (1, 2, 1, 2)
    assert counts[next(iter(RULES))] == (1, 2, 0, 2)  # the shipped verdict comes first
    assert counts["verdict before: similarity, coverage, kind and measure"] == (0, 2, 0, 2)
    assert set(counts) == set(RULES)


def test_the_rarest_terms_count_only_in_a_sentence_that_holds_the_kind_asked_for() -> None:
    shown = _passages("The unit was formed in January. Its budget is secret.")
    frequency, sentences = sentence_frequencies([shown[0].text, "The unit is new. The unit has detectives."])
    assert rare_in_one("When was the unit formed?", shown, frequency, sentences) == 1.0
    # "budget" stands in a sentence without a figure, so no sentence gives what is asked beside it
    assert rare_in_one("How big is the unit's budget?", shown, frequency, sentences) == 0.0


def test_a_logistic_model_of_the_signals_is_cut_where_the_gold_set_hides_at_most_one_answerable_question() -> None:
    def signals(answerable: bool, similarity: float) -> Signals:
        return Signals(answerable, False, False, False, similarity, 1.0, 1.0, similarity, False, 1.0, 0.0, 1.0, 0.2)

    gold = [signals(False, 0.2), signals(False, 0.3), signals(True, 0.25), signals(True, 0.6), signals(True, 0.7)]
    model = fit(gold, gold)
    assert model.probability(signals(False, 0.1)) > model.probability(signals(True, 0.8))  # closer reads answered
    assert sum(map(model, [s for s in gold if s.answerable])) <= 1
    assert tally(gold, {"model": model})["model"][2] <= 1
