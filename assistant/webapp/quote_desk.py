"""The quote desk: the "Verify a quote" tab, and under each answer the figures its passages state and, on each
card, the other sources that report its quote in other words. The HTML is ``desk_html``'s."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..service import Assistant
from ..types import SearchResult, Verification
from ..errors import AssistantError
from ..types import Quote
from . import cards, queues, style
from .chat import AnswerExtras
from .context import AppContext
from .desk_html import EMPTY_QUOTE, INTRO, figures_html, parse_desk_action, record_for, verification_html
from .session import Quoted, Session


@dataclass(frozen=True)
class Desk:
    quote: gr.Textbox
    button: gr.Button
    verified: gr.State  # this user's last Verification
    output: gr.HTML


def layout(max_chars: int) -> Desk:
    """The Verify tab; the quote box takes at most ``max_chars`` characters (``Settings.requests.quote_chars``)."""
    with gr.Tab("Verify a quote", id="verify", elem_id="tab-verify"):
        with gr.Row():
            # One line that grows, as in the Ask tab: Enter verifies, Shift+Enter starts a new line.
            quote = gr.Textbox(
                label="Quote",
                placeholder="Paste a quote… (Enter verifies, Shift+Enter for a new line)",
                lines=1,
                max_lines=12,
                max_length=max_chars,
                scale=5,
                elem_id="verify-quote",
            )
            button = gr.Button("Verify", variant="primary", scale=1, elem_id="verify-button")
        verified = gr.State(None)
        output = gr.HTML(INTRO, elem_id="verification", css_template=style.STYLE, js_on_load=style.ACTIONS_JS)
    return Desk(quote, button, verified, output)


def wire(context: AppContext, desk: Desk) -> None:
    def verify(text: str):
        if text is None or (isinstance(text, str) and not text.strip()):
            gr.Warning(EMPTY_QUOTE)
            return None, cards.notice(EMPTY_QUOTE)
        try:
            found = context.assistant.verify(text)
        except AssistantError as error:
            return None, cards.notice(str(error))
        return found, verification_html(found)

    def desk_action(last: Verification | None, session: Session, event: gr.SelectData):
        parsed = last and parse_desk_action(event.value, len(last.matches))
        if not last or not parsed:
            return context.unchanged(session)
        verb, index = parsed
        if verb == "cite":
            return context.cite(session, record_for(last, index))
        m = last.matches[index]
        first = m.spans[0]
        place = Quote(first.text, first.start, first.end)
        return context.open(session, Quoted(m.source, m.page, m.paragraph, place, "", (first.start, m.spans[-1].end)))

    # /verify is the documented JSON endpoint (api.py); the tab's, which returns the page's HTML, is /verify_page.
    shown = [desk.verified, desk.output]
    desk.button.click(verify, desk.quote, shown, api_name="verify_page", **queues.VERIFY.options())
    desk.quote.submit(verify, desk.quote, shown, api_name="verify_page", **queues.VERIFY.options())
    desk.output.select(  # "multiple": as the chat's buttons, no press is dropped
        desk_action, [desk.verified, context.session], context.outputs, trigger_mode="multiple", **queues.UI.options()
    )


def answer_extras(assistant: Assistant) -> AnswerExtras:
    """Under an answer, the figures its quotes state; on each card, who else reports its quote."""

    def extras(result: SearchResult):
        reported = tuple(tuple(assistant.reported_also_by(p)) for p in result.results)
        return figures_html(assistant.figures(result)), reported

    return extras
