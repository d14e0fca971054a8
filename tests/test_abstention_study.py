"""The abstention study's signals on sentences from the shipped articles, and its tally."""

from __future__ import annotations

from assistant.evaluation.abstention_study import RULES, Signals, focus, says_unknown, tally
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
    def signals(answerable: bool, similarity: float) -> Signals:
        return Signals(answerable, False, similarity, 1.0, 1.0, 0.9, False)

    counts = tally([signals(False, 0.2), signals(False, 0.6), signals(True, 0.25), signals(True, 0.7)])
    assert counts["passage similarity < 0.3"] == (1, 2, 1, 2)
    assert counts["shipped verdict (similarity 0.18, coverage 0.4, kind)"] == (0, 2, 0, 2)
    assert set(counts) == set(RULES)
