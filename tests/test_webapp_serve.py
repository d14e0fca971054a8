"""``serve``: the index built, the encoder loaded and the index opened before the app listens; the ONNX export
left to a background thread; the source watcher running while the app serves and stopped after."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import service
from assistant.service import WARM_UP_QUESTION, Assistant
from assistant.webapp import server

SOURCES = Path(__file__).resolve().parent.parent / "sources"


class Recording:
    """The fake model, remembering every text it encoded."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.count_tokens = inner.count_tokens
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts, progress=progress)


def test_serve_warms_up_before_listening_and_exports_the_model_only_in_the_background(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    model = Recording(fake_embedder)
    monkeypatch.setattr(service, "SentenceTransformerEmbedder", lambda settings: model)  # the app's own model
    exports: list[Path] = []
    monkeypatch.setattr(service, "ensure_export", lambda folder, settings: exports.append(folder))
    background: list[tuple[Callable[[], object], str]] = []
    monkeypatch.setattr(server, "in_background", lambda work, name: background.append((work, name)))
    at_launch: dict[str, object] = {}

    def launch(app, **where) -> None:  # type: ignore[no-untyped-def]
        at_launch.update(
            exports=list(exports),
            warmed=WARM_UP_QUESTION in model.texts,
            watching=any(t.name == "source-watcher" and t.is_alive() for t in threading.enumerate()),
        )

    monkeypatch.setattr(server, "launch", launch)
    assistant = Assistant(tmp_path / "sources", tmp_path / "index")
    server.serve(assistant)

    assert at_launch == {"exports": [], "warmed": True, "watching": True}
    assert [name for _, name in background] == ["onnx-export"]
    background[0][0]()  # what the background thread runs once the app is up
    assert exports == [tmp_path / "index" / "models"]
    assert not any(t.name == "source-watcher" and t.is_alive() for t in threading.enumerate())


def test_background_work_runs_on_its_own_daemon_thread() -> None:
    ran = threading.Event()
    thread = server.in_background(ran.set, "chore")
    thread.join(10)
    assert ran.is_set() and thread.daemon and thread.name == "chore"


def test_a_refresh_that_skips_the_export_leaves_it_for_later(tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    monkeypatch.setattr(service, "SentenceTransformerEmbedder", lambda settings: fake_embedder)
    exports: list[Path] = []
    monkeypatch.setattr(service, "ensure_export", lambda folder, settings: exports.append(folder))
    assistant = Assistant(tmp_path / "sources", tmp_path / "index")
    assistant.refresh(export=False)
    assert exports == []
    assistant.refresh()  # the command line's `index`: exports as part of the build
    assert exports == [tmp_path / "index" / "models"]
