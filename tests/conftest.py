"""Shared fixtures: a deterministic fake embedder for unit tests, the real model once per session."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.embedding import SentenceTransformerEmbedder
from assistant.onnx_embedding import export_onnx

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Hashed bag of words: deterministic, instant, and similar texts get similar vectors.

    ``calls`` records every text embedded, so tests can tell what an index run re-embedded.
    """

    name = "fake-bag-of-words"
    dim = 64
    max_tokens = 254

    def __init__(self) -> None:
        self.calls: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[i, int(hashlib.sha256(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[i, 0] += 1e-3  # no all-zero rows for empty input
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2, loaded once per test session and shared read-only."""
    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def onnx_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model exported to ONNX once per test session, as an index build writes it into <index>/models/."""
    return export_onnx(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def articles(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> Assistant:
    """An Assistant over a copy of the shipped sources, indexed once per session with the real model."""
    root = tmp_path_factory.mktemp("articles")
    shutil.copytree(SOURCES, root / "sources")
    assistant = Assistant(sources_dir=root / "sources", index_dir=root / "index", embedder=real_embedder)
    assistant.refresh()
    return assistant


@pytest.fixture
def editable_articles(tmp_path: Path, fake_embedder: FakeEmbedder) -> Assistant:
    """A copy of the shipped articles indexed with the fake embedder, for a test to add to, edit or remove."""
    shutil.copytree(SOURCES, tmp_path / "sources")
    built = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    built.refresh()
    return built


@pytest.fixture(autouse=True)
def _isolated_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads or writes the project's own index/, or a database the environment names, by accident."""
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)
    monkeypatch.delenv("ASSISTANT_DATABASE_REPLICAS", raising=False)


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch, fake_embedder):  # type: ignore[no-untyped-def]
    """Run cli.main with the fake embedder in place of the real model."""
    from assistant import cli

    original = Assistant.__init__

    def with_fake(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["embedder"] = fake_embedder
        original(self, *args, **kwargs)

    monkeypatch.setattr(Assistant, "__init__", with_fake)
    return cli.main



@pytest.fixture
def assistant_over(tmp_path: Path, fake_embedder: FakeEmbedder) -> Callable[..., Assistant]:
    """Makes an indexed ``Assistant`` (fake embedder) over ``texts`` (file name -> text) written into
    ``tmp_path/sources``, with ``metadata`` as its ``sources.toml`` when given."""

    def made(texts: dict[str, str], metadata: str = "") -> Assistant:
        sources = tmp_path / "sources"
        sources.mkdir()
        for name, text in texts.items():
            (sources / name).write_text(text, encoding="utf-8")
        if metadata:
            (sources / "sources.toml").write_text(metadata, encoding="utf-8")
        assistant = Assistant(sources_dir=sources, index_dir=tmp_path / "index", embedder=fake_embedder)
        assistant.refresh()
        return assistant

    return made
