"""What the app's parts share: the API, this user's session, and the two places others act on, the reader
(open a span) and the citations (gather one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..service import Assistant
from . import reader as reader_tab
from .citations_tab import Citations
from .export import CitationRecord
from .reader import Reader
from .session import Quoted, Session


@dataclass(frozen=True)
class AppContext:
    assistant: Assistant
    session: gr.State  # holds a Session
    tabs: gr.Tabs
    reader: Reader
    citations: Citations

    @property
    def outputs(self) -> list[Any]:
        """What an action on a shown quote updates: the session, the reader (and the tab bar), the citations."""
        return [self.session, self.reader.html, self.reader.choice, self.tabs, *self.citations.outputs]

    def unchanged(self, session: Session) -> tuple[Any, ...]:
        return (session, *(gr.skip(),) * (len(self.outputs) - 1))

    def cite(self, session: Session, record: CitationRecord) -> tuple[Any, ...]:
        """Gather ``record``, with its source's metadata as of now, into the session and show the citations."""
        session = session.collect(record.described(self.assistant.metadata().get(record.source)))
        return (session, gr.skip(), gr.skip(), gr.skip(), *self.citations.updates(session))

    def open(self, session: Session, quoted: Quoted) -> tuple[Any, ...]:
        """Show ``quoted`` in the reader, its quote marked inside the span around it, and switch to the reader."""
        html, choice = reader_tab.opened(
            self.assistant, quoted.source.id, (quoted.quote.start, quoted.quote.end), quoted.quote.text, quoted.around
        )
        return (session, html, choice, gr.Tabs(selected="reader"), *(gr.skip(),) * len(self.citations.outputs))
