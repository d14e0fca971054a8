"""TEMPORARY (issue 11): the facade names the shells code against, until house-core's move lands. DELETE AT MERGE.

Imported only by the shells (``webapp/``, ``cli.py``). Every name here is the name the agreed facade gives it
(notes/facade-api.md), so merging means re-pointing each import, not changing a call:

    Assistant                         -> assistant.service (ask, figures, add_source, delete_source, failures)
    SearchResult, Exchange            -> assistant.types   (SearchResult.answered / .reason)
    Corroboration, Figure, FigureSpan -> assistant.types
    Verification, Match, Span, DiffOp -> assistant.types
    ALTERED, EXACT, NOT_FOUND         -> assistant.types   (the verdicts)
    VERDICT_HEADS                     -> assistant.render  (each verdict's word and meaning)
    verification_to_json/_to_text     -> assistant.render
    corroboration_citation            -> assistant.citations
    MAX_UPLOAD_BYTES, human_size      -> wherever house-core keeps the upload limit (Settings) and size wording
    ABSTAIN_BELOW                     -> Settings.answer.abstain_below (tests set it through Settings instead)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import service, types
from .corroboration import Corroboration, corroboration_citation
from .errors import AssistantError
from .figures import Figure, FigureSpan, extract_figures
from .indexing import BuildReport
from .verification import ALTERED, EXACT, NOT_FOUND, VERDICT_HEADS, DiffOp, Match, Span, Verification
from .verification import to_json as verification_to_json
from .verification import to_text as verification_to_text
from .webapp.followup import search_with_context
from .webapp.uploads import MAX_UPLOAD_BYTES, human_size, save_upload

ABSTAIN_BELOW = 0.18  # eval/expected.toml [abstention] abstain_below
NO_CLOSE_ANSWER = "No passage in the sources answers this closely."  # house-core: answerability.py
NO_PASSAGE = "No passage in the sources matches this question."

__all__ = [
    "ABSTAIN_BELOW", "ALTERED", "EXACT", "MAX_UPLOAD_BYTES", "NOT_FOUND", "VERDICT_HEADS", "Assistant",
    "Corroboration", "DiffOp", "Exchange", "Figure", "FigureSpan", "Match", "SearchResult", "Span",
    "Verification", "corroboration_citation", "human_size", "verification_to_json", "verification_to_text",
]


@dataclass(frozen=True)
class SearchResult(types.SearchResult):
    answered: bool = True
    reason: str | None = None


@dataclass(frozen=True)
class Exchange:
    question: str
    result: types.SearchResult


class Assistant(service.Assistant):
    def ask(
        self,
        question: str,
        history: Sequence[Exchange] = (),
        *,
        k: int = 5,
        sources: Sequence[str] | None = None,
        mode: str | None = None,
    ) -> SearchResult:
        found = search_with_context(
            lambda text: self.search(text, k=k, sources=sources, mode=mode), question, [e.question for e in history], k
        )
        best = found.best_similarity()
        answered = best is not None and best >= ABSTAIN_BELOW
        reason = None if answered else NO_PASSAGE if best is None else NO_CLOSE_ANSWER
        return SearchResult(found.query, found.mode, found.results, answered, reason)

    def figures(self, result: types.SearchResult) -> list[Figure]:
        return extract_figures(result.results)

    def failures(self) -> list[types.LoadFailure]:  # type: ignore[override]
        return [types.LoadFailure(f["path"], f["reason"]) for f in super().failures()]

    def add_source(self, upload: Path, original_name: str) -> Path:
        return save_upload(upload, original_name, self.sources_dir)

    def delete_source(self, source_id: str) -> BuildReport:
        if source_id not in {s.id for s in self.sources()}:
            raise AssistantError(f"no source named {source_id!r}")
        (self.sources_dir / source_id).unlink(missing_ok=True)
        return self.refresh()
