"""The Citations tab: what this session gathered, downloadable as Markdown and CSV (``export``)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from . import cards, queues, style
from .export import write_exports
from .session import Session


@dataclass(frozen=True)
class Citations:
    html: gr.HTML
    markdown: gr.DownloadButton
    table: gr.DownloadButton
    clear: gr.Button
    folder: Path  # where this app writes each download, in a folder of its own

    @property
    def outputs(self) -> tuple[gr.components.Component, ...]:
        return self.html, self.markdown, self.table

    def updates(self, session: Session) -> tuple[Any, ...]:
        """Values for ``outputs``: the list, and both downloads written afresh."""
        if not session.citations:
            empty = gr.DownloadButton(value=None, interactive=False)
            return cards.citations_html(()), empty, empty
        markdown, table = write_exports(session.citations, Path(tempfile.mkdtemp(dir=self.folder)))
        return (
            cards.citations_html(session.citations),
            gr.DownloadButton(value=str(markdown), interactive=True),
            gr.DownloadButton(value=str(table), interactive=True),
        )


def layout() -> Citations:
    with gr.Tab("Citations", id="citations", elem_id="tab-citations"):
        html = gr.HTML(cards.citations_html(()), elem_id="citations", css_template=style.STYLE)
        with gr.Row():
            markdown = gr.DownloadButton("Download Markdown", interactive=False, elem_id="download-md")
            table = gr.DownloadButton("Download CSV", interactive=False, elem_id="download-csv")
            clear = gr.Button("Clear citations", elem_id="clear-citations")
    return Citations(html, markdown, table, clear, Path(tempfile.mkdtemp(prefix="assistant-citations-")))


def wire(citations: Citations, session: gr.State) -> None:
    def clear_citations(current: Session):
        current = Session(turns=current.turns)
        return (current, *citations.updates(current))

    citations.clear.click(clear_citations, session, [session, *citations.outputs], **queues.UI.options())
