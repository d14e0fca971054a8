"""``build_app(assistant)``: the Gradio app, a thin shell over ``Assistant``.

Per-user data (the chat and the citations gathered) lives in ``gr.State``; the only shared object is
the ``Assistant``, whose searches read an immutable snapshot, so an upload being indexed never
blocks or disturbs a search.

Add-ons (the quote desk, for one) extend the app without editing it: ``answer_addons`` add HTML
under each answer, and ``tabs`` add tabs that may gather citations into the session and open the reader.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import AssistantError, SettingsError
from ..render import result_to_json
from ..service import Assistant
from ..types import SearchResult
from . import cards
from .export import write_exports
from ..conversation import search_with_context
from .session import Session, Turn
from .uploads import MAX_UPLOAD_BYTES, UploadError, human_size, save_upload

# Cosine similarity of the best passage under which the app says nothing answers closely. On the
# articles, questions they answer score 0.29-0.61 (paraphrases lowest) and unrelated ones about 0.0.
# The evaluation calibrates it on the gold set and pins it in eval/expected.toml ([abstention] abstain_below).
DEFAULT_ABSTAIN_BELOW = 0.20
AUTH_ENV = "ASSISTANT_AUTH"
MODES = {"Hybrid (meaning + keywords)": "hybrid", "Meaning (dense)": "dense", "Keywords (BM25)": "bm25"}

AnswerAddon = Callable[[SearchResult], str]


@dataclass(frozen=True)
class AppContext:
    """What an add-on tab needs: the API, the session state, how to show gathered citations, and how to
    open a source in the reader."""

    assistant: Assistant
    session: gr.State  # holds a Session
    citation_outputs: tuple[gr.components.Component, ...]  # list, Markdown download, CSV download
    citation_updates: Callable[[Session], tuple[Any, ...]]  # values for citation_outputs
    reader_outputs: tuple[gr.components.Component, ...]  # the reader, its document choice, the tab bar
    # values for reader_outputs: (source id, (start, end) marked, the text expected there, span shaded or None)
    reader_updates: Callable[[str, tuple[int, int], str, tuple[int, int] | None], tuple[Any, ...]]


TabAddon = Callable[[AppContext], None]


def load_abstain_threshold(expected: Path) -> float:
    """``[abstention] abstain_below`` from the evaluation's pinned figures, else the default.

    The evaluation pins it with the other figures it justifies; the app must not import the
    evaluation package, so it reads the one value itself.
    """
    if not expected.exists():
        return DEFAULT_ABSTAIN_BELOW
    with expected.open("rb") as handle:
        value = tomllib.load(handle).get("abstention", {}).get("abstain_below", DEFAULT_ABSTAIN_BELOW)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{expected}: [abstention] abstain_below must be a number, got {value!r}")
    return float(value)


def auth_from_env(environ: Mapping[str, str] = os.environ) -> list[tuple[str, str]] | None:
    """Logins from ``ASSISTANT_AUTH="alice:secret,bob:other"``; None (no login) when unset."""
    raw = environ.get(AUTH_ENV, "").strip()
    if not raw:
        return None
    logins = []
    for entry in raw.split(","):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user or not password:
            raise SettingsError(f"{AUTH_ENV} must look like 'user:password[,user2:password2]', got an entry {user!r}")
        logins.append((user, password))
    return logins


def build_app(
    assistant: Assistant,
    *,
    abstain_below: float = DEFAULT_ABSTAIN_BELOW,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    answer_addons: Sequence[AnswerAddon] = (),
    tabs: Sequence[TabAddon] = (),
    reported_also_by: bool = False,
) -> gr.Blocks:
    """The app over ``assistant``, whose index must already be built (``Assistant.refresh()``).

    Args:
        abstain_below: similarity of the best passage under which the answer says that nothing in
            the sources answers closely (see ``load_abstain_threshold``).
        max_upload_bytes: largest file accepted from the browser.
        answer_addons: each turns an answer's ``SearchResult`` into HTML shown under its cards (not
            under a weak answer); it must escape any document text itself (``html.escape``).
        tabs: each is called inside the tab bar with an ``AppContext`` and may add a ``gr.Tab``.
        reported_also_by: each card lists the other sources that state its quote in other words
            (``Assistant.reported_also_by``; a few sentence embeddings per passage).
    """
    exports_root = Path(tempfile.mkdtemp(prefix="assistant-citations-"))

    def html(value: str, elem_id: str, js: str | None = cards.ACTIONS_JS) -> gr.HTML:
        return gr.HTML(value, elem_id=elem_id, css_template=cards.STYLE, js_on_load=js)

    def source_choices() -> list[tuple[str, str]]:
        return [(f"{s.title} ({s.id})", s.id) for s in assistant.sources()]

    def citation_updates(session: Session) -> tuple[Any, ...]:
        if not session.citations:
            empty = gr.DownloadButton(value=None, interactive=False)
            return cards.citations_html(()), empty, empty
        markdown, table = write_exports(session.citations, Path(tempfile.mkdtemp(dir=exports_root)))
        return (
            cards.citations_html(session.citations),
            gr.DownloadButton(value=str(markdown), interactive=True),
            gr.DownloadButton(value=str(table), interactive=True),
        )

    # -- handlers ---------------------------------------------------------------------------------

    def ask(question: str, session: Session, k: float, sources: list[str], mode: str, use_context: bool):
        if not question or not question.strip():
            gr.Warning("Type a question first.")
            return session, gr.skip(), gr.skip()
        question = question.strip()
        previous = session.questions() if use_context else []
        ranking = MODES.get(mode, mode)
        try:
            result = search_with_context(
                lambda text: assistant.search(text, k=int(k), sources=sources or None, mode=ranking),
                question,
                previous,
                int(k),
            )
        except AssistantError as error:
            turn = Turn(question, question, error=str(error))
        else:
            # The evaluation calibrates abstain_below on this same signal.
            best = result.best_similarity()
            weak = best is not None and best < abstain_below
            # Not for a weak answer: its passages do not answer the question, so their figures and who else
            # states them would only add noise to "nothing answers this closely".
            extra = "" if weak else "".join(addon(result) for addon in answer_addons)
            reported = (
                tuple(tuple(assistant.reported_also_by(p)) for p in result.results)
                if reported_also_by and not weak
                else ()
            )
            turn = Turn(question, result.query, result, weak=weak, extra=extra, reported=reported)
        session = session.ask(turn)
        return session, cards.conversation_html(session.turns), ""

    def new_conversation(session: Session):
        session = Session(citations=session.citations)
        return session, cards.conversation_html(())

    def act(session: Session, event: gr.SelectData):
        """A button under an answer: "copy" gathers a citation, "open" (and an add-on's "read") shows it in
        the reader. Buttons name what they act on by its place in the session (or, for "read", by a span
        the session has shown), so no document text or offsets are taken on trust from the browser."""
        unchanged = (gr.skip(),) * 3
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
            return (session, *unchanged, *unchanged)
        if verb.startswith("copy"):
            session = session.collect(target.record())
            return (session, *unchanged, *citation_updates(session))
        where = (target.quote.start, target.quote.end)
        return (session, *reader_updates(target.source.id, where, target.quote.text, target.around), *unchanged)

    def reader_updates(
        source_id: str, where: tuple[int, int], text: str, span: tuple[int, int] | None
    ) -> tuple[Any, ...]:
        """The reader on ``source_id`` with ``where`` marked inside ``span``, and its tab shown."""
        return (open_reader(source_id, where, text, span), gr.Dropdown(value=source_id), gr.Tabs(selected="reader"))

    def open_reader(source_id: str, where: tuple[int, int], text: str, span: tuple[int, int] | None) -> str:
        try:
            doc = assistant.document(source_id)
        except AssistantError as error:
            return cards.notice(str(error))
        if doc.text[where[0] : where[1]] != text:  # the source changed since this answer was given
            return cards.notice("This source has changed since the answer; showing it as it is now.") + (
                cards.reader_html(doc)
            )
        return cards.reader_html(doc, where, span)

    def choose_document(source_id: str | None) -> str:
        if not source_id:
            return cards.reader_html(None)
        try:
            return cards.reader_html(assistant.document(source_id))
        except AssistantError as error:
            return cards.notice(str(error))

    def listing():
        choices = source_choices()
        return (
            cards.sources_html(assistant.sources(), assistant.failures()),
            gr.Dropdown(choices=choices),
            gr.Dropdown(choices=choices),
        )

    def upload(files: list[str] | None):
        saved, refused = [], []
        for path in files or []:
            try:
                saved.append(save_upload(Path(path), Path(path).name, assistant.sources_dir, max_upload_bytes).name)
            except UploadError as error:
                refused.append(str(error))
            except OSError as error:
                refused.append(f"{Path(path).name}: could not be saved ({error.strerror})")
        summary = "Nothing was added."
        if saved:
            started = time.perf_counter()
            try:
                report = assistant.refresh()
            except AssistantError as error:
                summary = f"Saved, but the index could not be updated: {error}"
            else:
                summary = (
                    f"Indexed in {time.perf_counter() - started:.1f} s and searchable now: "
                    f"{report.documents} documents, {report.chunks} passages."
                )
        return (cards.upload_status_html(saved, refused, summary), *listing(), None)

    def clear_citations(session: Session):
        session = Session(turns=session.turns)
        return (session, *citation_updates(session))

    def search(query: str, k: int = 5, sources: list[str] | None = None, mode: str = "") -> str:
        """Ranked, cited passages for `query`: the same JSON text as `python -m assistant ask --json`."""
        # JSON text rather than a dict: gradio_client takes any dict with a "path" key (our sources
        # have one) for a file to download, and fails on it.
        try:
            result = assistant.search(query, k=int(k), sources=sources or None, mode=mode or None)
        except AssistantError as error:
            raise gr.Error(str(error)) from None
        return json.dumps(result_to_json(result), ensure_ascii=False)

    # -- layout -----------------------------------------------------------------------------------

    private: dict[str, Any] = {"api_visibility": "undocumented"}
    with gr.Blocks(title="Source assistant", delete_cache=(3600, 3600)) as app:
        session = gr.State(Session())
        gr.Markdown("## Source assistant\nRanked, verbatim passages from the sources, each with an exact citation.")
        with gr.Tabs(selected="ask", elem_id="tabs") as tab_set:
            with gr.Tab("Ask", id="ask", elem_id="tab-ask"), gr.Row():
                with gr.Column(scale=4):
                    conversation = html(cards.conversation_html(()), "conversation")
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask about the sources…", show_label=False, scale=5, elem_id="question"
                        )
                        ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
                    new_button = gr.Button("New conversation", size="sm", elem_id="new-conversation")
                with gr.Column(scale=1, min_width=220):
                    k = gr.Slider(1, 20, value=5, step=1, label="Passages", elem_id="k")
                    source_filter = gr.Dropdown(
                        [], multiselect=True, label="Only these sources", elem_id="source-filter"
                    )
                    mode = gr.Radio(list(MODES), value=next(iter(MODES)), label="Ranking", elem_id="mode")
                    use_context = gr.Checkbox(True, label="Follow-ups use the conversation", elem_id="use-context")
            with gr.Tab("Reader", id="reader", elem_id="tab-reader"):
                reader_choice = gr.Dropdown([], label="Document", elem_id="reader-document")
                reader = html(cards.reader_html(None), "reader", cards.READER_JS)
            with gr.Tab("Sources", id="sources", elem_id="tab-sources"):
                sources_table = html("", "sources-table", None)
                upload_box = gr.File(
                    label=f"Add documents (.txt .md .html .pdf, up to {human_size(max_upload_bytes)} each)",
                    file_count="multiple",
                    elem_id="upload",
                )
                upload_status = html("", "upload-status", None)
            with gr.Tab("Citations", id="citations", elem_id="tab-citations"):
                citations = html(cards.citations_html(()), "citations", None)
                with gr.Row():
                    download_md = gr.DownloadButton("Download Markdown", interactive=False, elem_id="download-md")
                    download_csv = gr.DownloadButton("Download CSV", interactive=False, elem_id="download-csv")
                    clear = gr.Button("Clear citations", elem_id="clear-citations")
            context = AppContext(
                assistant,
                session,
                (citations, download_md, download_csv),
                citation_updates,
                (reader, reader_choice, tab_set),
                reader_updates,
            )
            for add_tab in tabs:
                add_tab(context)

        # -- wiring -------------------------------------------------------------------------------
        asked = [session, conversation, question]
        ask_inputs = [question, session, k, source_filter, mode, use_context]
        ask_button.click(ask, ask_inputs, asked, concurrency_limit=4, **private)
        question.submit(ask, ask_inputs, asked, concurrency_limit=4, **private)
        new_button.click(new_conversation, session, [session, conversation], **private)
        conversation.select(act, session, [session, *context.reader_outputs, *context.citation_outputs], **private)
        reader_choice.input(choose_document, reader_choice, reader, **private)
        upload_box.upload(
            upload, upload_box, [upload_status, sources_table, source_filter, reader_choice, upload_box], **private
        )
        clear.click(clear_citations, session, [session, *context.citation_outputs], **private)
        app.load(listing, None, [sources_table, source_filter, reader_choice], **private)
        gr.api(search, api_name="search")
    return app


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = 7860, **kwargs: Any) -> tuple[Any, str, str]:
    """Serve ``app``: localhost unless told otherwise, with the logins from ``ASSISTANT_AUTH`` if set.

    ``port=None`` takes the first free port from 7860; other keywords go to ``gr.Blocks.launch``.
    """
    kwargs.setdefault("max_file_size", MAX_UPLOAD_BYTES)  # Gradio refuses bigger files before they touch the disk
    return app.launch(server_name=host, server_port=port, auth=auth_from_env(), footer_links=["api"], **kwargs)
