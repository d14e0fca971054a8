"""Which signal tells an on-topic question the sources cannot answer from one they can: the study behind the
"nothing answers" verdict (assistant/answerability.py), written to eval/abstention-study.md.

``python -m assistant.evaluation.abstention_study --squad FILE [--limit N]`` searches the gold questions over
the shipped articles and each SQuAD half over its articles, as the app does (hybrid, the default settings),
and counts for each candidate rule the unanswerable questions it catches and the answerable ones it hides.
Every signal is read from what a search already has: its passages, their quotes, and the sentence vectors
the index stores (the study encodes only the question, as the search does). A rule is worth shipping only
when it separates on SQuAD as on the gold set: the gold set's answerable questions were written by us.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..answer_kind import asked_kind, holds
from ..answer_measure import asked_measure, gives_measure
from ..answerability import assess
from ..candidates import find_candidates
from ..config import AnswerSettings
from ..quoting import lexical_overlap, terms
from ..segmentation import sentence_spans
from ..service import Assistant
from ..types import Passage
from .gold import DEFAULT_GOLD, EVAL_DIR, GoldQuestion, GoldSet, load_gold
from .harness import ask_all
from .squad import HALVES, load_squad, write_corpus
from .tables import markdown_table

STUDY = EVAL_DIR / "abstention-study.md"
# A sentence saying the sources do not know what is asked ("It has not been revealed, however, how many ...").
_UNKNOWN = re.compile(
    r"\b(not|never) (been |yet been |be )?(revealed|disclosed|made public|confirmed|released|known|specified)\b"
    r"|\b(undisclosed|unknown|unclear|declined to (say|reveal|disclose))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Signals:
    """One searched question: whether it is answerable, and each candidate signal of its first passages."""

    answerable: bool
    verdict: bool  # the shipped verdict says nothing answers
    before: bool  # the verdict's first three tests (similarity, term coverage, kind and measure), as shipped before the fourth
    no_measure: bool  # the question asks for a measure (money, a length, a count of something) no sentence gives
    similarity: float  # best passage cosine (the verdict's first test)
    coverage: float  # share of the question's terms the passages carry together (its second)
    focus: float  # see ``focus``
    sentence_cosine: float  # best cosine of a stored sentence that holds the kind asked for (the fourth test)
    says_unknown: bool  # see ``says_unknown``
    rare_in_one: float  # see ``rare_in_one``
    absent: float  # share of the question's terms that no sentence of the whole corpus holds
    agreement: float  # share of the dense side's first 5 chunks that BM25's first 5 hold too
    gap: float  # the best passage similarity less the 5th's


def focus(question: str, passages: Sequence[Passage]) -> float:
    """The IDF-weighted share of the question's content terms that the best sentence holding the kind of answer
    asked for carries. Subject words every passage shares are left out (they say what the story is about, not
    what is asked); IDF is over the passages' sentences, so a rarely used word weighs more."""
    carried = [set(terms(p.text)) for p in passages]
    wanted = [t for t in dict.fromkeys(terms(question)) if not all(t in c for c in carried)]
    sentences = [p.text[s:e] for p in passages for s, e in sentence_spans(p.text)]
    if not wanted or not sentences:
        return 1.0
    df = Counter(t for s in sentences for t in set(terms(s)))
    weight = {t: math.log1p(len(sentences) / (df[t] or 0.5)) for t in wanted}
    kind = asked_kind(question)
    held = [set(terms(s)) for s in sentences if kind is None or holds(kind, s, question) > 0]
    return max((sum(weight[t] for t in wanted if t in s) for s in held), default=0.0) / sum(weight.values())


def rare_in_one(question: str, passages: Sequence[Passage], frequency: Mapping[str, int], sentences: int) -> float:
    """How much of the question's two rarest terms (IDF over every sentence of the corpus) one sentence of the
    passages that holds the kind of answer asked for carries, IDF-weighted: 1 when one sentence names both beside
    an answer of that kind."""
    idf = {t: math.log((sentences + 1) / (frequency.get(t, 0) + 0.5)) for t in dict.fromkeys(terms(question))}
    rarest = sorted(idf, key=idf.__getitem__, reverse=True)[:2]
    if not rarest:
        return 1.0
    kind = asked_kind(question)
    best = 0.0
    for p in passages:
        for s, e in sentence_spans(p.text):
            if kind is None or holds(kind, p.text[s:e], question) > 0:
                held = set(terms(p.text[s:e]))
                best = max(best, sum(idf[t] for t in rarest if t in held) / sum(idf[t] for t in rarest))
    return best


def sentence_frequencies(documents: Sequence[str]) -> tuple[Counter[str], int]:
    """How many sentences of the corpus hold each term, and how many sentences it has."""
    frequency: Counter[str] = Counter()
    count = 0
    for text in documents:
        for s, e in sentence_spans(text):
            frequency.update(set(terms(text[s:e])))
            count += 1
    return frequency, count


def says_unknown(question: str, passages: Sequence[Passage]) -> bool:
    """The sentence that carries most of the question's rare words says the sources do not know it."""
    best, text = 0.0, ""
    for p in passages:
        spans = sentence_spans(p.text)
        for (s, e), share in zip(spans, lexical_overlap(p.text, spans, question), strict=True):
            if share > best:
                best, text = float(share), p.text[s:e]
    return bool(_UNKNOWN.search(text))


_SHIPPED = AnswerSettings()
RULES: dict[str, Callable[[Signals], bool]] = {
    f"shipped verdict (similarity {_SHIPPED.abstain_below}, coverage {_SHIPPED.min_term_coverage}, kind and measure, "
    f"on subject {_SHIPPED.on_subject} & sentence cosine < {_SHIPPED.min_sentence_similarity})": lambda s: s.verdict,
    "verdict before: similarity, coverage, kind and measure": lambda s: s.before,
    "no sentence gives the measure asked (money, a length, a count of what is asked)": lambda s: s.no_measure,
    **{f"passage similarity < {t}": (lambda s, t=t: s.similarity < t) for t in (0.3, 0.35, 0.4)},
    **{f"term coverage < {t}": (lambda s, t=t: s.coverage < t) for t in (0.5, 0.6, 0.7)},
    **{f"focus < {t}": (lambda s, t=t: s.focus < t) for t in (0.1, 0.2, 0.3)},
    **{f"sentence cosine < {t}": (lambda s, t=t: s.sentence_cosine < t) for t in (0.4, 0.45, 0.5)},
    "focus < 0.3 and sentence cosine < 0.5": lambda s: s.focus < 0.3 and s.sentence_cosine < 0.5,
    **{
        f"before, or similarity >= {o} and sentence cosine < {t}": (
            lambda s, o=o, t=t: s.before or (s.similarity >= o and s.sentence_cosine < t)
        )
        for o, t in ((0.35, 0.45), (0.4, 0.42), (0.4, 0.48), (0.45, 0.45))
    },
    "a sentence says it is unknown": lambda s: s.says_unknown,
    **{f"rarest two terms in one sentence with the kind < {t}": (lambda s, t=t: s.rare_in_one < t) for t in (0.3, 0.5)},
    **{f"terms absent from the corpus >= {t}": (lambda s, t=t: s.absent >= t) for t in (0.25, 0.4)},
    **{f"dense and BM25 first 5 share <= {t}": (lambda s, t=t: s.agreement <= t) for t in (0.0, 0.2)},
    **{f"similarity gap, best to 5th < {t}": (lambda s, t=t: s.gap < t) for t in (0.05, 0.1)},
}


def measure(assistant: Assistant, gold: GoldSet, questions: Sequence[GoldQuestion] | None = None) -> list[Signals]:
    """Search each question as the app does and read its signals."""
    asked = ask_all(assistant, gold, "hybrid", k=AnswerSettings.within, questions=questions)
    answerable = {q.id: q.answerable for q in gold.questions}
    frequency, sentences = sentence_frequencies([doc.text for doc in assistant.snapshot.documents.values()])
    before = AnswerSettings(on_subject=1.0)  # the fourth test never applies
    out = []
    for qid, a in asked.items():
        shown = a.result.results[: AnswerSettings.within]
        wanted = set(terms(a.query))
        out.append(
            Signals(
                answerable=answerable[qid],
                verdict=not a.result.answered,
                before=assess(a.query, shown, before) is not None,
                no_measure=_no_measure(a.query, shown),
                similarity=max((p.similarity for p in shown), default=0.0),
                coverage=_coverage(a.query, shown),
                focus=focus(a.query, shown),
                sentence_cosine=max((p.sentence_similarity or -1.0 for p in shown), default=-1.0),
                says_unknown=says_unknown(a.query, shown),
                rare_in_one=rare_in_one(a.query, shown, frequency, sentences),
                absent=sum(frequency[t] == 0 for t in wanted) / len(wanted) if wanted else 0.0,
                agreement=_agreement(assistant, a.query),
                gap=max(p.similarity for p in shown) - min(p.similarity for p in shown) if shown else 0.0,
            )
        )
    return out


def _agreement(assistant: Assistant, question: str) -> float:
    within = AnswerSettings.within
    vector = assistant.embedder.encode([question])[0]
    found = find_candidates(assistant.snapshot, question, vector, within, assistant.settings.search)
    return len({row for row, _ in found.dense} & {row for row, _ in found.sparse}) / within


def _no_measure(question: str, passages: Sequence[Passage]) -> bool:
    """The verdict's measure test alone, read as ``answerability.assess`` reads it."""
    measure = asked_measure(question)
    return measure is not None and not any(gives_measure(measure, p.text, question) for p in passages)


def _coverage(question: str, passages: Sequence[Passage]) -> float:
    wanted = set(terms(question))
    carried = {t for p in passages for t in terms(p.text)}
    return len(wanted & carried) / len(wanted) if wanted else 1.0


# The signals a combined rule weighs together, each a number of ``Signals``.
COMBINED = ("similarity", "coverage", "focus", "sentence_cosine", "rare_in_one", "absent", "agreement", "gap")


@dataclass(frozen=True)
class Logistic:
    """A logistic model over the ``COMBINED`` signals (standardised): says nothing answers above ``cut``."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    cut: float

    def probability(self, signals: Signals) -> float:
        x = (_row(signals) - self.mean) / self.scale
        return float(1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias))))

    def __call__(self, signals: Signals) -> bool:
        return self.probability(signals) > self.cut


def fit(train: Sequence[Signals], gold: Sequence[Signals], *, steps: int = 3000, l2: float = 0.01) -> Logistic:
    """A logistic model fitted on ``train`` by gradient descent on the mean log loss (plus ``l2`` times the squared
    weights), cut at the lowest probability above which ``gold`` hides at most one answerable question: the
    issue's bar, so its catch compares with the single rules' at that cost."""
    x = np.array([_row(s) for s in train])
    y = np.array([not s.answerable for s in train], dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    x = (x - mean) / scale
    weights, bias = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        error = 1.0 / (1.0 + np.exp(-(x @ weights + bias))) - y
        weights -= 0.5 * (x.T @ error / len(y) + l2 * weights)
        bias -= 0.5 * float(error.mean())
    model = Logistic(mean, scale, weights, bias, 1.0)
    answerable = sorted(model.probability(s) for s in gold if s.answerable)
    return Logistic(mean, scale, weights, bias, answerable[-2] if len(answerable) > 1 else 1.0)


def _row(signals: Signals) -> np.ndarray:
    return np.array([float(getattr(signals, name)) for name in COMBINED])


def tally(signals: Sequence[Signals], rules: Mapping[str, Callable[[Signals], bool]] = RULES) -> dict[str, tuple[int, int, int, int]]:
    """Per rule: (unanswerable caught, unanswerable, answerable hidden, answerable)."""
    unanswerable = [s for s in signals if not s.answerable]
    answerable = [s for s in signals if s.answerable]
    return {
        name: (sum(map(rule, unanswerable)), len(unanswerable), sum(map(rule, answerable)), len(answerable))
        for name, rule in rules.items()
    }


def render(tallies: Mapping[str, Mapping[str, tuple[int, int, int, int]]], command: str) -> str:
    """The study's table: each rule's catch and cost on each question set, recall beside the hidden share."""
    sets = list(tallies)
    rows = []
    for name in tallies[sets[0]]:
        cells = []
        for which in sets:
            caught, unanswerable, hidden, answerable = tallies[which][name]
            cells.append(f"{caught}/{unanswerable} ({caught / max(unanswerable, 1):.2f}) · {hidden}/{answerable} ({hidden / max(answerable, 1):.2f})")
        rows.append((name, *cells))
    headers = ["rule: nothing answers when …", *(f"{w}: caught · hidden" for w in sets)]
    return "\n".join(
        [
            "# Nothing answers: which signal separates",
            "",
            f"Made by `{command}`. Each question searched as the app does (hybrid, default settings, first "
            f"{AnswerSettings.within} passages). *caught* = unanswerable questions the rule says nothing answers "
            "(recall); *hidden* = answerable ones it would hide. A signal is useful only where the two shares "
            "differ on SQuAD as well as on the gold set.",
            "",
            markdown_table(headers, rows),
            "",
            "- *measure*: money for a budget or a salary, a length of time or distance for \"how long\", the thing "
            "counted for \"how many officers\" (assistant/answer_measure.py), looked for in every sentence of the "
            "first passages; *term coverage*: share of the question's terms (stemmed, stop and question words out) the passages "
            "carry together; *focus*: IDF-weighted share of its content terms (subject words every passage shares "
            "left out) in the best sentence that holds the kind of answer asked for; *sentence cosine*: the best "
            "stored sentence vector's cosine among sentences holding that kind (`Passage.sentence_similarity`, the "
            "verdict's fourth test, with *similarity*, the best passage cosine, saying the passages are on the "
            "subject); *says unknown*: the sentence carrying most of the question's rare words says the figure is "
            "not revealed, disclosed or known; *rarest two terms in one sentence with the kind*: IDF-weighted share "
            "(IDF over the corpus's sentences) of the question's two rarest terms that one sentence holding the kind "
            "carries; *terms absent from the corpus*: share of the question's terms no sentence of the corpus holds; "
            "*dense and BM25 first 5 share*: how many of the dense side's first 5 chunks BM25's first 5 hold too, as "
            f"a share; *similarity gap*: best passage cosine less the 5th's; *logistic model*: {', '.join(COMBINED)} "
            "weighed together (assistant/evaluation/abstention_study.py, ``fit``), fitted on the gold set and the "
            "SQuAD tuning half and checked on the held-out half.",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    from .cli import _embedder

    parser = argparse.ArgumentParser(prog="python -m assistant.evaluation.abstention_study", description=__doc__)
    parser.add_argument("--squad", type=Path, required=True, metavar="FILE", help="the SQuAD 2.0 file")
    parser.add_argument("--limit", type=int, metavar="N", help="a deterministic sample of N questions per half")
    parser.add_argument("--out", type=Path, default=STUDY, help="where to write (default eval/abstention-study.md)")
    args = parser.parse_args(argv)
    embedder = _embedder()
    measured = {}
    with tempfile.TemporaryDirectory(prefix="assistant-abstention-") as tmp:
        articles = Assistant(sources_dir=Path("sources"), index_dir=Path(tmp) / "gold", embedder=embedder)
        articles.refresh()
        measured["gold"] = measure(articles, load_gold(articles.snapshot.documents, DEFAULT_GOLD))
        squad = load_squad(args.squad)
        write_corpus(squad, Path(tmp) / "squad")
        squad_articles = Assistant(sources_dir=Path(tmp) / "squad", index_dir=Path(tmp) / "squad-index", embedder=embedder)
        squad_articles.refresh()
        for half in HALVES:
            measured[f"SQuAD {half}"] = measure(squad_articles, squad.gold, squad.questions(half, args.limit))
            print(f"SQuAD {half} done", file=sys.stderr)
    combined = f"logistic model of {len(COMBINED)} signals (fitted on gold + SQuAD tune; cut: gold hides at most 1)"
    rules = {**RULES, combined: fit(measured["gold"] + measured[f"SQuAD {HALVES[0]}"], measured["gold"])}
    tallies = {which: tally(signals, rules) for which, signals in measured.items()}
    sample = f" --limit {args.limit}" if args.limit else ""
    command = f"python -m assistant.evaluation.abstention_study --squad {args.squad.name}{sample}"
    args.out.write_text(render(tallies, command), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
