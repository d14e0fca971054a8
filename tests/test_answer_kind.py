"""What a question asks for and whether a sentence holds it, on sentences from the shipped articles."""

from __future__ import annotations

import pytest

from assistant.answer_kind import BOUND_SHARE, COUNT, WHEN, WHERE, WHO, asked_kind, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who leads the Daso unit?", WHO),
        ("Which inspector was particularly concerned about how the Met treats victims of crime?", WHO),
        ("When was the Daso unit set up?", WHEN),
        ("In what month and year was Sarah Everard killed?", WHEN),
        ("How many allegations is the unit investigating?", COUNT),
        ("What share of 999 calls does the Met answer within 10 seconds?", COUNT),
        ("Where does she live now?", WHERE),
        ("At which police station were the officers in the messages investigation based?", WHERE),
        ("Why was the unit created?", None),
        ("Did Police Scotland ever say sorry?", None),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


WHO_LEADS = "Who leads the Daso unit?"
CLARK = (
    "The Daso unit’s senior leader, Detective Superintendent Annette Clark, said the team possesses experience in "
    "handling abusive crimes:"
)
VOLUNTEERS = "Many of the officers in the task force are women who have volunteered in order to ensure abusive officers are punished."


def test_a_who_question_is_held_by_a_sentence_naming_someone_the_question_does_not() -> None:
    assert holds(WHO, CLARK, WHO_LEADS) == 1.0
    assert holds(WHO, VOLUNTEERS, WHO_LEADS) == 0.0
    # "Daso" is a name, but the question already gives it.
    assert holds(WHO, "The Daso unit is different.", WHO_LEADS) == 0.0


def test_a_when_question_is_held_by_a_sentence_with_a_date() -> None:
    question = "When was the Daso unit set up?"
    set_up = "It is after a new unit- the Domestic and Sexual Offences (Daso) unit, was set up in January to investigate Met officers who have been accused of such offences."
    creation = "The creation of the unit is part of the force's efforts to clean up its image and root out corruption after a series of scandals in the past few years."
    assert holds(WHEN, set_up, question) == 1.0
    assert holds(WHEN, creation, question) == 0.0


def test_a_count_holds_fully_a_bound_by_half_and_a_figure_said_to_be_unknown_not_at_all() -> None:
    question = "How many allegations is the unit investigating?"
    assert holds(COUNT, "It was looking into 625 misconduct allegations, ranging from “inappropriate behaviour” to criminal offences, as of 18 August.", question) == 1.0
    assert holds(COUNT, "The Metropolitan Police is investigating more than 600 sexual and domestic abuse allegations against its own officers.", question) == BOUND_SHARE < 1.0
    unknown = "It has not been revealed, however, home many of the cases were subject to a criminal investigation."
    assert holds(COUNT, unknown, question) == 0.0


def test_a_figure_the_question_already_gives_is_not_the_count_it_asks_for() -> None:
    question = "What share of 999 calls does the Met answer within 10 seconds?"
    assert holds(COUNT, "The force currently answers 63.9% of 999 calls within 10 seconds, against a national target of 90%.", question) == 1.0
    assert holds(COUNT, "The force was graded as ‘inadequate’ in the way it responds to 999 calls.", question) == 0.0


def test_a_where_question_is_held_by_a_place_after_a_preposition() -> None:
    question = "Where does she live now?"
    assert holds(WHERE, "She left the police, Scotland and the UK - and now lives in rural Norway.", question) == 1.0
    assert holds(WHERE, "The whole experience was “devastating”, she says.", question) == 0.0
