"""The app served over HTTP, driven with gradio_client: the named search endpoint, per-user sessions,
uploads, and searches that keep answering while an upload is being indexed."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from html import unescape
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant import answerability, service
from assistant.service import MAX_UPLOAD_BYTES, Assistant
from assistant.render import result_to_json
from assistant.webapp import build_app, launch, queues
from assistant.webapp import server as serve_module
from assistant.webapp.session import Session

SOURCES = Path(__file__).resolve().parent.parent / "sources"
GATE = "42 complaints"  # only the uploaded document holds this, and no query asks for it


class GatedEmbedder:
    """Wraps an embedder and stops inside ``encode`` for texts holding GATE until released,
    to hold an index build mid-way."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.count_tokens = inner.count_tokens
        self.entered = threading.Event()
        self.release = threading.Event()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if any(GATE in t for t in texts):
            self.entered.set()
            assert self.release.wait(60), "the test never released the build"
        return self.inner.encode(texts, progress=progress)


@pytest.fixture
def served(tmp_path: Path, fake_embedder) -> Iterator[tuple[str, Assistant, GatedEmbedder]]:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    embedder = GatedEmbedder(fake_embedder)
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=embedder)
    assistant.refresh()
    app = build_app(assistant)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    yield url, assistant, embedder
    app.close()


def client(url: str) -> Client:
    return Client(url, verbose=False)


def handler(app: gr.Blocks, name: str) -> Callable[..., Any]:
    """The function the app runs for an event, found by its name (for events gradio_client cannot send)."""
    return next(f.fn for f in app.fns.values() if f.fn is not None and f.fn.__name__ == name)


@pytest.fixture
def weak_below(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Set the core's weak-answer threshold (``Settings.answer.abstain_below``): the fake embedder's
    similarities are not calibrated, so tests choose whether its answers count as answered."""
    return lambda threshold: monkeypatch.setattr(
        service, "judged", lambda result, configured: answerability.judged(result, replace(configured, abstain_below=threshold))
    )


def test_the_search_endpoint_returns_the_json_of_ask_json(served) -> None:  # type: ignore[no-untyped-def]
    url, assistant, _ = served
    answer = client(url).predict("How many allegations is the unit investigating?", 3, None, "bm25", api_name="/search")
    expected = result_to_json(assistant.search("How many allegations is the unit investigating?", k=3, mode="bm25"))
    assert answer == json.dumps(expected, ensure_ascii=False)
    assert [r["rank"] for r in json.loads(answer)["results"]] == [1, 2, 3]


def test_the_search_endpoint_filters_by_source_and_reports_bad_input(served) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = served
    only = "003_7582e51dae7e9a11.txt"
    answer = json.loads(client(url).predict("allegations", 5, [only], "hybrid", api_name="/search"))
    assert {r["source"]["id"] for r in answer["results"]} == {only}
    with pytest.raises(AppError, match="the question is empty"):
        client(url).predict("   ", api_name="/search")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("allegations", "abc"), "k: must be a whole number from 1 to 50, got 'abc'"),
        (("allegations", 2.5), "k: must be a whole number from 1 to 50, got 2.5"),
        (("allegations", 0), "k: must be a whole number from 1 to 50, got 0"),
        ((["allegations"],), "question: must be text, got list ['allegations']"),
        (("allegations", 5, None, "fuzzy"), "mode: must be one of hybrid, dense, bm25, got 'fuzzy'"),
        (("allegations", 5, [7]), "sources: each source id must be text, got int 7"),
        (("allegations", 5, "a.txt"), "sources: must be a list of source ids, not one string: pass ['a.txt']"),
        (("allegations", 5, ["nope.txt"]), "nope.txt"),
    ],
)
def test_wrong_arguments_to_the_search_endpoint_get_a_message_that_names_them(served, arguments, message) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = served
    with pytest.raises(AppError) as refused:
        client(url).predict(*arguments, api_name="/search")
    assert message in str(refused.value)


def test_a_lone_surrogate_sent_to_the_search_endpoint_is_named(served) -> None:  # type: ignore[no-untyped-def]
    # gradio_client cannot encode "\ud800"; JSON's escape "\\ud800" carries it, as any other client may send it.
    url, _, _ = served
    body = json.dumps({"data": ["\ud800", 5, None, "", "", "", None, ""]})  # ASCII: the surrogate as its escape
    posted = httpx.post(f"{url}gradio_api/call/search", content=body, headers={"content-type": "application/json"})
    events = httpx.get(f"{url}gradio_api/call/search/{posted.json()['event_id']}", timeout=60).text
    assert "event: error" in events
    assert "question: is not valid text: character 1 is a lone surrogate" in events


def test_the_page_endpoints_name_a_wrong_argument_too(served) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = served
    for k, mode, message in (
        ("abc", "Keywords (BM25)", "k: must be a whole number from 1 to 50, got 'abc'"),
        (500, "Keywords (BM25)", "k: must be a whole number from 1 to 50, got 500"),
        (5, "fuzzy", "Value: 'fuzzy' (type: <class 'str'>) is not in the list of choices"),
    ):
        with pytest.raises(AppError) as refused:
            client(url).predict("Who leads the unit?", k, [], mode, True, "", "", [], "Relevance", api_name="/ask")
        assert message in str(refused.value)


def test_each_browser_session_has_its_own_conversation(served) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = served
    alice, bob = client(url), client(url)
    first, cleared = alice.predict("Who leads the unit?", 2, [], "Keywords (BM25)", True, "", "", [], "Relevance", api_name="/ask")
    assert "Who leads the unit?" in first and cleared == ""
    second, _ = bob.predict("How many officers were disciplined?", 2, [], "Keywords (BM25)", True, "", "", [], "Relevance", api_name="/ask")
    assert "How many officers were disciplined?" in second and "Who leads the unit?" not in second
    follow, _ = alice.predict("and when was it set up?", 2, [], "Keywords (BM25)", True, "", "", [], "Relevance", api_name="/ask")
    assert "searched with the conversation as “and when was it set up? leads unit”" in follow


def test_searches_answer_while_an_upload_is_indexed_and_find_it_once_done(served, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    url, assistant, embedder = served
    new = tmp_path_factory.mktemp("incoming") / "Zanzibar brief.txt"
    new.write_text(f"The Zanzibar inquiry reported {GATE} about ferry safety.", encoding="utf-8")
    uploader = client(url)
    job = uploader.submit([handle_file(str(new))], api_name="/upload")
    assert embedder.entered.wait(60), "the upload never reached the embedder"
    during = json.loads(client(url).predict("Zanzibar ferry inquiry", 3, None, "bm25", api_name="/search"))
    assert all(r["source"]["id"] != "Zanzibar_brief.txt" for r in during["results"])  # the old snapshot, whole
    embedder.release.set()
    status = job.result(timeout=60)[0]
    assert "Added Zanzibar_brief.txt" in status and "searchable now" in status
    after = json.loads(client(url).predict("Zanzibar ferry inquiry", 3, None, "bm25", api_name="/search"))
    assert after["results"][0]["source"]["id"] == "Zanzibar_brief.txt"
    assert (assistant.sources_dir / "Zanzibar_brief.txt").exists()


def test_a_bad_upload_is_refused_and_changes_nothing(served, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    url, assistant, _ = served
    before = sorted(p.name for p in assistant.sources_dir.iterdir())
    chunks = assistant.snapshot.manifest.chunks
    bad = tmp_path_factory.mktemp("incoming") / "evil.exe"
    bad.write_bytes(b"MZ\x90\x00")
    status = client(url).predict([handle_file(str(bad))], api_name="/upload")[0]
    assert "Refused evil.exe: unsupported file type" in status and "Nothing was added." in status
    assert sorted(p.name for p in assistant.sources_dir.iterdir()) == before
    assert assistant.snapshot.manifest.chunks == chunks


def test_a_cancelled_upload_is_removed_and_the_previous_index_keeps_answering(served, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    url, assistant, embedder = served
    before = sorted(p.name for p in assistant.sources_dir.iterdir())
    version = assistant.store.manifest()
    new = tmp_path_factory.mktemp("incoming") / "Zanzibar brief.txt"
    new.write_text(f"The Zanzibar inquiry reported {GATE} about ferry safety.", encoding="utf-8")
    uploader = client(url)
    job = uploader.submit([handle_file(str(new))], api_name="/upload")
    assert embedder.entered.wait(60), "the upload never reached the embedder"
    assert "Cancelled" in uploader.predict(api_name="/stop")
    during = json.loads(client(url).predict("allegations", 3, None, "bm25", api_name="/search"))
    assert during["results"]  # searches are served while the build is held and cancelled
    embedder.release.set()
    assert "Cancelled: the files of this upload were removed" in job.result(timeout=60)[0]
    assert sorted(p.name for p in assistant.sources_dir.iterdir()) == before
    assert assistant.store.manifest() == version
    after = json.loads(client(url).predict("Zanzibar ferry inquiry", 3, None, "bm25", api_name="/search"))
    assert all(r["source"]["id"] != "Zanzibar_brief.txt" for r in after["results"])


def test_an_oversize_upload_named_with_markup_is_refused_with_the_name_as_text(served, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    url, assistant, _ = served
    before = sorted(p.name for p in assistant.sources_dir.iterdir())
    big = tmp_path_factory.mktemp("incoming") / "<img src=x onerror=alert(1)>.txt"
    big.write_bytes(b"word " * (MAX_UPLOAD_BYTES // 5 + 1))
    status = client(url).predict([handle_file(str(big))], api_name="/upload")[0]
    # Refused by our handler (Gradio strips the brackets from names it receives), shown as text.
    assert "Refused img src=x onerror=alert(1).txt: the file is 10.0 MiB, over the 10.0 MiB limit" in status
    assert "<img" not in status
    assert sorted(p.name for p in assistant.sources_dir.iterdir()) == before


def test_without_the_quote_desk_answers_carry_no_figures_and_there_is_no_verify_tab(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    app = build_app(assistant, quote_desk_on=False)
    assert "tab-verify" not in {getattr(b, "elem_id", None) for b in app.blocks.values()}
    session, html, _ = handler(app, "ask")("How many allegations?", Session(), 5, [], "bm25", True)
    assert "<article" in html and '<section class="figures">' not in html and session.turns[0].reported == ()


def test_searches_never_share_a_queue_with_indexing_or_verification(served) -> None:  # type: ignore[no-untyped-def]
    _, assistant, _ = served
    app = build_app(assistant)
    queue_of = {f.api_name: f.concurrency_id for f in app.fns.values()}
    assert queue_of["search"] == queue_of["ask"] == queues.SEARCH.id
    assert queue_of["upload"] == queue_of["delete"] == queues.INDEX.id
    assert queue_of["verify"] == queue_of["verify_page"] == queues.VERIFY.id
    assert len({queues.SEARCH.id, queues.INDEX.id, queues.VERIFY.id, queues.UI.id}) == 4


def test_answering_builds_no_summary_for_gradios_monitoring_page_which_the_app_never_shows(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    assistant = Assistant(SOURCES, tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    app = build_app(assistant)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    try:
        for question in ("How many allegations?", "Who leads the unit?"):
            assert json.loads(client(url).predict(question, 3, None, "bm25", api_name="/search"))["results"]
    finally:
        app.close()
    assert app._queue.events_recorded >= 2  # Gradio saw the searches ...
    assert app._queue.cached_event_analytics_summary == {"functions": {}}  # ... and summarised none of them


def facade(assistant: Assistant) -> Assistant:
    """``assistant``'s index and model seen through the facade the shells code against."""
    return Assistant(assistant.sources_dir, embedder=assistant.embedder, store=assistant.store)


@pytest.mark.integration
def test_over_the_articles_the_endpoint_quotes_625_first(articles: Assistant) -> None:
    app = build_app(facade(articles))
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    try:
        answer = json.loads(client(url).predict("How many allegations is the unit investigating?", api_name="/search"))
    finally:
        app.close()
    assert "625" in answer["results"][0]["quote"]["text"]
    assert answer["results"][0]["citation"].startswith("“")


def test_login_is_required_when_the_environment_names_users(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "note.txt").write_text("The unit investigates 625 allegations.", encoding="utf-8")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    monkeypatch.setenv("ASSISTANT_AUTH", "editor:correct horse")
    app = build_app(assistant)
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    try:
        with pytest.raises(ValueError, match="(?i)login"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="(?i)login"):
            Client(url, auth=("editor", "wrong"), verbose=False)
        answer = Client(url, auth=("editor", "correct horse"), verbose=False).predict("allegations", api_name="/search")
    finally:
        app.close()
    assert json.loads(answer)["results"][0]["source"]["id"] == "note.txt"


def test_a_source_is_removed_only_after_a_confirmation_and_then_is_no_longer_found(served) -> None:  # type: ignore[no-untyped-def]
    url, assistant, _ = served
    app = build_app(assistant)
    gone = "003_7582e51dae7e9a11.txt"
    shown, question = handler(app, "ask_to_delete")(gone)
    assert shown.visible is True and f"Remove {gone} from the sources folder and the index?" in question
    assert (assistant.sources_dir / gone).exists()  # asking removes nothing
    assert handler(app, "cancel_delete")().visible is False

    hidden, status, listing, *choosers = handler(app, "delete")(gone, gr.Request())
    assert hidden.visible is False and f"Removed {gone}" in status
    assert not (assistant.sources_dir / gone).exists() and gone not in listing
    assert all(gone not in [value for _, value in chooser.choices] for chooser in choosers)
    found = json.loads(client(url).predict("allegations", 20, None, "bm25", api_name="/search"))
    assert gone not in {r["source"]["id"] for r in found["results"]}


def test_removing_a_source_that_is_not_there_says_so(served) -> None:  # type: ignore[no-untyped-def]
    _, assistant, _ = served
    app = build_app(assistant)
    _, status, *_ = handler(app, "delete")("../app.py", gr.Request())
    assert "no source named '../app.py'" in unescape(status)
    assert "Choose a source to remove first." in handler(app, "ask_to_delete")(None)[1]


def test_app_py_builds_a_missing_index_then_serves_it_with_the_quote_desk_on_localhost(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("app_main", SOURCES.parent / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shutil.copytree(SOURCES, tmp_path / "sources")
    (tmp_path / "sources" / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    served: dict[str, object] = {}
    with_model = Assistant.__init__
    monkeypatch.setattr(Assistant, "__init__", lambda self, *a, **kw: with_model(self, *a, **kw, embedder=fake_embedder))
    monkeypatch.setattr(serve_module, "launch", lambda app, **where: served.update(where, app=app))

    code = module.main(["--sources", str(tmp_path / "sources"), "--index", str(tmp_path / "index")])
    assert code == 0
    assert (served["host"], served["port"]) == ("127.0.0.1", 7860)
    assert isinstance(served["app"], gr.Blocks)
    assert {"tab-verify", "verification"} <= {getattr(b, "elem_id", None) for b in served["app"].blocks.values()}
    assert (tmp_path / "index" / "CURRENT").exists()
    assert "skipped" in (err := capsys.readouterr().err) and "broken.pdf" in err
