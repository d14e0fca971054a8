"""The assistant's errors: every message names the file or field and says what to do."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class; the CLI and the app turn it into one line for the user, no traceback."""


class LoadError(AssistantError):
    """A source file could not be turned into text."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMissingError(AssistantError):
    """No index has been built in the index directory yet."""


class IndexFormatError(AssistantError):
    """The index on disk is damaged or was written in a format this version cannot read."""


class IndexMismatchError(AssistantError):
    """The index was built with another model, chunker (settings or code version) or format; mixing them would corrupt ranking."""


class EmptyQueryError(AssistantError, ValueError):
    """The question is empty or only white space."""


class SettingsError(AssistantError, ValueError):
    """A setting is out of its allowed range."""


class UploadError(AssistantError):
    """A file offered as a new source was refused; nothing was saved."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class LinkError(AssistantError, ValueError):
    """A shared link is malformed or holds a value out of range; the message names the parameter."""
