"""A retrieval assistant: ranked, verbatim passages with exact citations. No generative model."""

from __future__ import annotations

from .config import ChunkSettings, ModelSettings, SearchSettings, Settings
from .errors import (
    AssistantError,
    EmptyQueryError,
    IndexFormatError,
    IndexMismatchError,
    IndexMissingError,
    LoadError,
    SettingsError,
)
from .service import Assistant, SourceInfo
from .types import Chunk, Document, LoadFailure, Occurrence, Passage, Quote, SearchResult, SourceRef

__all__ = [
    "Assistant",
    "AssistantError",
    "ChunkSettings",
    "Chunk",
    "Document",
    "EmptyQueryError",
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
]
