"""The Ask tab: a conversation of questions, each answered with ranked passage cards; follow-ups continue it.

The core decides what a follow-up continues and whether an answer is weak (``Assistant.ask``, with this
session's history); this module shows the answer and acts on its buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from ..types import Corroboration, SearchResult
from ..errors import AssistantError, InputError
from . import addresses, arguments, cards, queues, style
from .context import AppContext
from .session import Session, Turn

MODES = {"Hybrid (meaning + keywords)": "hybrid", "Meaning (dense)": "dense", "Keywords (BM25)": "bm25"}

# What the quote desk adds under an answer the core says is answered: HTML (escaped by its maker) and each
# result's "reported also by" sentences, in rank order.
AnswerExtras = Callable[[SearchResult], tuple[str, tuple[tuple[Corroboration, ...], ...]]]


@dataclass(frozen=True)
class Chat:
    conversation: gr.HTML
    question: gr.Textbox
    ask: gr.Button
    new: gr.Button
    k: gr.Slider
    source_filter: gr.Dropdown  # its choices follow the sources listing
    mode: gr.Radio
    use_context: gr.Checkbox


def layout() -> Chat:
    with gr.Tab("Ask", id="ask", elem_id="tab-ask"), gr.Row():
        with gr.Column(scale=4):
            conversation = gr.HTML(
                cards.conversation_html(()),
                elem_id="conversation",
                css_template=style.STYLE,
                js_on_load=style.ACTIONS_JS,
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask about the sources…", show_label=False, scale=5, elem_id="question"
                )
                ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
            new = gr.Button("New conversation", size="sm", elem_id="new-conversation")
        with gr.Column(scale=1, min_width=220):
            k = arguments.count_slider(1, 20, value=5, label="Passages", elem_id="k")
            source_filter = gr.Dropdown([], multiselect=True, label="Only these sources", elem_id="source-filter")
            mode = gr.Radio(list(MODES), value=next(iter(MODES)), label="Ranking", elem_id="mode")
            use_context = gr.Checkbox(True, label="Follow-ups use the conversation", elem_id="use-context")
    return Chat(conversation, question, ask, new, k, source_filter, mode, use_context)


def wire(context: AppContext, chat: Chat, extras: AnswerExtras | None = None) -> None:
    assistant = context.assistant

    def ask(question: str, session: Session, k: int, sources: list[str], mode: str, use_context: bool):
        if isinstance(question, str):
            question = question.strip()
        if not question:
            gr.Warning("Type a question first.")
            return session, gr.skip(), gr.skip()
        ranking = MODES.get(mode, mode) if isinstance(mode, str) else mode
        history = session.history() if use_context else ()
        try:
            result = assistant.ask(question, history, k=k, sources=sources, mode=ranking)
        except InputError as error:  # a program's wrong argument: nothing to add to the conversation
            raise gr.Error(str(error)) from None
        except AssistantError as error:
            session = session.ask(Turn(question, error=str(error)))
        else:
            # Not under a weak answer: its passages do not answer the question, so their figures and who else
            # states them would only add noise to "nothing answers this closely".
            extra, reported = extras(result) if extras is not None and result.answered else ("", ())
            link = addresses.answer_url(question, result, k, sources)
            session = session.ask(Turn(question, result, extra=extra, reported=reported, link=link))
        return session, cards.conversation_html(session.turns, links), ""

    def new_conversation(session: Session):
        return Session(citations=session.citations), cards.conversation_html(())

    links = addresses.passage_links(assistant)

    inputs = [chat.question, context.session, chat.k, chat.source_filter, chat.mode, chat.use_context]
    asked = [context.session, chat.conversation, chat.question]
    chat.ask.click(ask, inputs, asked, **queues.SEARCH.options())
    chat.question.submit(ask, inputs, asked, **queues.SEARCH.options())
    chat.new.click(new_conversation, context.session, [context.session, chat.conversation], **queues.UI.options())
    # "multiple": a second button pressed while the first is handled (copy, then open) must not be dropped.
    chat.conversation.select(
        act(context), context.session, context.outputs, trigger_mode="multiple", **queues.UI.options()
    )


def act(context: AppContext) -> Callable[[Session, gr.SelectData], tuple[object, ...]]:
    def act(session: Session, event: gr.SelectData):
        """A button under an answer: "copy" gathers a citation, "open" (and a figure's "read") shows it in the
        reader. Buttons name what they act on by its place in the session (or, for "read", by a span the
        session has shown), so no document text or offsets are taken on trust from the browser."""
        read, parsed = cards.parse_read(event.value), cards.parse_action(event.value)
        if read:
            verb, target = "open", session.holding(*read)
        elif parsed:
            verb, turn, rank, index = parsed
            reported = verb.endswith("-rep")
            target = session.quoted(turn, rank, -1 if reported else index, index if reported else -1)
        else:
            verb, target = "", None
        if target is None:
            return context.unchanged(session)
        if verb.startswith("copy"):
            return context.cite(session, target.record())
        return context.open(session, target)

    return act

