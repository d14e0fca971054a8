"""The app served over HTTP, driven with gradio_client: the named search endpoint, per-user sessions,
uploads, and searches that keep answering while an upload is being indexed."""

from __future__ import annotations

import functools
import importlib.util
import json
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant import Assistant
from assistant.errors import SettingsError
from assistant.render import result_to_json
from assistant.types import SearchResult
from assistant.webapp import (
    DEFAULT_ABSTAIN_BELOW,
    AppContext,
    auth_from_env,
    build_app,
    launch,
    load_abstain_threshold,
)
from assistant.webapp.export import CitationRecord
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


def test_each_browser_session_has_its_own_conversation(served) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = served
    alice, bob = client(url), client(url)
    first, cleared = alice.predict("Who leads the unit?", 2, [], "Keywords (BM25)", True, api_name="/ask")
    assert "Who leads the unit?" in first and cleared == ""
    second, _ = bob.predict("How many officers were disciplined?", 2, [], "Keywords (BM25)", True, api_name="/ask")
    assert "How many officers were disciplined?" in second and "Who leads the unit?" not in second
    follow, _ = alice.predict("and when was it set up?", 2, [], "Keywords (BM25)", True, api_name="/ask")
    assert "searched as asked and with the conversation, “Who leads the unit? and when was it set up?”" in follow


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


def test_add_ons_show_under_each_answer_and_add_tabs_that_gather_citations(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()

    def figures(result: SearchResult) -> str:
        return f'<p class="figures">{len(result.results)} passages</p>'

    def verify_tab(context: AppContext) -> None:
        with gr.Tab("Verify a quote", id="verify"):
            quote = gr.Textbox(elem_id="verify-quote")
            button = gr.Button("Verify")

        def verify(text: str, session: Session):  # type: ignore[no-untyped-def]
            best = context.assistant.search(text, k=1, mode="bm25").results[0]
            record = CitationRecord.of(best.source, best.quote, best.page, best.paragraph, verdict="exact")
            session = session.collect(record)
            return (session, *context.citation_updates(session))

        button.click(verify, [quote, context.session], [context.session, *context.citation_outputs], api_name="verify")

    # abstain_below=-1: the fake embedder's similarities are not calibrated, and add-ons skip weak answers
    app = build_app(assistant, abstain_below=-1, answer_addons=[figures], tabs=[verify_tab])
    _, url, _ = launch(app, port=None, prevent_thread_lock=True, quiet=True)
    try:
        user = client(url)
        answer, _ = user.predict("How many allegations?", 3, [], "Keywords (BM25)", True, api_name="/ask")
        gathered = user.predict("625 misconduct allegations", api_name="/verify")[0]
    finally:
        app.close()
    assert '<p class="figures">3 passages</p>' in answer
    assert "625 misconduct allegations" in gathered and "exact" in gathered


def test_the_abstention_threshold_comes_from_the_pinned_figures_when_present(tmp_path: Path) -> None:
    assert load_abstain_threshold(tmp_path / "missing.toml") == DEFAULT_ABSTAIN_BELOW
    (tmp_path / "expected.toml").write_text(
        "[bar]\nrecall_at_5 = 0.95\n[abstention]\nabstain_below = 0.31\n", encoding="utf-8"
    )
    assert load_abstain_threshold(tmp_path / "expected.toml") == 0.31
    (tmp_path / "bad.toml").write_text('[abstention]\nabstain_below = "high"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[abstention\] abstain_below must be a number"):
        load_abstain_threshold(tmp_path / "bad.toml")


def test_login_is_off_unless_the_environment_names_users() -> None:
    assert auth_from_env({}) is None
    assert auth_from_env({"ASSISTANT_AUTH": "alice:s3cret:x, bob:pw"}) == [("alice", "s3cret:x"), ("bob", "pw")]
    with pytest.raises(SettingsError, match="ASSISTANT_AUTH must look like 'user:password"):
        auth_from_env({"ASSISTANT_AUTH": "alice"})


@pytest.mark.integration
def test_over_the_articles_the_endpoint_quotes_625_first(articles: Assistant) -> None:
    app = build_app(articles)
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
    monkeypatch.setattr(module, "Assistant", functools.partial(Assistant, embedder=fake_embedder))
    monkeypatch.setattr(module, "launch", lambda app, **where: served.update(where, app=app))

    code = module.main(["--sources", str(tmp_path / "sources"), "--index", str(tmp_path / "index")])
    assert code == 0
    assert (served["host"], served["port"]) == ("127.0.0.1", 7860)
    assert isinstance(served["app"], gr.Blocks)
    assert {"tab-verify", "verification"} <= {getattr(b, "elem_id", None) for b in served["app"].blocks.values()}
    assert (tmp_path / "index" / "CURRENT").exists()
    assert "skipped" in (err := capsys.readouterr().err) and "broken.pdf" in err
