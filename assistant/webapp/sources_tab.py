"""The Sources tab: every indexed document and every file that could not be, an upload box, and deleting a
source after a confirmation. Adding and deleting go through the ``Assistant``; searches keep answering from
the previous snapshot meanwhile."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..render import human_size
from ..service import Assistant, MAX_UPLOAD_BYTES
from ..errors import AssistantError
from . import cards, queues, style


@dataclass(frozen=True)
class Sources:
    table: gr.HTML
    upload: gr.File
    status: gr.HTML
    delete_choice: gr.Dropdown
    delete: gr.Button
    confirm_row: gr.Row  # shown only while a deletion waits for its confirmation
    confirm_text: gr.HTML
    confirm: gr.Button
    cancel: gr.Button


def layout() -> Sources:
    with gr.Tab("Sources", id="sources", elem_id="tab-sources"):
        table = gr.HTML("", elem_id="sources-table", css_template=style.STYLE)
        upload = gr.File(
            label=f"Add documents (.txt .md .html .pdf, up to {human_size(MAX_UPLOAD_BYTES)} each)",
            file_count="multiple",
            elem_id="upload",
        )
        status = gr.HTML("", elem_id="upload-status", css_template=style.STYLE)
        with gr.Row():
            delete_choice = gr.Dropdown([], label="Remove a source", scale=4, elem_id="delete-source")
            delete = gr.Button("Remove…", variant="stop", scale=1, elem_id="delete-button")
        with gr.Row(visible=False, elem_id="delete-confirmation") as confirm_row:
            confirm_text = gr.HTML("", elem_id="delete-question", css_template=style.STYLE)
            confirm = gr.Button("Yes, remove it", variant="stop", elem_id="delete-confirm")
            cancel = gr.Button("Cancel", elem_id="delete-cancel")
    return Sources(table, upload, status, delete_choice, delete, confirm_row, confirm_text, confirm, cancel)


def wire(app: gr.Blocks, assistant: Assistant, sources: Sources, choosers: list[gr.Dropdown]) -> None:
    """Wire the tab; ``choosers`` are the other dropdowns of source ids (the chat's filter, the reader's)."""
    listed = [sources.table, *choosers, sources.delete_choice]

    def listing() -> tuple[Any, ...]:
        indexed = assistant.sources()
        choices = [(f"{s.title} ({s.id})", s.id) for s in indexed]
        return cards.sources_html(indexed, assistant.failures()), *(gr.Dropdown(choices=choices) for _ in listed[1:])

    def upload(files: list[str] | None):
        saved, refused = [], []
        for path in files or []:
            try:
                saved.append(assistant.add_source(Path(path), Path(path).name).name)
            except AssistantError as error:
                refused.append(str(error))
            except OSError as error:
                refused.append(f"{Path(path).name}: could not be saved ({error.strerror})")
        summary = _reindexed(assistant) if saved else "Nothing was added."
        return (cards.upload_status_html(saved, refused, summary), *listing(), None)

    def ask_to_delete(source_id: str | None):
        if not source_id:
            return gr.Row(visible=False), cards.notice("Choose a source to remove first.")
        question = f"Remove {source_id} from the sources folder and the index? This cannot be undone."
        return gr.Row(visible=True), cards.notice(question)

    def delete(source_id: str | None):
        try:
            report = assistant.delete_source(source_id or "")
        except AssistantError as error:
            status = cards.notice(str(error))
        else:
            status = cards.upload_status_html((), (), f"Removed {source_id}: {report.documents} documents remain.")
        return (gr.Row(visible=False), status, *listing())

    def cancel_delete():
        return gr.Row(visible=False)

    sources.upload.upload(upload, sources.upload, [sources.status, *listed, sources.upload], **queues.INDEX.options())
    confirming = [sources.confirm_row, sources.confirm_text]
    sources.delete.click(ask_to_delete, sources.delete_choice, confirming, **queues.UI.options())
    deleted = [sources.confirm_row, sources.status, *listed]
    sources.confirm.click(delete, sources.delete_choice, deleted, **queues.INDEX.options())
    sources.cancel.click(cancel_delete, None, sources.confirm_row, **queues.UI.options())
    app.load(listing, None, listed, **queues.UI.options())


def _reindexed(assistant: Assistant) -> str:
    started = time.perf_counter()
    try:
        report = assistant.refresh()
    except AssistantError as error:
        return f"Saved, but the index could not be updated: {error}"
    return (
        f"Indexed in {time.perf_counter() - started:.1f} s and searchable now: "
        f"{report.documents} documents, {report.chunks} passages."
    )
