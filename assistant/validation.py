"""Checks on a request's arguments at the service's door: every caller (CLI, web app, API, Python) gets the same
clear ``InputError`` naming the field, instead of an exception deep inside the search or a silent misreading.

The rules (README "Limits"):

- ``question`` and ``quote``: a ``str`` of valid text (no lone surrogate such as ``"\\ud800"``, which no encoder
  can write), at most ``RequestSettings.question_chars`` / ``quote_chars`` characters once stripped. Empty text
  is left to the search and the verifier, which raise ``EmptyQueryError``.
- ``k``: a whole number from 1 to ``RequestSettings.max_k``. Forms and query strings send numbers as text and
  sliders as floats, so ``"5"`` and ``5.0`` are taken as 5; ``True``, ``"abc"`` and ``2.5`` are refused.
- ``sources``: ``None`` or a list (or tuple) of source ids, each a ``str``. A single string is refused rather
  than read as one id: as a sequence it would be its characters, and ``"a.txt,b.txt"`` would match nothing.
  An empty list means every source.
- ``mode``: ``None`` or ``""`` (the configured default) or one of ``MODES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .config import MODES, RequestSettings
from .errors import InputError


@dataclass(frozen=True)
class SearchArgs:
    """A search request whose arguments passed the checks, normalised."""

    query: str
    k: int
    sources: tuple[str, ...] | None
    mode: str | None


def check_search(query: Any, k: Any, sources: Any, mode: Any, limits: RequestSettings) -> SearchArgs:
    """The search's arguments checked and normalised; ``InputError`` names the first one that is wrong."""
    return SearchArgs(
        check_text("question", query, limits.question_chars),
        check_k(k, limits.max_k),
        check_sources(sources),
        check_mode(mode),
    )


def check_quote(text: Any, limits: RequestSettings) -> str:
    return check_text("quote", text, limits.quote_chars)


def check_text(field: str, value: Any, max_chars: int) -> str:
    """``value`` itself when it is a ``str`` of valid text within ``max_chars`` (white space around not counted)."""
    if not isinstance(value, str):
        raise InputError(field, f"must be text, got {_kind(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            field, f"is not valid text: character {error.start + 1} is a lone surrogate ({value[error.start]!r})"
        ) from None
    length = len(value.strip())
    if length > max_chars:
        raise InputError(field, f"is {length:,} characters long; the limit is {max_chars:,}")
    return value


def check_k(value: Any, max_k: int) -> int:
    """``k`` as an int in [1, max_k]; integral floats and digit strings are taken, anything else is refused."""
    wanted = f"must be a whole number from 1 to {max_k}, got {value!r}"
    if isinstance(value, bool):
        raise InputError("k", wanted)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= max_k:
        raise InputError("k", wanted)
    return value


def check_sources(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        raise InputError("sources", f"must be a list of source ids, not one string: pass [{value!r}]")
    if not isinstance(value, Sequence):
        raise InputError("sources", f"must be a list of source ids, got {_kind(value)}")
    for item in value:
        if not isinstance(item, str):
            raise InputError("sources", f"each source id must be text, got {_kind(item)}")
        check_text("sources", item, max_chars=4_096)  # a path's length on every common file system
    return tuple(value) or None


def check_mode(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if value not in MODES:
        raise InputError("mode", f"must be one of {', '.join(MODES)}, got {value!r}")
    return str(value)


def _kind(value: Any) -> str:
    return "nothing (None)" if value is None else f"{type(value).__name__} {value!r:.40}"
