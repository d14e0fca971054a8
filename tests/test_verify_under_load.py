"""The app served over HTTP: one client verifies a 16,000-character quote while another keeps searching.
Every search answers, and the verification answers or is refused with a clear message. The figures
(search latency before and during, the verification's time) are printed, never asserted (``pytest -s``).

The verification goes through the documented ``/verify`` endpoint (JSON text); a refusal arrives as ``AppError``
with the core's message.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from assistant import Assistant
from assistant.webapp import build_app, launch

SOURCES = Path(__file__).resolve().parent.parent / "sources"
QUESTION = "How many allegations is the unit investigating?"
# Each verdict, or the message of a request refused (the input limit, the time budget).
ANSWERS = ("exact", "altered", "not_found", "time budget", "the limit is")


@pytest.fixture(scope="module")
def served(articles: Assistant) -> Iterator[str]:
    app = build_app(articles)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    yield url
    app.close()


def long_quote(length: int = 16_000) -> str:
    """The articles one after another, cut to ``length`` characters at a word: in no one source whole."""
    text = "\n\n".join(p.read_text(encoding="utf-8").split("\n", 1)[1] for p in sorted(SOURCES.glob("*.txt")))
    while len(text) < length:
        text += "\n\n" + text
    return text[:length].rsplit(" ", 1)[0]


def timed_search(client: Client) -> float:
    started = time.perf_counter()
    answer = json.loads(client.predict(QUESTION, 3, None, "hybrid", api_name="/search"))
    assert [r["rank"] for r in answer["results"]] == [1, 2, 3]
    return time.perf_counter() - started


@pytest.mark.integration
def test_searches_keep_answering_while_a_long_quote_is_verified(served: str) -> None:
    searcher, verifier = Client(served, verbose=False), Client(served, verbose=False)
    timed_search(searcher)  # the first request warms the app up
    before = [timed_search(searcher) for _ in range(10)]

    shown: list[str] = []
    verify_seconds: list[float] = []

    def verify() -> None:
        started = time.perf_counter()
        try:
            shown.append(json.loads(verifier.predict(long_quote(), api_name="/verify"))["verdict"])
        except AppError as refused:
            shown.append(str(refused))
        verify_seconds.append(time.perf_counter() - started)

    worker = threading.Thread(target=verify)
    worker.start()
    during = []
    while worker.is_alive() or len(during) < 5:
        during.append(timed_search(searcher))
    worker.join()

    assert len(shown) == 1 and any(answer in shown[0] for answer in ANSWERS), shown[0][:500]
    print(
        f"\nsearch before: median {statistics.median(before) * 1000:.0f} ms, max {max(before) * 1000:.0f} ms"
        f" ({len(before)} searches)\nsearch during: median {statistics.median(during) * 1000:.0f} ms,"
        f" max {max(during) * 1000:.0f} ms ({len(during)} searches)\nverify 16,000 characters:"
        f" {verify_seconds[0]:.2f} s, answered {next(a for a in ANSWERS if a in shown[0])!r}"
    )
