"""The Reader tab: a whole document, with a cited span marked and scrolled into view, a PDF's pages shown as
pages; opened from a card, a figure, a verified quote or a passage link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..errors import AssistantError
from ..links import PassageLink
from ..service import Assistant
from . import cards, queues, style
from .choosers import source_chosen
from .document_html import EMPTY, STYLE, reader_html

@dataclass(frozen=True)
class Reader:
    html: gr.HTML
    choice: gr.Dropdown  # which document; its choices follow the sources listing


def layout() -> Reader:
    with gr.Tab("Reader", id="reader", elem_id="tab-reader"):
        choice = gr.Dropdown([], label="Document", elem_id="reader-document")
        html = gr.HTML(EMPTY, elem_id="reader", css_template=style.STYLE + STYLE, js_on_load=style.READER_JS)
    return Reader(html, choice)


def wire(assistant: Assistant, reader: Reader) -> None:
    def choose_document(source_id: str | None) -> str:
        if not source_id:
            return EMPTY
        try:
            return reader_html(assistant.document(source_id))
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
        return note + reader_html(doc), source_chosen(assistant, source_id)
    start, end = span or where
    link = PassageLink.of(doc, start, end).to_url()
    return reader_html(doc, where, span, link=link), source_chosen(assistant, source_id)


def linked(assistant: Assistant, link: PassageLink) -> tuple[Any, Any]:
    """The reader at a passage link's text as the live index holds it: where the link says, moved, changed (the
    nearest text marked, with how similar it is) or gone; never other text without saying so."""
    found = assistant.resolve_link(link)
    note = found.message  # begins with the status, in words: "Moved: …", "Changed: …", "Gone: …"
    try:
        doc = assistant.document(found.source_id)
    except AssistantError:
        return cards.notice(note), gr.skip()
    if found.start is None or found.end is None:
        return reader_html(doc, note=note, status=found.status, linked=link.text), source_chosen(assistant, doc.id)
    here = PassageLink.of(doc, found.start, found.end).to_url()
    was = link.text if found.status == "changed" else ""
    html = reader_html(doc, (found.start, found.end), link=here, note=note, status=found.status, linked=was)
    return html, source_chosen(assistant, doc.id)
