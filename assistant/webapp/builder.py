"""``build_app(assistant)``: the Gradio app, composed of its parts, each a thin shell over ``Assistant``.

Per-user data (the chat and the citations gathered) lives in ``gr.State``; the only shared object is the
``Assistant``, whose searches read an immutable snapshot, so an upload being indexed never blocks or disturbs
a search (``queues`` keeps each kind of request on its own queue).
"""

from __future__ import annotations

import gradio as gr

from ..service import Assistant
from . import api, chat, citations_tab, queues, quote_desk, reader, saved, shared_links, sources_tab
from .context import AppContext
from .progress import Indexing
from .session import Session


def build_app(assistant: Assistant, *, quote_desk_on: bool = True, indexing: Indexing | None = None) -> gr.Blocks:
    """The app over ``assistant``, whose index must already be built (``Assistant.refresh()``).

    ``quote_desk_on`` adds the "Verify a quote" tab, the figures under each answer and "reported also by" on
    each card (a few sentence embeddings per passage). ``indexing`` is what the source watcher is indexing,
    shown in the Sources tab (``serve`` passes its watcher's).
    """
    with gr.Blocks(title="Source assistant", delete_cache=(3600, 3600)) as app:
        session = gr.State(Session())
        gr.Markdown("## Source assistant\nRanked, verbatim passages from the sources, each with an exact citation.")
        with gr.Tabs(selected="ask", elem_id="tabs") as tabs:
            asking, reading = chat.layout(), reader.layout()
            listing, gathered = sources_tab.layout(), citations_tab.layout()
            desk = quote_desk.layout(assistant.settings.requests.quote_chars) if quote_desk_on else None
        context = AppContext(assistant, session, tabs, reading, gathered)
        chat.wire(context, asking, quote_desk.answer_extras(assistant) if quote_desk_on else None)
        reader.wire(assistant, reading)
        sources_tab.wire(app, assistant, listing, [asking.source_filter, reading.choice], indexing or Indexing())
        citations_tab.wire(gathered, session)
        if desk is not None:
            quote_desk.wire(context, desk)
        api.register(assistant)
        restoring = saved.wire(app, context, asking, saved.browser_state(assistant))  # the session survives a reload
        shared_links.wire(app, context, asking, restoring)  # a link the page is opened with: an answer or a passage
    queues.start(app)
    return app
