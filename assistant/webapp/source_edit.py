"""Editing a source in the Sources tab: its metadata (saved to ``sources.toml``, the one place metadata lives)
and a new version of its file. Either is re-indexed at once, with its progress shown, so the next answer's
citation uses what was saved; searches keep answering from the previous snapshot meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import AssistantError
from ..service import Assistant
from . import cards, queues, style
from .progress import BuildProgress, reindexed

FIELDS = ("title", "publisher", "author", "published", "url")  # as sources.toml names them


@dataclass(frozen=True)
class Editor:
    choice: gr.Dropdown
    fields: tuple[gr.Textbox, ...]  # in the order of FIELDS
    save: gr.Button
    new_version: gr.File
    status: gr.HTML


def layout() -> Editor:
    with gr.Accordion("Edit a source: its metadata, or a new version of the file", open=False, elem_id="source-editor"):
        choice = gr.Dropdown([], label="Source", elem_id="edit-source")
        with gr.Row():
            title = gr.Textbox(label="Title", elem_id="meta-title", scale=3)
            publisher = gr.Textbox(label="Publisher", elem_id="meta-publisher")
        with gr.Row():
            author = gr.Textbox(label="Author", elem_id="meta-author")
            published = gr.Textbox(label="Published", placeholder="2022-08-18", elem_id="meta-published")
            url = gr.Textbox(label="URL", placeholder="https://…", elem_id="meta-url", scale=2)
        save = gr.Button("Save metadata", elem_id="meta-save")
        new_version = gr.File(label="Replace the file with a new version (same type)", elem_id="replace-upload")
        status = gr.HTML("", elem_id="edit-status", css_template=style.STYLE)
    return Editor(choice, (title, publisher, author, published, url), save, new_version, status)


def wire(assistant: Assistant, editor: Editor, listed: list[Any], listing: Callable[[], tuple[Any, ...]]) -> None:
    """Wire the editor; ``listed`` are the components ``listing()`` refreshes after an edit is indexed."""

    def show_metadata(source_id: str | None) -> tuple[Any, ...]:
        if not source_id:
            return ("", *("" for _ in FIELDS))
        try:
            meta = assistant.source_metadata(source_id)
        except AssistantError as error:
            return (cards.notice(str(error)), *(gr.skip() for _ in FIELDS))
        values = (getattr(meta, name) for name in FIELDS)
        return ("", *("" if value is None else str(value) for value in values))

    def save_metadata(source_id: str | None, *values: str, progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not source_id:
            return (cards.notice("Choose a source to edit first."), *(gr.skip() for _ in listed))
        try:
            assistant.update_metadata(source_id, dict(zip(FIELDS, values, strict=True)))
        except AssistantError as error:
            return (cards.notice(str(error)), *(gr.skip() for _ in listed))
        return (_done(assistant, f"Saved the metadata of {source_id} to sources.toml.", progress), *listing())

    def replace_file(source_id: str | None, upload: str | None, progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not source_id or not upload:
            return (cards.notice("Choose a source, then its new version."), *(gr.skip() for _ in listed), None)
        try:
            assistant.replace_source(source_id, Path(upload))
        except AssistantError as error:
            return (cards.notice(str(error)), *(gr.skip() for _ in listed), None)
        return (_done(assistant, f"Replaced {source_id} with the new version.", progress), *listing(), None)

    editor.choice.change(show_metadata, editor.choice, [editor.status, *editor.fields], **queues.UI.options())
    inputs = [editor.choice, *editor.fields]
    editor.save.click(save_metadata, inputs, [editor.status, *listed], **queues.INDEX.options())
    outputs = [editor.status, *listed, editor.new_version]
    editor.new_version.upload(replace_file, [editor.choice, editor.new_version], outputs, **queues.INDEX.options())


def _done(assistant: Assistant, what: str, progress: Any) -> str:
    """Re-index after an edit (not cancellable: the edit is already in the folder) and say what happened."""
    summary, _ = reindexed(assistant, [], BuildProgress(progress, threading.Event(), 1))
    return cards.upload_status_html((), (), f"{what} {summary}")
