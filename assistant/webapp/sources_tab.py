"""The Sources tab: every indexed document and every file that could not be, an upload box, and deleting a
source after a confirmation. Adding and deleting go through the ``Assistant``; searches keep answering from
the previous snapshot meanwhile. An upload's indexing shows its progress and can be cancelled (``progress``)."""

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
from .progress import BuildProgress, Cancelled, Cancels


@dataclass(frozen=True)
class Sources:
    table: gr.HTML
    upload: gr.File
    stop: gr.Button  # cancels the indexing of an upload
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
        stop = gr.Button("Cancel indexing", size="sm", elem_id="upload-cancel")
        status = gr.HTML("", elem_id="upload-status", css_template=style.STYLE)
        with gr.Row():
            delete_choice = gr.Dropdown([], label="Remove a source", scale=4, elem_id="delete-source")
            delete = gr.Button("Remove…", variant="stop", scale=1, elem_id="delete-button")
        with gr.Row(visible=False, elem_id="delete-confirmation") as confirm_row:
            confirm_text = gr.HTML("", elem_id="delete-question", css_template=style.STYLE)
            confirm = gr.Button("Yes, remove it", variant="stop", elem_id="delete-confirm")
            cancel = gr.Button("Cancel", elem_id="delete-cancel")
    return Sources(table, upload, stop, status, delete_choice, delete, confirm_row, confirm_text, confirm, cancel)


def wire(app: gr.Blocks, assistant: Assistant, sources: Sources, choosers: list[gr.Dropdown]) -> None:
    """Wire the tab; ``choosers`` are the other dropdowns of source ids (the chat's filter, the reader's)."""
    listed = [sources.table, *choosers, sources.delete_choice]

    def listing() -> tuple[Any, ...]:
        indexed = assistant.sources()
        choices = [(f"{s.title} ({s.id})", s.id) for s in indexed]
        return cards.sources_html(indexed, assistant.failures()), *(gr.Dropdown(choices=choices) for _ in listed[1:])

    cancels = Cancels()

    def upload(files: list[str] | None, request: gr.Request, progress: Any = gr.Progress()):  # noqa: B008 (Gradio's way)
        saved: list[Path] = []
        refused: list[str] = []
        for path in files or []:
            try:
                saved.append(assistant.add_source(Path(path), Path(path).name))
            except AssistantError as error:
                refused.append(str(error))
            except OSError as error:
                refused.append(f"{Path(path).name}: could not be saved ({error.strerror})")
        summary = "Nothing was added."
        if saved:
            session = request.session_hash or ""
            flag = cancels.start(session)
            try:
                summary, saved = _reindexed(assistant, saved, BuildProgress(progress, flag, len(saved)))
            finally:
                cancels.finish(session, flag)
        names = [path.name for path in saved]
        return (cards.upload_status_html(names, refused, summary), *listing(), None)

    def stop(request: gr.Request):
        if not cancels.cancel(request.session_hash or ""):
            return cards.notice("Nothing is being indexed.")
        return cards.notice(_CANCELLED)

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

    adding = sources.upload.upload(upload, sources.upload, [sources.status, *listed, sources.upload], **queues.INDEX.options())
    sources.stop.click(stop, None, sources.status, cancels=[adding], **queues.UI.options())
    confirming = [sources.confirm_row, sources.confirm_text]
    sources.delete.click(ask_to_delete, sources.delete_choice, confirming, **queues.UI.options())
    deleted = [sources.confirm_row, sources.status, *listed]
    sources.confirm.click(delete, sources.delete_choice, deleted, **queues.INDEX.options())
    sources.cancel.click(cancel_delete, None, sources.confirm_row, **queues.UI.options())
    app.load(listing, None, listed, **queues.UI.options())


_CANCELLED = "Cancelled: the files of this upload were removed and the index is as it was before."


def _reindexed(assistant: Assistant, saved: list[Path], progress: BuildProgress) -> tuple[str, list[Path]]:
    """What happened to the index, and the saved files that stay (none once cancelled)."""
    started = time.perf_counter()
    progress.reading()
    try:
        report = assistant.refresh(on_progress=progress)
    except Cancelled:
        for path in saved:  # nothing was published: without its files the folder matches the index again
            path.unlink(missing_ok=True)
        return _CANCELLED, []
    except AssistantError as error:
        return f"Saved, but the index could not be updated: {error}", saved
    return (
        f"Indexed in {time.perf_counter() - started:.1f} s and searchable now: "
        f"{report.documents} documents, {report.chunks} passages."
    ), saved
