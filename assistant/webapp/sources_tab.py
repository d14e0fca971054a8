"""The Sources tab: every indexed document and every file that could not be, an upload box, and deleting a
source after a confirmation. Adding and deleting go through the ``Assistant``; searches keep answering from
the previous snapshot meanwhile. An upload's indexing shows its progress and can be cancelled (``progress``).
A timer shows the indexing the watcher runs for changes in the sources folder, and lists the sources again
when the index on disk moved on (another process, the watcher), so every page stays in step with the library.
A source's metadata and a new version of its file are edited in ``source_edit``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..render import human_size
from ..service import Assistant, MAX_UPLOAD_BYTES
from ..errors import AssistantError
from . import cards, queues, source_edit, style
from .choosers import source_choices
from .login import auth_from_env
from .progress import CANCELLED, BuildProgress, Cancels, Indexing, reindexed


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
    editor: source_edit.Editor
    indexing: gr.HTML  # what the watcher is indexing now
    timer: gr.Timer
    version: gr.State  # the index version this page lists (its manifest's creation time)


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
        editor = source_edit.layout()
        indexing = gr.HTML("", elem_id="indexing-status", css_template=style.STYLE)
        timer, version = gr.Timer(_STATUS_SECONDS), gr.State("")
    return Sources(
        table, upload, stop, status, delete_choice, delete, confirm_row, confirm_text, confirm, cancel,
        editor, indexing, timer, version,
    )  # fmt: skip


def wire(app: gr.Blocks, assistant: Assistant, sources: Sources, choosers: list[gr.Dropdown], indexing: Indexing) -> None:
    """Wire the tab; ``choosers`` are the other dropdowns of source ids (the chat's filter, the reader's);
    ``indexing`` is what the watcher is indexing (shown on every page)."""
    listed = [sources.table, *choosers, sources.delete_choice, sources.editor.choice]

    def listing() -> tuple[Any, ...]:
        indexed = assistant.sources()
        choices = source_choices(indexed)
        return cards.sources_html(indexed, assistant.failures()), *(gr.Dropdown(choices=choices) for _ in listed[1:])

    def in_step(seen: str) -> tuple[Any, ...]:
        """The watcher's progress; the listing again only when the index version changed since this page listed it."""
        busy = indexing.describe()
        status = cards.upload_status_html((), (), busy) if busy else ""
        manifest = assistant.snapshot.manifest
        current = f"{manifest.created} {manifest.scanned_ns}"  # created is to the second; the scan to the nanosecond
        if current == seen:
            return (status, seen, *(gr.skip(),) * len(listed))
        return (status, current, *listing())

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
                summary, saved = reindexed(assistant, saved, BuildProgress(progress, flag, len(saved)))
            finally:
                cancels.finish(session, flag)
        names = [path.name for path in saved]
        return (cards.upload_status_html(names, refused, summary), *listing(), None)

    def stop(request: gr.Request):
        if not cancels.cancel(request.session_hash or ""):
            return cards.notice("Nothing is being indexed.")
        return cards.notice(CANCELLED)

    def ask_to_delete(source_id: str | None):
        if not source_id:
            return gr.Row(visible=False), cards.notice("Choose a source to remove first.")
        question = f"Remove {source_id} from the sources folder and the index? This cannot be undone."
        return gr.Row(visible=True), cards.notice(question)

    def delete(source_id: str | None, request: gr.Request):
        if signed_out(request):
            return (gr.Row(visible=False), cards.notice("Sign in to remove a source."), *(gr.skip(),) * len(listed))
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
    sources.timer.tick(in_step, sources.version, [sources.indexing, sources.version, *listed], **queues.STATUS.options())
    source_edit.wire(assistant, sources.editor, listed, listing)


def signed_out(request: gr.Request) -> bool:
    """True when logins are on and this request carries no signed-in user."""
    return auth_from_env() is not None and not request.username


_STATUS_SECONDS = 2.0  # how often a page looks at the watcher's progress and the index version
