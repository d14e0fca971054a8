"""Gold questions: load ``eval/gold.toml`` and resolve every answer text to its spans in the sources.

An answer is stored as exact text plus a source id, never as offsets, so the file stays readable and
survives edits elsewhere in a source; the offsets are found at load time, and a text that no longer
stands verbatim in its source is an error that names the question.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AssistantError
from ..types import Document

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
DEFAULT_GOLD = EVAL_DIR / "gold.toml"
TAGS = frozenset({"wording", "paraphrase", "multi-source", "number", "name", "follow-up", "unanswerable"})


class GoldError(AssistantError):
    """The gold file is malformed or no longer matches the sources."""


@dataclass(frozen=True)
class AnswerSpan:
    """One place in one source where the answer stands: ``document.text[start:end] == text``."""

    source_id: str
    start: int
    end: int
    text: str

    def overlaps(self, source_id: str, start: int, end: int) -> bool:
        return source_id == self.source_id and start < self.end and self.start < end


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    tags: tuple[str, ...]
    answers: tuple[AnswerSpan, ...]  # empty when nothing in the sources answers it
    previous: str | None = None  # the question a follow-up continues

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def answered_by(self, source_id: str, start: int, end: int) -> bool:
        """True when the span ``[start, end)`` of ``source_id`` overlaps an answer span."""
        return any(a.overlaps(source_id, start, end) for a in self.answers)


@dataclass(frozen=True)
class GoldSet:
    questions: tuple[GoldQuestion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def __getitem__(self, question_id: str) -> GoldQuestion:
        return self._by_id[question_id]  # type: ignore[attr-defined,no-any-return]

    def query(self, question: GoldQuestion, *, context: bool = True) -> str:
        """The text searched: a follow-up carries the previous question before it, as the chat does."""
        if context and question.previous is not None:
            return f"{self[question.previous].question} {question.question}"
        return question.question

    @property
    def answerable(self) -> tuple[GoldQuestion, ...]:
        return tuple(q for q in self.questions if q.answerable)

    @property
    def follow_ups(self) -> tuple[GoldQuestion, ...]:
        return tuple(q for q in self.questions if q.previous is not None)


def load_gold(documents: Mapping[str, Document], path: Path | str = DEFAULT_GOLD) -> GoldSet:
    """Read the gold file and resolve each answer text to every span where it stands in its source."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise GoldError(f"{path}: cannot read the gold questions ({error})") from None
    rows = data.get("question")
    if not isinstance(rows, list) or not rows:
        raise GoldError(f"{path}: no [[question]] tables")
    questions: list[GoldQuestion] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        question = _question(row, f"{path}: question {row.get('id', f'#{number}')!r}", documents, seen)
        seen.add(question.id)
        questions.append(question)
    return GoldSet(tuple(questions))


def _question(row: dict[str, Any], where: str, documents: Mapping[str, Document], seen: set[str]) -> GoldQuestion:
    qid, text = row.get("id"), row.get("question")
    if not isinstance(qid, str) or not qid:
        raise GoldError(f"{where}: 'id' must be a non-empty string")
    if qid in seen:
        raise GoldError(f"{where}: 'id' is used twice")
    if not isinstance(text, str) or not text.strip():
        raise GoldError(f"{where}: 'question' must be a non-empty string")
    tags = row.get("tags", [])
    if not isinstance(tags, list) or not set(tags) <= TAGS:
        raise GoldError(f"{where}: 'tags' must be a list drawn from {', '.join(sorted(TAGS))}")
    previous = row.get("previous")
    if previous is not None and previous not in seen:
        raise GoldError(f"{where}: 'previous' must name an earlier question, got {previous!r}")
    if (previous is not None) != ("follow-up" in tags):
        raise GoldError(f"{where}: a follow-up needs both 'previous' and the 'follow-up' tag")
    answers = row.get("answers")
    if not isinstance(answers, list):
        raise GoldError(f"{where}: 'answers' must be a list (empty when nothing answers it)")
    if (not answers) != ("unanswerable" in tags):
        raise GoldError(f"{where}: exactly the questions tagged 'unanswerable' have no answers")
    spans = tuple(span for answer in answers for span in _spans(answer, where, documents))
    return GoldQuestion(qid, text.strip(), tuple(tags), spans, previous)


def _spans(answer: Any, where: str, documents: Mapping[str, Document]) -> list[AnswerSpan]:
    if not isinstance(answer, dict) or not isinstance(answer.get("text"), str) or not answer["text"]:
        raise GoldError(f"{where}: each answer needs 'source' and a non-empty 'text'")
    source_id, text = answer.get("source"), answer["text"]
    document = documents.get(source_id) if isinstance(source_id, str) else None
    if document is None:
        raise GoldError(
            f"{where}: answer source {source_id!r} is not among the sources ({', '.join(sorted(documents))})"
        )
    spans = []
    start = document.text.find(text)
    while start != -1:
        spans.append(AnswerSpan(source_id, start, start + len(text), text))
        start = document.text.find(text, start + 1)
    if not spans:
        raise GoldError(f"{where}: answer text no longer stands verbatim in {source_id}: {text[:80]!r}")
    return spans
