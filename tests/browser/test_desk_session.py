"""The desk in a real browser: a reload keeps the chat, its choices and the citations; the Citations tab moves,
removes and (after a confirmation) clears; a date filter changes the answer. Two of the articles are given
dates in this module's own copy of the sources (the shipped sources.toml states none)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.webapp import build_app, launch
from assistant.webapp.saved import STORAGE_KEY
from tests.browser.conftest import SOURCES, open_app
from tests.browser.test_browser import ask, last_turn

pytestmark = pytest.mark.browser

ITV, BBC = "001_3bd223bcd275ebfb.txt", "003_7582e51dae7e9a11.txt"
DATED = f'["{ITV}"]\npublisher = "ITV News"\npublished = 2022-08-18\n\n["{BBC}"]\npublisher = "BBC"\npublished = 2022-08-19\n'
QUESTION = "How many allegations is the unit investigating?"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Iterator[tuple[str, Assistant]]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("desk-session")
    shutil.copytree(SOURCES, root / "sources", ignore=shutil.ignore_patterns("sources.toml"))
    (root / "sources" / "sources.toml").write_text(DATED, encoding="utf-8")
    assistant = Assistant(root / "sources", root / "index", embedder=real_embedder)
    assistant.refresh()
    app = build_app(assistant)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    yield url, assistant
    app.close()


def citations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#citations ol.citations li .cite").all_inner_texts()


def gather(page, ranks: int) -> None:  # type: ignore[no-untyped-def]
    """Press Copy citation on the first ``ranks`` cards of the last answer."""
    for card in last_turn(page).locator("article.card").all()[:ranks]:
        button = card.locator("button.copy")
        button.click()
        page.wait_for_function("b => b.textContent.startsWith('Copied') || b.textContent.startsWith('Added')", arg=button.element_handle())


def stored(page) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate("key => localStorage.getItem(key)", STORAGE_KEY)


def until_stored(page, before: str | None) -> None:  # type: ignore[no-untyped-def]
    """Wait until the browser has stored the session anew: Gradio writes it in an event after the change, so a
    reload at once could read the value from before. Done when it differs from ``before`` and holds for 2 s."""
    page.wait_for_function("([key, old]) => localStorage.getItem(key) !== old", arg=[STORAGE_KEY, before])
    last, steady = stored(page), 0
    while steady < 4:
        page.wait_for_timeout(500)
        now = stored(page)
        steady, last = (steady + 1 if now == last else 0), now


def test_a_reload_keeps_the_chat_its_choices_and_the_citations(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    page.click("#k input[type=number]", click_count=3)
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    ask(page, QUESTION)
    assert last_turn(page).locator("article.card").count() == 3
    before = stored(page)
    gather(page, 1)
    until_stored(page, before)
    page.click("#tab-citations-button")
    page.locator("#citations ol.citations li").wait_for()
    gathered = citations(page)

    open_app(page)
    turns = page.locator("#conversation section.turn")
    assert turns.count() == 1 and QUESTION in turns.first.locator(".question").inner_text()
    assert "hybrid · 3 passages" in turns.first.locator(".produced").inner_text()
    assert turns.first.locator("article.card").count() == 3
    assert page.locator("#k input[type=number]").input_value() == "3"
    page.click("#tab-citations-button")
    page.locator("#citations ol.citations li").wait_for()
    assert citations(page) == gathered
    assert page.page_errors == []


def test_citations_move_up_and_down_are_removed_and_cleared_only_after_a_confirmation(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    ask(page, QUESTION)
    gather(page, 3)
    page.click("#tab-citations-button")
    page.wait_for_function("() => document.querySelectorAll('#citations ol.citations li').length === 3")
    first, second, third = citations(page)
    assert page.locator("#citation-count").inner_text() == "3 citations gathered"

    page.locator("#citations li").nth(0).locator("button.cite-down").click()
    page.wait_for_function("t => document.querySelector('#citations li .cite').textContent === t", arg=second)
    assert citations(page) == [second, first, third]
    page.locator("#citations li").nth(2).locator("button.cite-up").click()
    page.wait_for_function("t => document.querySelectorAll('#citations li .cite')[1].textContent === t", arg=third)
    assert citations(page) == [second, third, first]
    page.locator("#citations li").nth(1).locator("button.cite-remove").click()
    page.wait_for_function("() => document.querySelectorAll('#citations ol.citations li').length === 2")
    assert citations(page) == [second, first]
    assert page.locator("#citation-count").inner_text() == "2 citations gathered"

    page.click("#tab-citations-button")
    page.get_by_label("Full reference").check()
    page.wait_for_function("() => document.querySelector('#citations li .cite').textContent.includes('(accessed ')")
    page.screenshot(path=str(screenshots / "citations-desk.png"))

    page.click("#clear-citations")
    page.click("#clear-confirm-no")
    page.locator("#clear-confirm").wait_for(state="hidden")
    assert len(citations(page)) == 2
    page.click("#clear-citations")
    before = stored(page)
    page.click("#clear-confirm-yes")
    page.locator("#citations .hint").wait_for()
    assert citations(page) == []
    until_stored(page, before)
    open_app(page)  # cleared stays cleared; the chat is kept
    page.click("#tab-citations-button")
    page.locator("#citations .hint").wait_for()
    assert page.locator("#conversation section.turn").count() == 1
    assert page.page_errors == []


def test_a_date_filter_keeps_the_answer_to_the_sources_published_in_the_range(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    ask(page, QUESTION)
    assert len(set(last_turn(page).locator("article.card > header > .title").all_inner_texts())) > 2
    page.fill("#published-from input, #published-from textarea", "2022-08-19")
    ask(page, QUESTION)
    turn = last_turn(page)
    assert "published 2022-08-19 to any date" in turn.locator(".produced").inner_text()
    titles = turn.locator("article.card > header > .title").all_inner_texts()
    assert titles and set(titles) == {"Inside the new Met police unit investigating officer abuse claims"}
    page.screenshot(path=str(screenshots / "desk-filters.png"))

    page.fill("#published-from input, #published-from textarea", "19/08/2022")
    page.fill("#question textarea", QUESTION)
    page.press("#published-from input, #published-from textarea", "Enter")  # Enter asks from every box
    page.get_by_text("published_from: must be a date such as 2022-08-18, got '19/08/2022'").wait_for()
    assert page.locator("#conversation section.turn").count() == 2  # a mistake adds nothing to the chat
    assert page.page_errors == []
