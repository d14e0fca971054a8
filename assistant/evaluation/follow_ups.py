"""Follow-up chains: each chain asked turn by turn through ``Assistant.ask`` with the conversation so far,
exactly as the chat and the CLI's ``chat`` ask it, and each follow-up also asked without its history, both as
written and in its standalone wording.

``python -m assistant eval --follow-ups`` writes ``eval/follow-ups.md``. The chains are in
``eval/follow_ups.toml`` (the gold format, plus ``standalone`` and ``held_out``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..service import Assistant
from ..types import Exchange, SearchResult
from .gold import EVAL_DIR, GoldError, GoldQuestion, GoldSet, load_gold
from .metrics import quote_accuracy, ranking
from .qrels import gold_qrels, gold_run
from .tables import markdown_table

DEFAULT_CHAINS = EVAL_DIR / "follow_ups.toml"
DEPTH = 10
WAYS = ("in the conversation", "as written, alone", "standalone wording")
GROUPS = ("tuned on", "held out", "all")


@dataclass(frozen=True)
class FollowUp:
    question: GoldQuestion  # its ``previous`` is the turn before it
    standalone: str  # the same question written to stand alone
    held_out: bool


@dataclass(frozen=True)
class Chains:
    gold: GoldSet  # every turn, first turns included
    follow_ups: tuple[FollowUp, ...]


@dataclass(frozen=True)
class FollowUpFigures:
    group: str
    way: str
    questions: int
    recall_1: float
    recall_5: float
    quote_accuracy: float


def load_chains(assistant: Assistant, path: Path = DEFAULT_CHAINS) -> Chains:
    """The chains' turns with their answers resolved in the index's documents; each follow-up needs ``standalone``."""
    gold = load_gold(assistant.snapshot.documents, path)
    rows = {row["id"]: row for row in tomllib.loads(path.read_text(encoding="utf-8"))["question"]}
    follow_ups = []
    for question in gold.follow_ups:
        standalone = rows[question.id].get("standalone")
        if not isinstance(standalone, str) or not standalone.strip():
            raise GoldError(f"{path}: question {question.id!r}: a follow-up needs 'standalone', its self-contained wording")
        follow_ups.append(FollowUp(question, standalone.strip(), rows[question.id].get("held_out") is True))
    return Chains(gold, tuple(follow_ups))


def ask_chains(assistant: Assistant, gold: GoldSet, k: int = DEPTH) -> dict[str, SearchResult]:
    """Every turn asked through ``Assistant.ask`` with the turns of its chain before it as history."""
    answers: dict[str, SearchResult] = {}
    for question in gold.questions:
        history = []
        earlier = question.previous
        while earlier is not None:
            history.insert(0, Exchange(gold[earlier].question, answers[earlier]))
            earlier = gold[earlier].previous
        answers[question.id] = assistant.ask(question.question, history, k=k)
    return answers


def measure(assistant: Assistant, chains: Chains, k: int = DEPTH) -> list[FollowUpFigures]:
    """Recall@1, recall@5 and quote accuracy of the follow-ups, each way (``WAYS``) and group (``GROUPS``)."""
    in_conversation = ask_chains(assistant, chains.gold, k)
    alone = {f.question.id: assistant.search(f.question.question, k=k) for f in chains.follow_ups}
    standalone = {f.question.id: assistant.search(f.standalone, k=k) for f in chains.follow_ups}
    figures = []
    for group in GROUPS:
        chosen = [f for f in chains.follow_ups if group == "all" or f.held_out == (group == "held out")]
        for way, results in zip(WAYS, (in_conversation, alone, standalone), strict=True):
            figures.append(_figures(group, way, {f.question.id: results[f.question.id] for f in chosen}, chains.gold))
    return figures


def _figures(group: str, way: str, results: Mapping[str, SearchResult], gold: GoldSet) -> FollowUpFigures:
    subset = GoldSet(tuple(q for q in gold.questions if q.id in results))
    scores = ranking(gold_qrels(subset), gold_run(results, subset), ("recall@1", "recall@5"))
    return FollowUpFigures(
        group, way, len(results), scores["recall@1"], scores["recall@5"], quote_accuracy(results, subset)
    )


def render(figures: Sequence[FollowUpFigures], load: str) -> str:
    """``eval/follow-ups.md``: the figures with the command that made them."""
    rows = [(f.group, f.way, f.questions, f.recall_1, f.recall_5, f.quote_accuracy) for f in figures]
    gaps = {f.group: f for f in figures if f.way == WAYS[2]}
    lines = [
        f"- {f.group}: quote accuracy in the conversation {f.quote_accuracy:.3f} against {gaps[f.group].quote_accuracy:.3f} "
        f"standalone (gap {gaps[f.group].quote_accuracy - f.quote_accuracy:+.3f}; target within 0.10)"
        for f in figures
        if f.way == WAYS[0]
    ]
    return "\n".join(
        [
            "# Follow-ups: the shipped conversation against the same questions asked standalone",
            "",
            "Made by `python -m assistant eval --follow-ups` (all-MiniLM-L6-v2, hybrid, the default settings, the shipped "
            f"articles; load average {load}). The chains are `eval/follow_ups.toml`: each turn is asked through "
            "`Assistant.ask` with the turns before it as history, as the chat and `python -m assistant chat` ask it "
            "(assistant/conversation.py). Each follow-up is also asked with no history, as written (\"And who leads "
            "it?\") and in its standalone wording (\"Who leads the Daso unit?\"). The held-out chains were written "
            "with the others but not run while the resolution was tuned.",
            "",
            "- recall@k: an answer span overlaps one of the first k passages (or their \"also in\" quotes);",
            "- quote accuracy: the first passage's quote overlaps an answer span.",
            "",
            markdown_table(["chains", "asked", "follow-ups", "recall@1", "recall@5", "quote accuracy"], rows),
            "",
            *lines,
            "",
        ]
    )
