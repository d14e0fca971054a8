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
from ..answerability import assess
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
    similarity: float  # best passage cosine (the verdict's first test)
    coverage: float  # share of the question's terms the passages carry together (its second)
    focus: float  # see ``focus``
    sentence_cosine: float  # best cosine of a stored sentence that holds the kind asked for
    says_unknown: bool  # see ``says_unknown``


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


def says_unknown(question: str, passages: Sequence[Passage]) -> bool:
    """The sentence that carries most of the question's rare words says the sources do not know it."""
    best, text = 0.0, ""
    for p in passages:
        spans = sentence_spans(p.text)
        for (s, e), share in zip(spans, lexical_overlap(p.text, spans, question), strict=True):
            if share > best:
                best, text = float(share), p.text[s:e]
    return bool(_UNKNOWN.search(text))


RULES: dict[str, Callable[[Signals], bool]] = {
    "shipped verdict (similarity 0.18, coverage 0.4, kind)": lambda s: s.verdict,
    **{f"passage similarity < {t}": (lambda s, t=t: s.similarity < t) for t in (0.3, 0.35, 0.4)},
    **{f"term coverage < {t}": (lambda s, t=t: s.coverage < t) for t in (0.5, 0.6, 0.7)},
    **{f"focus < {t}": (lambda s, t=t: s.focus < t) for t in (0.1, 0.2, 0.3)},
    **{f"sentence cosine < {t}": (lambda s, t=t: s.sentence_cosine < t) for t in (0.4, 0.45, 0.5)},
    "focus < 0.3 and sentence cosine < 0.5": lambda s: s.focus < 0.3 and s.sentence_cosine < 0.5,
    "a sentence says it is unknown": lambda s: s.says_unknown,
}


def measure(assistant: Assistant, gold: GoldSet, questions: Sequence[GoldQuestion] | None = None) -> list[Signals]:
    """Search each question as the app does and read its signals."""
    asked = ask_all(assistant, gold, "hybrid", k=AnswerSettings.within, questions=questions)
    rows = {(chunk.source_id, chunk.start, chunk.end): row for row, chunk in assistant.snapshot.chunk_rows()}
    answerable = {q.id: q.answerable for q in gold.questions}
    out = []
    for qid, a in asked.items():
        shown = a.result.results[: AnswerSettings.within]
        out.append(
            Signals(
                answerable=answerable[qid],
                verdict=assess(a.query, shown, AnswerSettings()) is not None,
                similarity=max((p.similarity for p in shown), default=0.0),
                coverage=_coverage(a.query, shown),
                focus=focus(a.query, shown),
                sentence_cosine=_sentence_cosine(assistant, rows, a.query, shown),
                says_unknown=says_unknown(a.query, shown),
            )
        )
    return out


def _coverage(question: str, passages: Sequence[Passage]) -> float:
    wanted = set(terms(question))
    carried = {t for p in passages for t in terms(p.text)}
    return len(wanted & carried) / len(wanted) if wanted else 1.0


def _sentence_cosine(
    assistant: Assistant, rows: Mapping[tuple[str, int, int], int], question: str, passages: Sequence[Passage]
) -> float:
    if not passages:
        return 0.0
    vector = assistant.embedder.encode([question])[0]
    kind = asked_kind(question)
    best = 0.0
    for p, stored in zip(passages, assistant.snapshot.sentences([rows[(p.source.id, p.start, p.end)] for p in passages]), strict=True):
        text = assistant.snapshot.documents[p.source.id].text
        cosines = np.asarray(stored.vectors, dtype=np.float32) @ vector
        for (s, e), cosine in zip(stored.spans, cosines, strict=True):
            if kind is None or holds(kind, text[s:e], question) > 0:
                best = max(best, float(cosine))
    return best


def tally(signals: Sequence[Signals]) -> dict[str, tuple[int, int, int, int]]:
    """Per rule: (unanswerable caught, unanswerable, answerable hidden, answerable)."""
    unanswerable = [s for s in signals if not s.answerable]
    answerable = [s for s in signals if s.answerable]
    return {
        name: (sum(map(rule, unanswerable)), len(unanswerable), sum(map(rule, answerable)), len(answerable))
        for name, rule in RULES.items()
    }


def render(tallies: Mapping[str, Mapping[str, tuple[int, int, int, int]]], command: str) -> str:
    """The study's table: each rule's catch and cost on each question set, recall beside the hidden share."""
    sets = list(tallies)
    rows = []
    for name in RULES:
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
            "- *term coverage*: share of the question's terms (stemmed, stop and question words out) the passages "
            "carry together; *focus*: IDF-weighted share of its content terms (subject words every passage shares "
            "left out) in the best sentence that holds the kind of answer asked for; *sentence cosine*: the best "
            "stored sentence vector's cosine among sentences holding that kind; *says unknown*: the sentence "
            "carrying most of the question's rare words says the figure is not revealed, disclosed or known.",
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
    tallies = {}
    with tempfile.TemporaryDirectory(prefix="assistant-abstention-") as tmp:
        articles = Assistant(sources_dir=Path("sources"), index_dir=Path(tmp) / "gold", embedder=embedder)
        articles.refresh()
        tallies["gold"] = tally(measure(articles, load_gold(articles.snapshot.documents, DEFAULT_GOLD)))
        squad = load_squad(args.squad)
        write_corpus(squad, Path(tmp) / "squad")
        squad_articles = Assistant(sources_dir=Path(tmp) / "squad", index_dir=Path(tmp) / "squad-index", embedder=embedder)
        squad_articles.refresh()
        for half in HALVES:
            tallies[f"SQuAD {half}"] = tally(measure(squad_articles, squad.gold, squad.questions(half, args.limit)))
            print(f"SQuAD {half} done", file=sys.stderr)
    sample = f" --limit {args.limit}" if args.limit else ""
    command = f"python -m assistant.evaluation.abstention_study --squad {args.squad.name}{sample}"
    args.out.write_text(render(tallies, command), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
