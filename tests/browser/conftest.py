"""A real browser (Debian's Chromium, driven by Playwright) against the app served over a copy of the sources.

Playwright cannot download its own browser here: the tests use /usr/bin/chromium (``apt-get install
chromium``) and are skipped with that hint when it is missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from assistant.embedding import SentenceTransformerEmbedder
from assistant.webapp import build_app, launch
from assistant.webapp.login import auth_from_env

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium keeps calling Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "sources"
# A test run leaves tracked files unchanged: screenshots go to a git-ignored folder, and only
# ASSISTANT_UPDATE_SCREENSHOTS=1 (an explicit choice) rewrites the README's pictures in docs/screenshots/.
SCREENSHOTS = ROOT / ("docs" if os.environ.get("ASSISTANT_UPDATE_SCREENSHOTS") == "1" else "tests") / "screenshots"


@contextmanager
def app_over_copy(root: Path, embedder: SentenceTransformerEmbedder, **launch_options: Any) -> Iterator[tuple[str, Assistant]]:
    """The app on a free port over its own copy of the sources in ``root``, as app.py builds it (the quote desk
    on, the core's weak-answer rule); ``launch_options`` go to ``launch`` (e.g. ``auth``)."""
    shutil.copytree(SOURCES, root / "sources")
    assistant = Assistant(root / "sources", root / "index", embedder=embedder)
    assistant.refresh()
    app = build_app(assistant)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True, **launch_options)
    try:
        yield url, assistant
    finally:
        app.close()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[str, Assistant]]:
    """The app over its own copy of the sources (the tests upload into it), real model."""
    with app_over_copy(tmp_path_factory.mktemp("browser-app"), real_embedder) as app:
        yield app


@pytest.fixture(scope="module")
def served_with_login(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[str, Assistant]]:
    """As ``served``, with one login: alice, password s3cret (ASSISTANT_AUTH="alice:s3cret")."""
    logins = auth_from_env({"ASSISTANT_AUTH": "alice:s3cret"})
    with app_over_copy(tmp_path_factory.mktemp("login-app"), real_embedder, auth=logins) as app:
        yield app


@pytest.fixture(scope="module")
def browser_context(served: tuple[str, Assistant]):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served[0].rstrip("/"))
        context.set_default_timeout(60_000)  # patient on a loaded machine; no test measures time
        yield context
        context.close()


@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    """Chromium itself, for tests that open several new browsers (``chromium.new_context()``, nothing stored).
    A module uses either this or ``browser_context``: Playwright runs one driver at a time."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser_context, served):  # type: ignore[no-untyped-def]
    """A fresh tab on the app, which records any error the page throws, with nothing kept from an earlier test
    (the browser keeps a session across reloads: each test starts from a cleared one)."""
    tab = browser_context.new_page()
    tab.page_errors = []
    tab.on("pageerror", lambda error: tab.page_errors.append(str(error)))
    tab.goto(served[0])
    tab.evaluate("localStorage.clear()")
    open_app(tab)
    yield tab
    tab.close()


def open_app(tab) -> None:  # type: ignore[no-untyped-def]
    """Load the page again and wait until the stored session (or a new one) is in it."""
    tab.reload()
    tab.wait_for_selector("#conversation .chat-scroll[data-loaded]")
    tab.wait_for_selector("#conversation .intro, #conversation section.turn")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
