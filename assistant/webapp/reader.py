"""The Reader tab: a whole document, with a cited span marked and scrolled into view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..errors import AssistantError
from ..service import Assistant
from . import cards, queues, style


@dataclass(frozen=True)
class Reader:
    html: gr.HTML
    choice: gr.Dropdown  # which document; its choices follow the sources listing


def layout() -> Reader:
    with gr.Tab("Reader", id="reader", elem_id="tab-reader"):
        choice = gr.Dropdown([], label="Document", elem_id="reader-document")
        html = gr.HTML(cards.reader_html(None), elem_id="reader", css_template=style.STYLE, js_on_load=style.READER_JS)
    return Reader(html, choice)


def wire(assistant: Assistant, reader: Reader) -> None:
    def choose_document(source_id: str | None) -> str:
        if not source_id:
            return cards.reader_html(None)
        try:
            return cards.reader_html(assistant.document(source_id))
        except AssistantError as error:
            return cards.notice(str(error))

    reader.choice.input(choose_document, reader.choice, reader.html, **queues.UI.options())


def opened(
    assistant: Assistant, source_id: str, where: tuple[int, int], text: str, span: tuple[int, int] | None
) -> tuple[Any, Any]:
    """The reader's HTML and document choice for ``source_id`` with ``where`` (holding ``text``) marked inside
    ``span``; a note instead when the source has changed since that text was shown."""
    try:
        doc = assistant.document(source_id)
    except AssistantError as error:
        return cards.notice(str(error)), gr.skip()
    if doc.text[where[0] : where[1]] != text:
        note = cards.notice("This source has changed since the answer; showing it as it is now.")
        return note + cards.reader_html(doc), gr.Dropdown(value=source_id)
    return cards.reader_html(doc, where, span), gr.Dropdown(value=source_id)
