"""The dropdowns that choose sources (the chat's filter, the reader's document, removal, editing) and publishers:
an update that sets their value gives their choices with it.

Gradio checks a dropdown's value against the choices of the update that sets it, and warns ("not in the list of
choices") when that update has none: the page's listing fills them on load, but in no set order with a restored
session or an opened link, and a reader opened from a card builds its update before any listing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import gradio as gr

from ..service import Assistant, publishers
from ..types import SourceInfo


def source_choices(indexed: Iterable[SourceInfo]) -> list[tuple[str, str]]:
    """Each indexed source as the dropdowns show it, "title (id)", with its id as the value."""
    return [(f"{s.title} ({s.id})", s.id) for s in indexed]


def source_chosen(assistant: Assistant, value: str | Sequence[str]) -> gr.Dropdown:
    """A dropdown's update choosing ``value`` (one source id, or several for a multiselect), among the choices
    it is given with; ids no longer indexed are left out (a filter saved before a source was removed)."""
    choices = source_choices(assistant.sources())
    known = {source_id for _, source_id in choices}
    if isinstance(value, str):
        return gr.Dropdown(choices=choices, value=value if value in known else None)
    return gr.Dropdown(choices=choices, value=[v for v in value if v in known], multiselect=True)


def publishers_chosen(assistant: Assistant, chosen: Sequence[str]) -> gr.Dropdown:
    """The publisher filter's update choosing ``chosen``: among the publishers the sources' metadata names, and
    ``chosen`` kept as choices even when none does now (a search filtered to it then says no source passes)."""
    choices = sorted({*publishers(assistant.metadata()), *chosen}, key=str.casefold)
    return gr.Dropdown(choices=choices, value=list(chosen), multiselect=True)
