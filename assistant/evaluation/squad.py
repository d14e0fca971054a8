"""SQuAD 2.0 as a second gold source: text nobody on this project wrote, with crowd-marked answer spans.

The corpus is built as the product would see it: one file per article, one paragraph per line, so
each answer's ``answer_start`` (an offset into its paragraph) maps to an offset into the file. The
questions become a ``GoldSet`` and go through the same harness as ``eval/gold.toml``; SQuAD's
``is_impossible`` questions (on-topic, written to look answerable) are its unanswerable ones.

Half the articles tune, the other half are held out (``HALVES``): a rule that only helps the tuning
half shows up as a gap between the two.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .gold import AnswerSpan, GoldError, GoldQuestion, GoldSet

HALVES = ("tune", "held-out")
_UNSAFE = re.compile(r"[^\w-]+")


@dataclass(frozen=True)
class SquadArticle:
    """One article as a file: its name in the corpus folder, its text, and the half it belongs to."""

    file: str
    title: str
    text: str
    half: str


@dataclass(frozen=True)
class SquadSet:
    articles: tuple[SquadArticle, ...]
    gold: GoldSet
    half: Mapping[str, str]  # question id -> "tune" | "held-out"

    def questions(self, half: str, limit: int | None = None) -> list[GoldQuestion]:
        """The questions of one half; with ``limit``, a deterministic sample of that many (by hashed id)."""
        chosen = [q for q in self.gold.questions if self.half[q.id] == half]
        if limit is not None:
            chosen = sorted(chosen, key=lambda q: hashlib.sha256(q.id.encode()).hexdigest())[:limit]
        return chosen


def load_squad(path: Path | str) -> SquadSet:
    """Read a SQuAD 2.0 JSON file; articles alternate between the halves (first to "tune")."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["data"]
        if not isinstance(rows, list) or not rows:
            raise ValueError("'data' is empty")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GoldError(f"{path}: not a SQuAD 2.0 file ({error})") from None
    articles, questions, half = [], [], {}
    for number, row in enumerate(rows):
        where = f"{path}: article {number + 1}"
        article, article_questions = _article(row, number, where)
        articles.append(article)
        for question in article_questions:
            if question.id in half:
                raise GoldError(f"{where}: question id {question.id!r} is used twice")
            half[question.id] = article.half
            questions.append(question)
    return SquadSet(tuple(articles), GoldSet(tuple(questions)), half)


def write_corpus(squad: SquadSet, folder: Path) -> None:
    """Write each article as ``folder/<file>``: the sources folder an ``Assistant`` indexes."""
    folder.mkdir(parents=True, exist_ok=True)
    for article in squad.articles:
        (folder / article.file).write_text(article.text, encoding="utf-8", newline="")


def _article(row: Any, number: int, where: str) -> tuple[SquadArticle, list[GoldQuestion]]:
    try:
        title = str(row["title"])
        paragraphs = row["paragraphs"]
        contexts = [str(p["context"]) for p in paragraphs]
    except (KeyError, TypeError) as error:
        raise GoldError(f"{where}: needs 'title' and 'paragraphs' with a 'context' each ({error!r})") from None
    if any("\n" in c or "\r" in c for c in contexts):
        raise GoldError(f"{where}: a paragraph holds a line break, so one paragraph per line would split it")
    file = f"{number:02d}_{_UNSAFE.sub('_', title)[:60]}.txt"
    starts, offset = [], 0
    for context in contexts:
        starts.append(offset)
        offset += len(context) + 1  # the line break that ends the paragraph
    questions = [
        _question(qa, file, context, start, f"{where}, paragraph {p + 1}")
        for p, (paragraph, context, start) in enumerate(zip(paragraphs, contexts, starts, strict=True))
        for qa in paragraph.get("qas", [])
    ]
    article = SquadArticle(file, title, "\n".join(contexts) + "\n", HALVES[number % 2])
    return article, questions


def _question(qa: Any, file: str, context: str, offset: int, where: str) -> GoldQuestion:
    try:
        qid, text, impossible = str(qa["id"]), str(qa["question"]).strip(), bool(qa.get("is_impossible", False))
        answers = [] if impossible else [(str(a["text"]), int(a["answer_start"])) for a in qa["answers"]]
    except (KeyError, TypeError, ValueError) as error:
        raise GoldError(f"{where}: a question needs 'id', 'question' and answers with 'text' and 'answer_start' ({error!r})") from None
    spans = []
    for answer, start in answers:
        if context[start : start + len(answer)] != answer:
            raise GoldError(f"{where}: question {qid!r}: answer {answer!r} does not stand at offset {start}")
        span = AnswerSpan(file, offset + start, offset + start + len(answer), answer)
        if span not in spans:
            spans.append(span)
    if not impossible and not spans:
        raise GoldError(f"{where}: question {qid!r} is answerable but lists no answer")
    return GoldQuestion(qid, text, ("unanswerable",) if impossible else (), tuple(spans))


def contains_answer(question: GoldQuestion, source_id: str, start: int, end: int) -> bool:
    """The span ``[start, end)`` of ``source_id`` holds a whole answer span (SQuAD's answers are short)."""
    return any(a.source_id == source_id and start <= a.start and a.end <= end for a in question.answers)


def check_corpus(squad: SquadSet, documents: Mapping[str, Any], questions: Sequence[GoldQuestion]) -> None:
    """Every answer span reads the same in the indexed text: offsets survived writing and loading."""
    for question in questions:
        for a in question.answers:
            document = documents.get(a.source_id)
            if document is None or document.text[a.start : a.end] != a.text:
                raise GoldError(f"SQuAD question {question.id!r}: answer {a.text!r} moved in {a.source_id}")
