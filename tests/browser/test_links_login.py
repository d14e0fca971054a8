"""An answer link opened with login on: the login form first, then, once signed in, the linked answer."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from assistant.embedding import SentenceTransformerEmbedder
from assistant.service import Assistant
from assistant.webapp import build_app, launch
from assistant.webapp.login import auth_from_env

pytestmark = pytest.mark.browser

SOURCES = Path(__file__).resolve().parents[2] / "sources"
QUESTION = "How many allegations is the unit investigating?"


@pytest.fixture(scope="module")
def served_with_login(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[str, Assistant]]:
    root = tmp_path_factory.mktemp("login-app")
    shutil.copytree(SOURCES, root / "sources")
    assistant = Assistant(root / "sources", root / "index", embedder=real_embedder)
    assistant.refresh()
    app = build_app(assistant)
    logins = auth_from_env({"ASSISTANT_AUTH": "alice:s3cret"})
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True, auth=logins)
    yield url, assistant
    app.close()


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
