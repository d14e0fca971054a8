"""Arguments from the API or the page go to the core as they came: ``Assistant.search``, ``ask`` and ``verify``
check them (assistant/validation.py), the one place they are checked, and the shell turns the core's
``AssistantError`` into ``gr.Error``, which carries its message to the browser or to ``gradio_client`` as it is
(any other exception would reach the caller as an empty error).
"""

from __future__ import annotations

from typing import Any

import gradio as gr


def count_slider(minimum: int, maximum: int, **options: Any) -> gr.Slider:
    """A slider whose value, as the page or a program sends it, reaches the core unconverted: a plain
    ``gr.Slider`` fails on ``k="abc"`` with a ``TypeError`` that reaches the caller as no message at all, while
    the core names the field and the range it takes.

    The pass-through replaces this one slider's ``preprocess`` rather than subclassing ``gr.Slider``: Gradio
    writes a ``.pyi`` stub beside the source of every component subclass.
    """
    slider = gr.Slider(minimum, maximum, step=1, **options)
    slider.preprocess = lambda payload: payload  # type: ignore[method-assign]
    return slider
