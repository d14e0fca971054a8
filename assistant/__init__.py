"""A retrieval assistant: ranked, verbatim passages with exact citations. No generative model."""

from __future__ import annotations

from .config import AnswerSettings, ChunkSettings, DenseSettings, DeskSettings, ModelSettings, SearchSettings, Settings
from .errors import (
    AssistantError,
    EmptyQueryError,
    IndexFormatError,
    IndexMismatchError,
    IndexMissingError,
    LoadError,
    SettingsError,
    UploadError,
)
from .service import Assistant, SourceInfo
from .types import (
    BuildReport,
    Chunk,
    Corroboration,
    Document,
    Exchange,
    Figure,
    LoadFailure,
    Occurrence,
    Passage,
    Quote,
    SearchResult,
    SourceRef,
    Verification,
)

__all__ = [
    "AnswerSettings",
    "Assistant",
    "AssistantError",
    "BuildReport",
    "ChunkSettings",
    "Chunk",
    "Corroboration",
    "DenseSettings",
    "DeskSettings",
    "Document",
    "EmptyQueryError",
    "Exchange",
    "Figure",
    "IndexFormatError",
    "IndexMismatchError",
    "IndexMissingError",
    "LoadError",
    "LoadFailure",
    "ModelSettings",
    "Occurrence",
    "Passage",
    "Quote",
    "SearchResult",
    "SearchSettings",
    "Settings",
    "SettingsError",
    "SourceInfo",
    "SourceRef",
    "UploadError",
    "Verification",
]
