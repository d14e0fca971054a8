"""Fit the learned quote choice (sentence_choice.py) on SQuAD's tuning half and write ``assistant/sentence_weights.py``.

``python -m assistant.evaluation.sentence_training --squad FILE [--work DIR]`` indexes the articles (in DIR, reused
when it is there; else a temporary folder), searches every answerable question of the *tuning* half once (10
passages), and computes each returned passage's sentence features exactly as the search does
(``quoting.choice_features``). Each passage whose sentence holds a whole answer span is one training group, that
sentence its answer (more than one when the crowd marked the answer in several). The fit is a conditional logit
(softmax over the group's sentences, so a passage's own score cancels out) with a small L2 penalty, by gradient
descent in numpy on standardised features; the coefficients are written back on the features' own scale. The
held-out half and the gold set are never read here: ``quote_choice_study`` compares the two choices on them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Settings
from ..embedding import SentenceTransformerEmbedder
from ..errors import AssistantError
from ..quoting import KIND_WEIGHT, LEXICAL_WEIGHT, QuoteSource, choice_features
from ..sentence_choice import FEATURES
from ..service import Assistant
from .gold import GoldQuestion
from .harness import Log
from .squad import contains_answer, load_squad, write_corpus

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "sentence_weights.py"
PASSAGES = 10  # the passages the rerank reorders: the quote is chosen in each
PENALTY = 1e-3  # L2, on standardised features: keeps weights of rare signals from running off
STEPS = 3000


@dataclass(frozen=True)
class Groups:
    """Training rows: ``rows[i]`` is a sentence's features, ``group[i]`` its passage, ``answer[i]`` whether it holds
    a whole answer span."""

    rows: np.ndarray
    group: np.ndarray
    answer: np.ndarray
    questions: int


def gather(assistant: Assistant, questions: Sequence[GoldQuestion], log: Log) -> Groups:
    """Search each question once and keep the returned passages whose sentences hold an answer."""
    snapshot = assistant.snapshot
    row_of = {(c.source_id, c.start, c.end): i for i, c in enumerate(snapshot.chunks)}
    rows, answers, used = [], [], 0
    for n, question in enumerate(questions, start=1):
        result = assistant.search(question.question, k=PASSAGES)
        chunk_rows = [row_of[(p.source.id, p.start, p.end)] for p in result.results]
        source_ids = [snapshot.chunks[r].source_id for r in chunk_rows]
        sources = [
            QuoteSource(snapshot.documents[s], sentences, counts)
            for s, sentences, counts in zip(source_ids, snapshot.sentences(chunk_rows), snapshot.document_terms(source_ids), strict=True)
        ]
        found, bounds = choice_features(sources, assistant.embedder.encode([question.question])[0], question.question)
        kept = False
        for i, source in enumerate(sources):
            held = [contains_answer(question, source.doc.id, s, e) for s, e in source.sentences.spans]
            if any(held) and not all(held):
                rows.append(found[bounds[i] : bounds[i + 1]])
                answers.append(np.array(held))
                kept = True
        used += kept
        if n % 100 == 0:
            log(f"{n} of {len(questions)} questions searched")
    group = np.concatenate([np.full(len(a), g) for g, a in enumerate(answers)])
    return Groups(np.concatenate(rows), group, np.concatenate(answers), used)


def fit(groups: Groups, penalty: float = PENALTY, steps: int = STEPS) -> np.ndarray:
    """Coefficients (one per feature, on the features' scale) maximising each group's probability of its answer
    under a softmax over the group's sentences."""
    mean, spread = groups.rows.mean(axis=0), groups.rows.std(axis=0)
    spread[spread == 0] = 1.0
    x = (groups.rows - mean) / spread
    count = int(groups.group.max()) + 1
    weights = np.zeros(x.shape[1])
    velocity = np.zeros_like(weights)
    for _ in range(steps):
        z = x @ weights
        z -= np.maximum.reduceat(z, _starts(groups.group))[groups.group]
        e = np.exp(z)
        total = np.bincount(groups.group, e, minlength=count)
        right = np.bincount(groups.group, e * groups.answer, minlength=count)
        pull = e / total[groups.group] - groups.answer * e / right[groups.group]
        gradient = x.T @ pull / count + 2 * penalty * weights
        velocity = 0.9 * velocity - 0.5 * gradient
        weights += velocity
    return weights / spread


def log_likelihood(groups: Groups, weights: np.ndarray) -> float:
    """Mean log-probability of each group's answer: what ``fit`` raises."""
    z = groups.rows @ weights
    z -= np.maximum.reduceat(z, _starts(groups.group))[groups.group]
    e = np.exp(z)
    count = int(groups.group.max()) + 1
    right = np.bincount(groups.group, e * groups.answer, minlength=count)
    return float(np.mean(np.log(right / np.bincount(groups.group, e, minlength=count))))


def chosen_right(groups: Groups, weights: np.ndarray) -> float:
    """Share of the groups whose highest-scoring sentence (the first, on a tie) holds the answer."""
    scores = groups.rows @ weights
    starts = _starts(groups.group)
    ends = np.r_[starts[1:], len(scores)]
    return float(np.mean([groups.answer[a + int(np.argmax(scores[a:b]))] for a, b in zip(starts, ends, strict=True)]))


def rule_weights() -> np.ndarray:
    """The hand-set rule (quoting.choose_quote) as weights over ``FEATURES``: cosine + lexical + kind terms."""
    weights = np.zeros(len(FEATURES))
    weights[[FEATURES.index("cosine"), FEATURES.index("word_share"), FEATURES.index("kind")]] = 1.0, LEXICAL_WEIGHT, KIND_WEIGHT
    return weights


def _starts(group: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, group[1:] != group[:-1]])


def render_weights(weights: np.ndarray, groups: Groups, command: str) -> str:
    lines = [
        '"""Coefficients of the learned quote choice (sentence_choice.py), one per feature, on the features\' own scale.',
        "",
        f"Generated by `{command}`:",
        f"fitted on SQuAD's tuning half only ({groups.questions} answerable questions, {int(groups.group.max()) + 1} "
        f"passages, {len(groups.rows)} sentences). Do not edit by hand.",
        '"""',
        "",
        "WEIGHTS = {",
        *(f'    "{name}": {value:.6f},' for name, value in zip(FEATURES, weights.tolist(), strict=True)),
        "}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.evaluation.sentence_training", description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, required=True, metavar="FILE", help="the SQuAD 2.0 tuning file")
    parser.add_argument("--work", type=Path, metavar="DIR", help="index the articles here and reuse them (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="where the coefficients go (default assistant/sentence_weights.py)")
    args = parser.parse_args(argv)
    log: Log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    try:
        squad = load_squad(args.squad)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="assistant-train-") as tmp:
        work = args.work or Path(tmp)
        write_corpus(squad, work / "sources")
        # The evaluation's embedder (evaluation/cli.py), so the features are those its figures are measured with.
        assistant = Assistant(sources_dir=work / "sources", index_dir=work / "index", embedder=SentenceTransformerEmbedder(Settings().model))
        assistant.refresh()
        questions = [q for q in squad.questions("tune") if q.answerable]
        groups = gather(assistant, questions, log)
    weights = fit(groups)
    log(f"mean log-likelihood of the answer: {log_likelihood(groups, np.zeros(len(FEATURES))):.3f} uniform, "
        f"{log_likelihood(groups, weights):.3f} fitted")
    log(f"the passage's answering sentence chosen: {chosen_right(groups, rule_weights()):.3f} by the rule, "
        f"{chosen_right(groups, weights):.3f} by the fit (the tuning half's groups)")
    args.out.write_text(render_weights(weights, groups, f"python -m assistant.evaluation.sentence_training --squad {args.squad.name}"), encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
