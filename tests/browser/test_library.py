"""A library that stays in step, in a real browser: a file copied into the sources folder while the app runs is
found without a restart, removing an upload removes its passages, and a metadata edit shows in the next answer's
citation. The app here runs with its source watcher, as ``serve`` starts it."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.service import Assistant
from assistant.webapp import build_app, launch
from assistant.webapp.progress import Indexing

from tests.browser.conftest import SOURCES
from tests.conftest import FakeEmbedder
from tests.browser.test_browser import ask, last_turn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Assistant]]:
    """The app over its own copy of the sources, with the watcher ``serve`` starts (default settings). The fake
    model: these tests are about what the index holds, and each change re-embeds sentences for the quote desk,
    which with the real model takes minutes on a loaded machine."""
    folder = tmp_path_factory.mktemp("library") / "sources"
    shutil.copytree(SOURCES, folder)
    assistant = Assistant(folder, folder.parent / "index", settings=Settings(), embedder=FakeEmbedder())
    assistant.refresh()
    indexing = Indexing()
    watcher = assistant.watch(lambda: indexing.run(lambda heard: assistant.refresh(on_progress=heard)))
    app = build_app(assistant, indexing=indexing)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    yield url, assistant
    watcher.stop(timeout=60)
    app.close()


@pytest.fixture(autouse=True)
def _patient(page) -> None:  # type: ignore[no-untyped-def]
    """Each change re-indexes and the next answer embeds its passages' sentences afresh: slow on a loaded machine."""
    page.set_default_timeout(300_000)


def choose(page, dropdown: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the option of a Gradio dropdown whose label shows ``value`` (labels end with the source id)."""
    page.click(f"#{dropdown} input")
    page.locator("[role=option]", has_text=value).first.click()


def cards_from(page, title: str):  # type: ignore[no-untyped-def]
    return last_turn(page).locator("article.card").filter(has=page.locator("header .title", has_text=title))


def test_a_file_copied_into_sources_while_the_app_runs_is_found_without_a_restart(page, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, assistant = served
    page.click("#tab-sources-button")
    dropped = tmp_path / "quay audit.txt"
    dropped.write_text("Quay audit\nThe Quillfeather harbour audit counted 37 rusted moorings on the east quay.\n", encoding="utf-8")
    copied_at = time.monotonic()
    shutil.copy(dropped, assistant.sources_dir / "quay_audit.txt")  # as a file manager or another process would
    page.locator("#sources-table table.sources", has_text="Quay audit").wait_for(timeout=120_000)
    print(f"\na file copied into sources/ was listed in the open page {time.monotonic() - copied_at:.1f} s later")
    page.click("#tab-ask-button")
    ask(page, "How many rusted moorings did the harbour audit count?")
    assert "37 rusted moorings" in cards_from(page, "Quay audit").first.locator("mark.quote").inner_text()


def test_removing_an_upload_removes_its_passages(page, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, assistant = served
    upload = tmp_path / "lighthouse.txt"
    upload.write_text("Lighthouse keepers' log\nThe keepers of Brannoch lighthouse logged 212 storm nights.\n", encoding="utf-8")
    page.click("#tab-sources-button")
    page.set_input_files("#upload input[type=file]", [str(upload)])
    page.locator("#upload-status .ok").wait_for(timeout=120_000)
    choose(page, "delete-source", "lighthouse.txt")
    page.click("#delete-button")
    assert "Remove lighthouse.txt from the sources folder and the index?" in page.locator("#delete-question").inner_text()
    page.click("#delete-confirm")
    page.locator("#upload-status", has_text="Removed lighthouse.txt").wait_for(timeout=120_000)
    assert not (assistant.sources_dir / "lighthouse.txt").exists()
    assert "Lighthouse keepers" not in page.locator("#sources-table").inner_text()
    page.click("#tab-ask-button")
    ask(page, "How many storm nights did the lighthouse keepers log?")
    assert cards_from(page, "Lighthouse keepers").count() == 0
    assert "212 storm nights" not in last_turn(page).inner_text()


def test_a_metadata_edit_shows_in_the_next_answers_citation(page, served) -> None:  # type: ignore[no-untyped-def]
    _, assistant = served
    page.click("#tab-sources-button")
    page.click("#source-editor button, #source-editor .label-wrap")
    choose(page, "edit-source", "003_7582e51dae7e9a11.txt")
    publisher = page.locator("#meta-publisher input, #meta-publisher textarea").first
    page.wait_for_function("el => el.value === 'BBC'", arg=publisher.element_handle())
    publisher.fill("BBC News Desk")
    page.locator("#meta-published input, #meta-published textarea").first.fill("2022-08-19")
    page.click("#meta-save")
    page.locator("#edit-status", has_text="Saved the metadata of 003_7582e51dae7e9a11.txt").wait_for(timeout=120_000)
    assert 'publisher = "BBC News Desk"' in (assistant.sources_dir / "sources.toml").read_text(encoding="utf-8")
    page.click("#tab-ask-button")
    ask(page, "Who leads the new Met police unit investigating officer abuse claims?")
    card = cards_from(page, "Inside the new Met police unit").first
    assert card.locator("header .publisher").inner_text() == "BBC News Desk"  # publisher first on a card
    assert "(BBC News Desk)" in (card.locator("button.copy").get_attribute("data-cite") or "")
    assert page.page_errors == []
