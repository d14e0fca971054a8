"""The quote desk in the served app: verify over HTTP, add a verified place to the citations with its verdict,
open it in the reader, figures under each answer linking to their spans, and "reported also by" on each card.

Buttons inside our HTML reach Python through Gradio's ``select`` event, which gradio_client cannot send; those
handlers are called as the app registered them, with the ``SelectData`` a click would bring.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from html import escape
from pathlib import Path

import gradio as gr
import pytest
from gradio_client.exceptions import AppError

from assistant.config import Settings
from assistant.service import Assistant
from assistant.webapp import build_app, cards, launch
from assistant.webapp.desk_html import EMPTY_QUOTE
from assistant.webapp.session import Session
from tests.test_webapp_app import client, facade, handler, weak_below  # noqa: F401 (a fixture)
from tests.test_webapp_quote_desk import marked

SOURCES = Path(__file__).resolve().parent.parent / "sources"
CHANGED = "Since the Unit was formed allegations of abuse against officers has climbed to 652."
STRAIGHT = 'It was looking into 625 misconduct allegations, ranging from "inappropriate behaviour" to criminal offences'
CLARK = "000_b4efa6d47b194183.txt"


@pytest.fixture
def desk(tmp_path: Path, fake_embedder, weak_below) -> Iterator[tuple[str, gr.Blocks]]:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    weak_below(-1)  # every answer counts as answered, so the desk shows its figures
    app = build_app(assistant)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    yield url, app
    app.close()


def click(action: str) -> gr.SelectData:
    """What a button with this ``data-action`` hands to Python (see ``cards.ACTIONS_JS``)."""
    return gr.SelectData(None, {"index": 0, "value": action})


def test_a_changed_number_is_altered_with_the_number_marked(desk) -> None:  # type: ignore[no-untyped-def]
    url, _ = desk
    html = client(url).predict(CHANGED, api_name="/verify_page")
    assert ">ALTERED</span>" in html and "similarity 0.99" in html
    assert marked(html, "changed number") == [("625", "652")]
    assert "climbed to 625.</blockquote>" in html  # the source's own text


def test_a_quote_with_straight_quote_marks_is_exact_after_folding(desk) -> None:  # type: ignore[no-untyped-def]
    url, _ = desk
    html = client(url).predict(STRAIGHT, api_name="/verify_page")
    assert ">EXACT</span>" in html and "Found after folding" in html
    assert "“inappropriate behaviour”" in html  # shown as the source writes it


@pytest.mark.parametrize("empty", ["", "   \n ", "“ ”"])
def test_an_empty_quote_gets_a_clear_message(desk, empty: str) -> None:  # type: ignore[no-untyped-def]
    url, _ = desk
    html = client(url).predict(empty, api_name="/verify_page")
    assert '<p class="error">' in html
    assert EMPTY_QUOTE in html or "the quote is empty" in html


def test_the_verify_endpoint_returns_the_json_of_verify_json(desk) -> None:  # type: ignore[no-untyped-def]
    url, _ = desk
    answer = json.loads(client(url).predict(CHANGED, api_name="/verify"))
    assert answer["verdict"] == "altered" and answer["matches"][0]["source"]["id"] == CLARK
    assert [(op["source_text"], op["quote_text"]) for op in answer["matches"][0]["diff"] if op["flag"] == "number"] == [
        ("625", "652")
    ]


@pytest.mark.parametrize(
    ("quote", "message"),
    [
        (["a quote"], "quote: must be text, got list ['a quote']"),
        ("x" * 20_001, "quote: is 20,001 characters long; the limit is 20,000"),
        ("   ", "the quote is empty"),
    ],
)
def test_the_verify_endpoint_refuses_a_bad_quote_with_the_cores_message(desk, quote, message: str) -> None:  # type: ignore[no-untyped-def]
    url, _ = desk
    with pytest.raises(AppError) as refused:
        client(url).predict(quote, api_name="/verify")
    assert message in str(refused.value)


def test_the_quote_box_takes_at_most_the_configured_quote_length(desk) -> None:  # type: ignore[no-untyped-def]
    _, app = desk
    (box,) = [b for b in app.blocks.values() if getattr(b, "elem_id", None) == "verify-quote"]
    assert box.max_length == Settings().requests.quote_chars


def test_enter_verifies_a_quote_as_it_asks_a_question(desk) -> None:  # type: ignore[no-untyped-def]
    _, app = desk
    boxes = {b.elem_id: b for b in app.blocks.values() if getattr(b, "elem_id", None) in ("verify-quote", "question")}
    # Gradio submits on Enter (Shift+Enter: a new line) only in a box of one line that grows.
    assert [(box.lines, box.max_lines > 1) for box in boxes.values()] == [(1, True), (1, True)]


def test_add_to_citations_gathers_the_place_with_its_verdict_and_open_shows_it_in_the_reader(desk) -> None:  # type: ignore[no-untyped-def]
    _, app = desk
    verification, _ = handler(app, "verify")(CHANGED)
    session, _reader, _choice, _tabs, listing, markdown, _table = handler(app, "desk_action")(
        verification, Session(), click("cite:0")
    )
    (record,) = session.citations
    assert record.source == CLARK and record.quote.endswith("climbed to 625.")
    assert record.verdict == "altered (similarity 0.99): source “625”, quote “652”"
    assert "altered (similarity 0.99)" in listing and record.verdict in Path(markdown.value["path"]).read_text("utf-8")

    unchanged, reader, choice, tabs, *_ = handler(app, "desk_action")(verification, session, click("open:0"))
    assert unchanged == session
    assert '<mark class="quote">Since the Unit was formed' in reader and "climbed to 625.</mark>" in reader
    assert (choice.value, tabs.selected) == (CLARK, "reader")

    for forged in ("cite:7", "delete:0", "read:0:5:" + CLARK):
        assert handler(app, "desk_action")(verification, session, click(forged))[0] == session


def test_figures_show_under_each_answer_and_each_links_to_its_span_in_the_reader(desk) -> None:  # type: ignore[no-untyped-def]
    url, app = desk
    answer, _ = client(url).predict("How many allegations?", 5, [], "Keywords (BM25)", True, "", "", [], "Relevance", api_name="/ask")
    assert '<section class="figures">' in answer and "625 allegations</button>" in answer

    session, _, _ = handler(app, "ask")("How many allegations?", Session(), 5, [], "bm25", True)
    figure = answer.split(">625 allegations</button>")[0].rsplit('data-action="', 1)[1].split('"')[0]
    source_id, _, end = cards.parse_read(figure) or ("", 0, 0)
    _, reader, choice, tabs, *_ = handler(app, "act")(session, click(figure))
    assert (choice.value, tabs.selected) == (source_id, "reader")
    assert reader.split('<mark class="quote">')[1].startswith("625")  # the figure, marked in its source

    # A span no answer showed opens nothing: the browser cannot name arbitrary offsets.
    assert handler(app, "act")(session, click(f"read:0:{end}:{source_id}"))[1:4] == (gr.skip(),) * 3


@pytest.mark.integration
def test_each_card_lists_who_else_reports_it_and_each_can_be_cited_or_opened(articles: Assistant) -> None:
    app = build_app(facade(articles))
    ask, act = handler(app, "ask"), handler(app, "act")
    session, html, _ = ask("How many allegations is the unit investigating?", Session(), 5, [], "hybrid", True)
    (turn,) = session.turns
    assert len(turn.reported) == len(turn.result.results) and any(turn.reported)
    assert "<summary>Reported also by: " in html
    rank = next(r for r, links in enumerate(turn.reported, start=1) if links)
    link = turn.reported[rank - 1][0]
    assert link.source.id != turn.result.results[rank - 1].source.id

    session, *_, listing, _, _ = act(session, click(f"copy-rep:0:{rank}:0"))
    (record,) = session.citations
    assert (record.source, record.start, record.end) == (link.source.id, link.quote.start, link.quote.end)
    assert record.question == "How many allegations is the unit investigating?"
    assert escape(link.quote.text) in listing
    _, reader, choice, _, *_ = act(session, click(f"open-rep:0:{rank}:0"))
    assert choice.value == link.source.id and link.quote.text.split()[0] in reader.split('<mark class="quote">')[1]


def test_a_weak_answer_shows_neither_figures_nor_who_else_reports_its_passages(tmp_path: Path, fake_embedder, weak_below) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    weak_below(1.0)  # the core calls every answer weak
    app = build_app(assistant)
    session, html, _ = handler(app, "ask")("How many allegations?", Session(), 5, [], "bm25", True)
    assert "No passage in the sources answers this closely." in html
    assert '<section class="figures">' not in html and "Reported also by" not in html
    assert session.turns[0].reported == ()
