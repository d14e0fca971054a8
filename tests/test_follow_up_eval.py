"""The follow-up chains are measured through the conversation the chat ships, beside the same questions standalone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.conversation import resolve
from assistant.evaluation.follow_ups import DEFAULT_CHAINS, GROUPS, WAYS, ask_chains, load_chains, measure, render
from assistant.evaluation.gold import GoldError
from assistant.types import Exchange
from tests.conftest import FakeEmbedder

SOURCES = Path(__file__).resolve().parent.parent / "sources"


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("follow-ups")
    shutil.copytree(SOURCES, root / "sources")
    assistant = Assistant(sources_dir=root / "sources", index_dir=root / "index", embedder=FakeEmbedder())
    assistant.refresh()
    return assistant


def test_the_shipped_chains_hold_at_least_twenty_follow_ups_some_held_out(articles: Assistant) -> None:
    chains = load_chains(articles)
    assert len(chains.follow_ups) >= 20
    assert 0 < sum(f.held_out for f in chains.follow_ups) < len(chains.follow_ups)
    assert all(f.question.answerable and f.standalone != f.question.question for f in chains.follow_ups)


def test_each_turn_is_asked_with_the_turns_before_it_as_the_chat_asks_it(articles: Assistant) -> None:
    chains = load_chains(articles)
    answers = ask_chains(articles, chains.gold, k=3)
    third = chains.gold["allegations-leader-3"]
    history = [Exchange(chains.gold[qid].question, answers[qid]) for qid in ("allegations-leader-1", "allegations-leader-2")]
    assert answers[third.id].query == resolve(third.question, history)
    assert answers["allegations-leader-1"].query == "How many allegations is the unit investigating?"


def test_the_report_gives_each_group_each_way_and_the_gap_to_standalone(articles: Assistant) -> None:
    figures = measure(articles, load_chains(articles), k=5)
    assert [(f.group, f.way) for f in figures] == [(g, w) for g in GROUPS for w in WAYS]
    counts = {f.group: f.questions for f in figures}
    assert counts["all"] == counts["tuned on"] + counts["held out"]
    assert all(0.0 <= v <= 1.0 for f in figures for v in (f.recall_1, f.recall_5, f.quote_accuracy))
    text = render(figures, "1.0, 1.0, 1.0")
    assert "python -m assistant eval --follow-ups" in text and "target within 0.10" in text


def test_a_follow_up_without_its_standalone_wording_is_refused_by_name(articles: Assistant, tmp_path: Path) -> None:
    text = DEFAULT_CHAINS.read_text(encoding="utf-8").replace('standalone = "Who leads the Daso unit?"\n', "", 1)
    broken = tmp_path / "chains.toml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(GoldError, match="allegations-leader-2.*'standalone'"):
        load_chains(articles, broken)
