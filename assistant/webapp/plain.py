"""Frozen dataclasses to JSON values and back, by their type hints: what the browser keeps of a session.

Only what the session holds is supported (dataclasses, tuples, ``X | None``, ``str``, ``int``, ``float``,
``bool``, ``date``); anything else is a ``ValueError`` naming the field, so a stored session from another
version of the app is refused whole rather than half read.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from datetime import date
from functools import cache
from typing import Any


def to_plain(value: Any) -> Any:
    """``value`` as JSON values: a dataclass becomes an object of its fields, a tuple a list, a date ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_plain(kind: Any, data: Any, where: str = "session") -> Any:
    """``data`` (from ``to_plain``) read back as ``kind``; ``ValueError`` names the path of what does not fit."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:
            return from_plain(others[0], data, where)
        for other in others:  # e.g. float | int | str: the first the value is
            if isinstance(data, other):
                return data
        raise ValueError(f"{where}: {data!r:.40} is none of {kind}")
    if origin is tuple:
        if not isinstance(data, list):
            raise ValueError(f"{where}: expected a list, got {type(data).__name__}")
        inner = args[0]
        return tuple(from_plain(inner, item, f"{where}[{i}]") for i, item in enumerate(data))
    if dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
        hints = _hints(kind)
        values = {name: from_plain(hints[name], data[name], f"{where}.{name}") for name in hints if name in data}
        try:
            return kind(**values)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: {error}") from None
    if kind is date:
        try:
            return date.fromisoformat(data)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: expected a date, got {data!r:.40}") from None
    if kind is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if kind in (str, int, float, bool) and type(data) is kind:
        return data
    raise ValueError(f"{where}: expected {getattr(kind, '__name__', kind)}, got {data!r:.40}")


@cache
def _hints(kind: type) -> dict[str, Any]:
    """The fields' types, resolved in the dataclass's own module (they are written as strings there)."""
    hints = typing.get_type_hints(kind, vars(sys.modules[kind.__module__]))
    return {f.name: hints[f.name] for f in dataclasses.fields(kind) if f.init}
