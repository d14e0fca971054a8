"""The app's /search endpoint takes the date range, publishers and order, checks them like every argument
(a message naming the field) and leaves no traceback in the server's log for a caller's mistake."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant import Assistant
from assistant.webapp import build_app, launch

SOURCES = Path(__file__).resolve().parent.parent / "sources"
ITV, BBC = "001_3bd223bcd275ebfb.txt", "003_7582e51dae7e9a11.txt"
# Dates for two of the articles, given in the test's own copy: the shipped sources.toml states none.
DATED = f'\n["{ITV}"]\npublisher = "ITV News"\npublished = 2022-08-18\n\n["{BBC}"]\npublisher = "BBC"\npublished = 2022-08-19\n'


@pytest.fixture
def served(tmp_path: Path, fake_embedder) -> Iterator[tuple[str, Assistant]]:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources", ignore=shutil.ignore_patterns("sources.toml"))
    (tmp_path / "sources" / "sources.toml").write_text(DATED, encoding="utf-8")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    app = build_app(assistant, quote_desk_on=False)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    yield url, assistant
    app.close()


def sources_of(answer: str) -> list[str]:
    return [r["source"]["id"] for r in json.loads(answer)["results"]]


def test_the_search_endpoint_keeps_to_a_date_range_and_publishers(served) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    client = Client(url, verbose=False)
    every = sources_of(client.predict("allegations", 5, None, "bm25", api_name="/search"))
    assert len(set(every)) > 2
    assert set(sources_of(client.predict("allegations", 5, None, "bm25", "2022-08-19", api_name="/search"))) == {BBC}
    by_itv = client.predict("allegations", 5, None, "bm25", "", "", ["itv news"], api_name="/search")
    assert set(sources_of(by_itv)) == {ITV}
    newest_first = sources_of(client.predict("allegations", 5, None, "bm25", "2022-01-01", "", None, "date", api_name="/search"))
    assert newest_first[0] == BBC and set(newest_first) == {BBC, ITV}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("2022-13-01",), "published_from: must be a date such as 2022-08-18, got '2022-13-01'"),
        (("2022-08-19", "2022-08-18"), "published_to: must not be before published_from (2022-08-19), got 2022-08-18"),
        (("", "", "BBC"), "publishers: must be a list of publisher names, not one string: pass ['BBC']"),
        (("", "", None, "newest"), "order: must be one of relevance, date, got 'newest'"),
    ],
)
def test_a_wrong_filter_is_named_and_leaves_no_traceback_in_the_log(served, capfd, arguments, message) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    with pytest.raises(AppError) as refused:
        Client(url, verbose=False).predict("allegations", 5, None, "", *arguments, api_name="/search")
    assert message in str(refused.value)
    assert "Traceback" not in capfd.readouterr().err
