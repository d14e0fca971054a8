"""The Ask tab: a conversation of questions, each answered with ranked passage cards; follow-ups continue it.

The core decides what a follow-up continues and whether an answer is weak (``Assistant.ask``, with this
session's history); this module shows the answer and acts on its buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import gradio as gr

from ..types import Corroboration, SearchResult
from ..errors import AssistantError, InputError
from . import addresses, arguments, cards, queues, style
from .context import AppContext
from ..service import check_filter
from .session import Preferences, Session, Turn

MODES = {"Hybrid (meaning + keywords)": "hybrid", "Meaning (dense)": "dense", "Keywords (BM25)": "bm25"}
ORDER_LABELS = {"Relevance": "relevance", "Newest source first": "date"}

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
    published_from: gr.Textbox
    published_to: gr.Textbox
    publishers: gr.Dropdown  # its choices: the publishers the sources' metadata names
    order: gr.Radio

    @property
    def controls(self) -> list[gr.components.Component]:
        """The choices an answer is asked with, in the order ``Preferences`` is built from them (``chosen``)."""
        return [
            self.k, self.source_filter, self.mode, self.use_context,
            self.published_from, self.published_to, self.publishers, self.order,
        ]  # fmt: skip


def layout() -> Chat:
    with gr.Tab("Ask", id="ask", elem_id="tab-ask"), gr.Row():
        with gr.Column(scale=4):
            conversation = gr.HTML(
                conversation_html((), loaded=False),
                elem_id="conversation",
                css_template=style.STYLE,
                js_on_load=style.ACTIONS_JS + style.CHAT_JS,
            )
            with gr.Row(elem_id="ask-row"):
                # One line that grows: Enter asks, Shift+Enter starts a new line (Gradio's rule for lines=1).
                # Both open once the page has restored the user's session (saved.wire): a question asked
                # before that would be answered, then overwritten by the restored conversation.
                question = gr.Textbox(
                    placeholder="Ask about the sources… (Enter asks, Shift+Enter for a new line)",
                    show_label=False, lines=1, max_lines=6, scale=5, elem_id="question", interactive=False,
                )  # fmt: skip
                ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button", interactive=False)
            new = gr.Button("New conversation", size="sm", elem_id="new-conversation")
        with gr.Column(scale=1, min_width=220):
            k = arguments.count_slider(1, 20, value=5, label="Passages", elem_id="k")
            mode = gr.Radio(list(MODES), value=next(iter(MODES)), label="Ranking", elem_id="mode")
            order = gr.Radio(list(ORDER_LABELS), value="Relevance", label="Order answers by", elem_id="order")
            source_filter = gr.Dropdown([], multiselect=True, label="Only these sources", elem_id="source-filter")
            publishers = gr.Dropdown([], multiselect=True, label="Only these publishers", elem_id="publishers")
            with gr.Row():
                published_from = gr.Textbox(label="Published from", placeholder="2022-08-01", elem_id="published-from")
                published_to = gr.Textbox(label="to", placeholder="2022-08-31", elem_id="published-to")
            use_context = gr.Checkbox(True, label="Follow-ups use the conversation", elem_id="use-context")
    return Chat(
        conversation, question, ask, new, k, source_filter, mode, use_context, published_from, published_to, publishers, order
    )


def conversation_html(turns: Sequence[Turn], links: cards.PassageLinks | None = None, *, loaded: bool = True) -> str:
    """The conversation in a box of its own height, so the question box below it stays on screen. ``loaded``
    marks it as the session's (restored or answered), not the empty page first served."""
    marker = ' data-loaded="1"' if loaded else ""
    return f'<div class="chat-scroll"{marker}>{cards.conversation_html(turns, links)}</div>'


def chosen(
    k: Any, sources: Any, mode: Any, use_context: Any, published_from: Any = "", published_to: Any = "",
    publishers: Any = None, order: Any = None,
) -> Preferences:
    """The controls' values as ``Preferences``: labels become the core's names; what the core checks (k, the
    dates) travels as it came, and is checked when a question is asked."""
    return Preferences(
        k=k if isinstance(k, int) else int(k) if isinstance(k, float) and k.is_integer() else Preferences.k,
        mode=MODES.get(mode, mode) if isinstance(mode, str) else Preferences.mode,
        sources=tuple(sources or ()),
        published_from=published_from or "",
        published_to=published_to or "",
        publishers=tuple(publishers or ()),
        order=ORDER_LABELS.get(order, Preferences.order),
        use_context=bool(use_context),
    )


def wire(context: AppContext, chat: Chat, extras: AnswerExtras | None = None) -> None:
    assistant = context.assistant

    def ask(question: str, session: Session, *controls: Any):
        if isinstance(question, str):
            question = question.strip()
        if not question:
            gr.Warning("Type a question first.")
            return session, gr.skip(), gr.skip()
        k, sources, mode = controls[0], controls[1], controls[2]
        ranking = MODES.get(mode, mode) if isinstance(mode, str) else mode
        wanted = replace(chosen(*controls), style=session.preferences.style)
        history = session.history() if wanted.use_context else ()
        try:
            where = check_filter(wanted.published_from, wanted.published_to, wanted.publishers)
            result = assistant.ask(question, history, k=k, sources=sources, mode=ranking, where=where, order=wanted.order)
        except InputError as error:  # a wrong value in a box: nothing to add to the conversation, no traceback
            raise gr.Error(str(error), print_exception=False) from None
        except AssistantError as error:
            session = session.ask(Turn(question, error=str(error)))
        else:
            # Not under a weak answer: its passages do not answer the question, so their figures and who else
            # states them would only add noise to "nothing answers this closely".
            extra, reported = extras(result) if extras is not None and result.answered else ("", ())
            link = addresses.answer_url(question, result, k, sources, where, wanted.order)
            turn = Turn(
                question, result, extra=extra, reported=reported, link=link,
                k=wanted.k, sources=wanted.sources, where=where, order=wanted.order,
            )  # fmt: skip
            session = session.ask(turn)
        return session.choosing(wanted), conversation_html(session.turns, links), ""

    def remember(session: Session, *controls: Any):
        return session.choosing(replace(chosen(*controls), style=session.preferences.style))

    def new_conversation(session: Session):
        return replace(session, turns=()), conversation_html(())

    links = addresses.passage_links(assistant)

    inputs = [chat.question, context.session, *chat.controls]
    asked = [context.session, chat.conversation, chat.question]
    submits = [chat.ask.click, chat.question.submit, chat.published_from.submit, chat.published_to.submit]
    gr.on(submits, ask, inputs, asked, api_name="ask", **queues.SEARCH.options())
    choices = [context.session, *chat.controls]
    gr.on([c.change for c in chat.controls], remember, choices, context.session, **queues.UI.options())
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

