"""A session that survives a reload: kept in the browser's storage (``gr.BrowserState``, which Gradio encrypts
with the app's secret) and restored when the page loads, until the user clears it.

With login on, the stored value holds one session per user name, and a page is given only its own user's: two
people who share a browser never see each other's work. The secret comes from ``ASSISTANT_SESSION_SECRET``, or
is kept in the index folder (``session-secret``), so sessions also survive a restart of the server; without
either (an index in PostgreSQL) it lasts as long as the server process.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.events import Dependency

from ..service import Assistant
from . import chat as chat_tab
from . import addresses, citations_tab, queues
from .choosers import publishers_chosen, source_chosen
from .context import AppContext
from .plain import from_plain, to_plain
from .session import Session

VERSION = 1  # of the stored layout: a session stored by another version is not read (the page starts afresh)
SECRET_ENV = "ASSISTANT_SESSION_SECRET"
SECRET_FILE = "session-secret"
STORAGE_KEY = "assistant-session"


def browser_state(assistant: Assistant) -> gr.BrowserState:
    return gr.BrowserState({}, storage_key=STORAGE_KEY, secret=secret_for(assistant))


def secret_for(assistant: Assistant) -> str:
    """The key the stored sessions are encrypted with: the environment's, else the index folder's (made once)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    folder = getattr(assistant.store, "folder", None)  # the files store has one; a database has none
    if not isinstance(folder, Path):
        return secrets.token_urlsafe(32)
    path = folder / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        made = secrets.token_urlsafe(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by the server only
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(made)
        return made


def user_of(request: gr.Request | None) -> str:
    """Whose session a request is: the signed-in user, or "" without login."""
    return (request.username if request is not None else None) or ""


def stored(saved: Any, user: str, session: Session) -> dict[str, Any]:
    """The browser's new stored value: ``session`` as ``user``'s, the other users' sessions kept as they were."""
    users = dict(saved["users"]) if _readable(saved) else {}
    users[user] = to_plain(session)
    return {"version": VERSION, "users": users}


def restored(saved: Any, user: str) -> Session:
    """``user``'s stored session; a new one when there is none, or it was stored by another version of the app."""
    if not _readable(saved) or user not in saved["users"]:
        return Session()
    try:
        return from_plain(Session, saved["users"][user])
    except ValueError:
        return Session()


def _readable(saved: Any) -> bool:
    return isinstance(saved, dict) and saved.get("version") == VERSION and isinstance(saved.get("users"), dict)


def wire(app: gr.Blocks, context: AppContext, chat: chat_tab.Chat, saved: gr.BrowserState) -> Dependency:
    """Restore the user's session into the page when it loads, and store it again whenever it changes.

    Returns the restore, for what the page does on load that the restored choices must not overwrite."""
    citations = context.citations

    def restore(value: Any, request: gr.Request):
        session = restored(value, user_of(request))
        chosen = session.preferences
        return (
            session,
            chat_tab.conversation_html(session.turns, addresses.passage_links(context.assistant)),
            *citations.updates(session),
            chosen.k,
            source_chosen(context.assistant, chosen.sources),
            _label(chat_tab.MODES, chosen.mode),
            chosen.use_context,
            chosen.published_from,
            chosen.published_to,
            publishers_chosen(context.assistant, chosen.publishers),
            _label(chat_tab.ORDER_LABELS, chosen.order),
            _label(citations_tab.STYLES, chosen.style),
            gr.Textbox(interactive=True),
            gr.Button(interactive=True),
        )

    def store(value: Any, session: Session, request: gr.Request) -> dict[str, Any]:
        return stored(value, user_of(request), session)

    shown = [context.session, chat.conversation, *citations.outputs, *chat.controls, citations.style, chat.question, chat.ask]
    restoring = app.load(restore, saved, shown, **queues.UI.options())
    context.session.change(store, [saved, context.session], saved, **queues.UI.options())
    return restoring


def _label(labels: dict[str, str], name: str) -> str:
    """The control's label for the core's ``name`` (the first label when the name is unknown)."""
    return next((label for label, value in labels.items() if value == name), next(iter(labels)))
