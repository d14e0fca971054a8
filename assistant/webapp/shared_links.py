"""Links into the app: an answer's (``/?q=…&k=…&source=…&mode=…``) asks its question again with the same
choices; a passage's (``/?doc=…&rev=…&span=…&text=…``) opens the reader at its text, saying when the source
has changed.

The page's address is read once, when the page loads (after signing in, with login on: Gradio's login reloads
the page at the same address), then taken out of the address bar, so a reload does not ask the question again.
"""

from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr
from gradio.events import Dependency

from ..answer_links import AnswerLink
from ..errors import LinkError
from ..links import PassageLink, shared_link
from ..service import Assistant
from . import queues
from .chat import MODES, ORDER_LABELS, Chat
from .choosers import publishers_chosen, source_chosen
from .reader import linked
from .context import AppContext

# Copies a "Copy link" button's link as a whole address (resolved against the page, so an app served under a
# path prefix links within it), on every part of the page; then hands the page's address to Python once.
ON_LOAD_JS = """
(address) => {
  if (!window.__copyLinks) {
    window.__copyLinks = true;
    document.addEventListener('click', async (event) => {
      const button = event.target.closest('button[data-link]');
      if (!button) return;
      const link = new URL('.' + button.dataset.link, window.location.href).href;
      let copied = false;
      try { await navigator.clipboard.writeText(link); copied = true; } catch (error) {
        const area = document.createElement('textarea');
        area.value = link; document.body.appendChild(area); area.select();
        copied = document.execCommand('copy'); area.remove();
      }
      button.title = link;
      button.textContent = copied ? 'Link copied ✓' : 'Select the link to copy it: ' + link;
    });
  }
  const here = window.location.href;
  if (window.location.search) window.history.replaceState(null, '', window.location.pathname);
  return [here];
}
"""

# After an answer link has filled the question and the choices, press Ask, as the reader of the link would.
# Ask opens once the user's session is restored (saved.wire): pressing it earlier would be ignored, so wait for it.
ASK_JS = """(pending) => {
  const press = () => {
    const button = document.querySelector('#ask-button');
    if (button && !button.disabled) button.click(); else setTimeout(press, 100);
  };
  if (pending === 'ask') press();
  return [];
}"""


def wire(app: gr.Blocks, context: AppContext, chat: Chat, restoring: Dependency) -> None:
    """Open the link the page was loaded with: an answer's fills the Ask tab and asks; a passage's opens the
    reader. A bad link is answered with what is wrong with it.

    Only once ``restoring`` (the saved session's restore, saved.py) is done: both set the Ask tab's choices, and
    a restore that came second put the user's saved k and mode over the link's (two load events, in no set order)."""
    address = gr.Textbox(visible=False)
    pending = gr.Textbox(visible=False)
    assistant = context.assistant

    def open_address(url: str) -> tuple[Any, ...]:
        skip = (gr.skip(),) * 12
        try:
            link = shared_link(url or "")
        except LinkError as error:
            _warn(f"This link cannot be opened: {error}")
            return skip
        if isinstance(link, AnswerLink):
            return (*_ask_with(assistant, chat, link), *(gr.skip(),) * 3)
        if isinstance(link, PassageLink):
            html, choice = linked(assistant, link)
            return (*(gr.skip(),) * 9, html, choice, gr.Tabs(selected="reader"))
        return skip

    outputs = [pending, chat.question, chat.k, chat.source_filter, chat.mode, chat.published_from, chat.published_to,
               chat.publishers, chat.order, context.reader.html, context.reader.choice, context.tabs]  # fmt: skip
    restoring.then(open_address, address, outputs, js=ON_LOAD_JS, **queues.UI.options()).then(
        None, pending, None, js=ASK_JS
    )


def _ask_with(assistant: Assistant, chat: Chat, link: AnswerLink) -> tuple[Any, ...]:
    """The Ask tab's question and choices as ``link`` gives them, and "ask" to press the button."""
    known = {s.id for s in assistant.sources()}
    missing = [s for s in link.sources if s not in known]
    if missing:
        _warn(f"The link names sources no longer in the library, left out: {', '.join(missing)}")
    most = int(chat.k.maximum or link.k)
    if link.k > most:
        _warn(f"The link asks for {link.k} passages; the app shows at most {most}.")
    label = next((name for name, mode in MODES.items() if mode == link.mode), gr.skip())
    where = link.where
    dates = [day.isoformat() if day else "" for day in (where.published_from, where.published_to)]
    order = next(name for name, value in ORDER_LABELS.items() if value == link.sort)
    sources = source_chosen(assistant, link.sources)
    return "ask", link.query, min(link.k, most), sources, label, *dates, publishers_chosen(assistant, where.publishers), order


def _warn(message: str) -> None:
    # Gradio renders a warning as HTML, and a link's parameters are anyone's text: shown as text.
    gr.Warning(escape(message))
