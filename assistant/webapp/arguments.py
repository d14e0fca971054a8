"""Arguments that arrive from the API or the page, checked at the endpoint so a wrong type is a clear message.

``gr.Error`` carries the message to the browser or to ``gradio_client`` as it is; any other exception would
reach the caller as an empty error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr

from ..config import MODES


def text(value: object, name: str) -> str:
    """``value`` if it is a string (empty is the core's to refuse, with its own message)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise gr.Error(f"{name} must be text, got {_kind(value)}")
    return value


def whole_number(value: object, name: str, *, low: int = 1, high: int = 100) -> int:
    """``value`` as an int in ``[low, high]``; a slider sends floats such as ``5.0``."""
    number: int | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value)
    if number is None:
        raise gr.Error(f"{name} must be a whole number, got {value!r}")
    if not low <= number <= high:
        raise gr.Error(f"{name} must be between {low} and {high}, got {number}")
    return number


def source_ids(value: object) -> list[str] | None:
    """A list of source ids, or None (every source) for None or an empty list."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise gr.Error(f"sources must be a list of source ids, got {value!r}")
    return list(value) or None


def mode(value: object) -> str | None:
    """One of ``config.MODES``, or None for the default ranking."""
    if value is None or value == "":
        return None
    if value not in MODES:
        raise gr.Error(f"mode must be one of {', '.join(MODES)}, got {value!r}")
    return str(value)


def _kind(value: object) -> str:
    return "a list" if isinstance(value, list) else f"{type(value).__name__} {value!r}"



def count_slider(minimum: int, maximum: int, *, name: str, **options: Any) -> gr.Slider:
    """A slider whose value, as the page or a program sends it, is checked by ``whole_number``: a plain
    ``gr.Slider`` fails on ``k="abc"`` with a ``TypeError`` that reaches the caller as no message at all.

    The check replaces this one slider's ``preprocess`` rather than subclassing ``gr.Slider``: Gradio writes
    a ``.pyi`` stub beside the source of every component subclass.
    """
    slider = gr.Slider(minimum, maximum, step=1, **options)
    slider.preprocess = lambda payload: whole_number(payload, name, low=minimum, high=maximum)  # type: ignore[method-assign]
    return slider
