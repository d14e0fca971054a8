"""A retrieval assistant: ranked, verbatim passages with exact citations. No generative model."""

from __future__ import annotations

from .config import ChunkSettings, ModelSettings, RequestSettings, SearchSettings, Settings
from .errors import (
    AssistantError,
    BudgetExceeded,
    EmptyQueryError,
    IndexFormatError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    LoadError,
    SettingsError,
)
from .service import Assistant, SourceInfo
from .types import Chunk, Document, LoadFailure, Occurrence, Passage, Quote, SearchResult, SourceRef

__all__ = [
    "Assistant",
    "AssistantError",
    "BudgetExceeded",
    "ChunkSettings",
    "Chunk",
    "Document",
    "EmptyQueryError",
    "IndexFormatError",
    "IndexMismatchError",
    "IndexMissingError",
    "InputError",
    "LoadError",
    "LoadFailure",
    "ModelSettings",
    "Occurrence",
    "Passage",
    "Quote",
    "RequestSettings",
    "SearchResult",
    "SearchSettings",
    "Settings",
    "SettingsError",
    "SourceInfo",
    "SourceRef",
]
