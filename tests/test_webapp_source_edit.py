"""The Sources tab's handlers: metadata shown and saved (re-indexed at once), a new version of a file, removal
refused to a signed-out request when logins are on, and each page's timer listing the sources again only when
the index moved on."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant.service import Assistant
from assistant.webapp import build_app
from assistant.webapp.progress import Indexing

ITV = "001_3bd223bcd275ebfb.txt"


@pytest.fixture
def assistant(editable_articles: Assistant) -> Assistant:
    return editable_articles


def handler(app: gr.Blocks, name: str) -> Callable[..., Any]:
    return next(f.fn for f in app.fns.values() if f.fn is not None and f.fn.__name__ == name)


def test_choosing_a_source_fills_its_metadata_and_saving_reindexes_it(assistant: Assistant) -> None:
    app = build_app(assistant)
    status, title, publisher, author, published, url = handler(app, "show_metadata")(ITV)
    assert (status, publisher, author, published, url) == ("", "ITV News", "", "", "")
    assert title.startswith("Metropolitan Police force investigates")
    saved = handler(app, "save_metadata")(ITV, title, "ITV News London", "", "2022-08-18", "", progress=lambda *a, **k: None)
    status, listing = saved[0], saved[1]
    assert "Saved the metadata of 001_3bd223bcd275ebfb.txt to sources.toml." in unescape(status) and "searchable now" in status
    assert "ITV News London" in listing
    assert assistant.document(ITV).publisher == "ITV News London"


def test_a_bad_date_is_named_and_nothing_is_saved(assistant: Assistant) -> None:
    app = build_app(assistant)
    before = (assistant.sources_dir / "sources.toml").read_text(encoding="utf-8")
    status, *unchanged = handler(app, "save_metadata")(ITV, "T", "", "", "last week", "", progress=lambda *a, **k: None)
    assert "published must be a date such as 2022-08-18, got &#x27;last week&#x27;" in status
    assert (assistant.sources_dir / "sources.toml").read_text(encoding="utf-8") == before


def test_a_new_version_is_indexed_and_listed(assistant: Assistant, tmp_path: Path) -> None:
    app = build_app(assistant)
    new = tmp_path / "v2.txt"
    new.write_text("ITV News has learned that 700 allegations are now under review.", encoding="utf-8")
    status, *_, cleared = handler(app, "replace_file")(ITV, str(new), progress=lambda *a, **k: None)
    assert f"Replaced {ITV} with the new version." in unescape(status) and cleared is None
    assert assistant.document(ITV).text.startswith("ITV News has learned that 700")


def test_with_logins_on_a_signed_out_request_cannot_remove_a_source(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_AUTH", "alice:secret")
    app = build_app(assistant)
    hidden, status, *_ = handler(app, "delete")(ITV, gr.Request())
    assert "Sign in to remove a source." in status and (assistant.sources_dir / ITV).exists()
    hidden, status, *_ = handler(app, "delete")(ITV, gr.Request(username="alice"))
    assert f"Removed {ITV}" in status and not (assistant.sources_dir / ITV).exists()


def test_each_page_lists_the_sources_again_only_when_the_index_moved_on(assistant: Assistant) -> None:
    indexing = Indexing()
    app = build_app(assistant, indexing=indexing)
    in_step = handler(app, "in_step")
    status, seen, listing, *_ = in_step("")
    assert status == "" and ITV in listing
    status, again, *unchanged = in_step(seen)
    assert again == seen and all(isinstance(u, type(gr.skip())) for u in unchanged)
    (assistant.sources_dir / "harbour.txt").write_text("The harbour audit found 12 faults.", encoding="utf-8")

    def build(heard: Callable[[int, int], None]) -> tuple[Any, ...]:
        heard(0, 1)
        return in_step(seen)  # a page looking while the watcher indexes

    during = indexing.run(build)
    assert "Indexing changes in the sources folder: 0 of 1 passages embedded" in during[0]
    assistant.refresh()
    _, moved, listing, *_ = in_step(seen)
    assert moved != seen and "harbour.txt" in listing
