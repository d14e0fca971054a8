"""An answer link opened with login on: the login form first, then, once signed in, the linked answer."""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

QUESTION = "How many allegations is the unit investigating?"


def test_an_answer_link_opens_its_answer_after_signing_in(chromium, served_with_login) -> None:  # type: ignore[no-untyped-def]
    url, assistant = served_with_login
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(url.rstrip("/") + f"/?q={quote(QUESTION)}&k=3&mode=bm25")
    page.locator("input[type=password]").wait_for()
    page.locator("input").first.fill("alice")
    page.locator("input[type=password]").fill("s3cret")
    page.locator("button", has_text="Login").click()
    page.wait_for_selector("#conversation section.turn article.card")
    turn = page.locator("#conversation section.turn").last
    assert turn.locator("p.question").inner_text() == QUESTION
    expected = assistant.ask(QUESTION, k=3, mode="bm25")  # the link's count and ranking, not the app's defaults
    shown = [" ".join(text.split()) for text in turn.locator("article.card mark.quote").all_inner_texts()]
    assert shown == [" ".join(p.quote.text.split()) for p in expected.results]
    context.close()
