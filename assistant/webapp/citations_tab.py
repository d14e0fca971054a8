"""The Citations tab: what this session gathered, in the citation style chosen, each movable and removable,
downloadable as Markdown and CSV (``export``) in that style; clearing all asks first."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from . import queues, style
from .export import CitationRecord, write_exports
from .session import Session

STYLES = {"Short (house style)": "house", "Full reference": "full"}
# What a button on one citation does to it: its action string is "<verb>:<index>".
_MOVES = {"cite-up": -1, "cite-down": 1}


@dataclass(frozen=True)
class Citations:
    html: gr.HTML
    markdown: gr.DownloadButton
    table: gr.DownloadButton
    style: gr.Radio
    clear: gr.Button  # asks first: the confirmation row holds the real one
    confirm_row: gr.Row
    confirm: gr.Button
    cancel: gr.Button
    folder: Path  # where this app writes each download, in a folder of its own

    @property
    def outputs(self) -> tuple[gr.components.Component, ...]:
        return self.html, self.markdown, self.table

    def updates(self, session: Session) -> tuple[Any, ...]:
        """Values for ``outputs``: the list, and both downloads written afresh, in the session's style."""
        chosen = session.preferences.style
        if not session.citations:
            empty = gr.DownloadButton(value=None, interactive=False)
            return citations_html((), chosen), empty, empty
        markdown, table = write_exports(session.citations, Path(tempfile.mkdtemp(dir=self.folder)), chosen)
        return (
            citations_html(session.citations, chosen),
            gr.DownloadButton(value=str(markdown), interactive=True),
            gr.DownloadButton(value=str(table), interactive=True),
        )


def citations_html(records: Sequence[CitationRecord], chosen: str = "house") -> str:
    """The count and the numbered list, each citation with up, down and remove; all text escaped."""
    if not records:
        return '<p class="hint">No citations yet. “Copy citation” on a passage card adds it here.</p>'
    last = len(records) - 1
    items = "".join(
        f'<li><span class="cite">{escape(r.in_style(chosen).citation)}</span> <span class="meta">{escape(r.source)}, '
        f"characters {r.start}–{r.end}{' · ' + escape(r.verdict) if r.verdict else ''}</span>"
        f'<span class="actions">{_button("cite-up", i, "↑ Up", i == 0)}{_button("cite-down", i, "↓ Down", i == last)}'
        f'{_button("cite-remove", i, "Remove")}</span></li>'
        for i, r in enumerate(records)
    )
    count = f"{len(records)} citation{'s' if len(records) != 1 else ''} gathered"
    return f'<p class="count" id="citation-count">{count}</p><ol class="citations">{items}</ol>'


def _button(verb: str, index: int, label: str, disabled: bool = False) -> str:
    state = " disabled" if disabled else ""
    return f'<button class="act {verb}" data-action="{verb}:{index}"{state}>{label}</button>'


def parse_citation_action(value: object) -> tuple[str, int] | None:
    verb, _, number = str(value).partition(":")
    if verb not in (*_MOVES, "cite-remove") or not number.isdigit():
        return None
    return verb, int(number)


def acted(session: Session, value: object) -> Session:
    """The session after a citation's button: moved up or down, or removed; unchanged for anything else."""
    parsed = parse_citation_action(value)
    if parsed is None:
        return session
    verb, index = parsed
    return session.without_citation(index) if verb == "cite-remove" else session.citation_moved(index, _MOVES[verb])


def layout() -> Citations:
    with gr.Tab("Citations", id="citations", elem_id="tab-citations"):
        html = gr.HTML(
            citations_html(()), elem_id="citations", css_template=style.STYLE, js_on_load=style.ACTIONS_JS
        )
        chosen = gr.Radio(list(STYLES), value=next(iter(STYLES)), label="Citation style", elem_id="citation-style")
        with gr.Row():
            markdown = gr.DownloadButton("Download Markdown", interactive=False, elem_id="download-md")
            table = gr.DownloadButton("Download CSV", interactive=False, elem_id="download-csv")
            clear = gr.Button("Clear all citations…", elem_id="clear-citations")
        with gr.Row(visible=False, elem_id="clear-confirm") as confirm_row:
            confirm = gr.Button("Yes, clear every citation", variant="stop", elem_id="clear-confirm-yes")
            cancel = gr.Button("Keep them", elem_id="clear-confirm-no")
    folder = Path(tempfile.mkdtemp(prefix="assistant-citations-"))
    return Citations(html, markdown, table, chosen, clear, confirm_row, confirm, cancel, folder)


def wire(citations: Citations, session: gr.State) -> None:
    shown = [session, *citations.outputs]

    def act(current: Session, event: gr.SelectData):
        current = acted(current, event.value)
        return (current, *citations.updates(current))

    def choose_style(current: Session, label: str):
        current = current.choosing(replace(current.preferences, style=STYLES.get(label, "house")))
        return (current, *citations.updates(current))

    def clear_all(current: Session):
        current = replace(current, citations=())
        return (current, *citations.updates(current), gr.Row(visible=False))

    ui = queues.UI.options()
    citations.html.select(act, session, shown, trigger_mode="multiple", **ui)
    citations.style.change(choose_style, [session, citations.style], shown, **ui)
    citations.clear.click(lambda: gr.Row(visible=True), None, citations.confirm_row, **ui)
    citations.cancel.click(lambda: gr.Row(visible=False), None, citations.confirm_row, **ui)
    citations.confirm.click(clear_all, session, [*shown, citations.confirm_row], **ui)
