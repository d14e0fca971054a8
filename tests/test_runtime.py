"""The runtime: with the index's ONNX export a default Assistant encodes questions and embeds builds without
torch, with torch's vectors and answers; without it (missing, failed, or runtime "torch") it falls back to its
own model through sentence-transformers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, ModelSettings, Settings, runtime, service
from assistant.errors import SettingsError
from assistant.embedding import SentenceTransformerEmbedder
from assistant.evaluation.gold import load_gold
from assistant.onnx_embedding import OnnxEmbedder, onnx_file
from assistant.runtime import MODELS_DIR

from tests.conftest import FakeEmbedder

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def onnx_articles(articles: Assistant, onnx_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """A default Assistant (no embedder given) over a copy of the session's real index, with the export
    where an index build writes it."""
    index = tmp_path_factory.mktemp("onnx-articles") / "index"
    shutil.copytree(articles.store.folder, index)  # type: ignore[attr-defined]
    (index / MODELS_DIR).mkdir()
    shutil.copy(onnx_export, index / MODELS_DIR / onnx_export.name)
    return Assistant(sources_dir=articles.sources_dir, index_dir=index)


def _top(assistant: Assistant, query: str, k: int = 3) -> list[tuple[str, int, int, int, int]]:
    return [(p.source.id, p.start, p.end, p.quote.start, p.quote.end) for p in assistant.search(query, k=k).results]


@pytest.mark.integration
def test_with_the_export_a_default_assistant_encodes_questions_with_onnx_and_ranks_as_torch_does(
    onnx_articles: Assistant, articles: Assistant
) -> None:
    assert isinstance(onnx_articles.embedder, OnnxEmbedder)
    assert onnx_articles.is_current()  # the same model name: the index fingerprint does not change
    gold = load_gold(articles.snapshot.documents)
    for question in gold.answerable[:4]:
        query = gold.query(question)
        assert _top(onnx_articles, query) == _top(articles, query), question.id


@pytest.mark.integration
def test_a_cold_ask_with_the_export_never_imports_torch(onnx_articles: Assistant, articles: Assistant) -> None:
    question = "How many allegations is the unit investigating?"
    code = (
        "import sys; from assistant.cli import main; code = main(sys.argv[1:]); "
        "print('torch' in sys.modules); raise SystemExit(code)"
    )
    argv = ["ask", question, "--json", "-k", "3", "--sources", str(onnx_articles.sources_dir)]
    argv += ["--index", str(onnx_articles.store.folder)]  # type: ignore[attr-defined]
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, check=True)
    *answer, torch_loaded = done.stdout.strip().splitlines()
    assert torch_loaded == "False"
    found = [(r["source"]["id"], r["start"], r["end"]) for r in json.loads("\n".join(answer))["results"]]
    assert found == [(p.source.id, p.start, p.end) for p in articles.search(question, k=3).results]


class UnusedTorch:
    """A default Assistant's own torch model, for a build that must embed with the export instead."""

    def __init__(self, model: SentenceTransformerEmbedder) -> None:
        self.name, self.dim, self.max_tokens = model.name, model.dim, model.max_tokens

    def count_tokens(self, text: str) -> int:
        raise AssertionError("the build counted word pieces with torch")

    def encode(self, texts, *, progress: bool = False):  # type: ignore[no-untyped-def]
        raise AssertionError("the build embedded with torch")


def _cosine_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float32), b.astype(np.float32)  # sentence vectors are stored as float16
    return 1.0 - np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.integration
def test_with_the_export_a_build_embeds_with_onnx_giving_torch_s_vectors_and_answers(
    articles: Assistant, real_embedder: SentenceTransformerEmbedder, onnx_export: Path,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(service, "SentenceTransformerEmbedder", lambda settings: UnusedTorch(real_embedder))
    (tmp_path / "index" / MODELS_DIR).mkdir(parents=True)
    shutil.copy(onnx_export, tmp_path / "index" / MODELS_DIR / onnx_export.name)
    built = Assistant(sources_dir=articles.sources_dir, index_dir=tmp_path / "index")
    built.refresh()
    ours, torchs = built.snapshot, articles.snapshot
    assert [(c.source_id, c.start, c.end) for c in ours.chunks] == [(c.source_id, c.start, c.end) for c in torchs.chunks]
    rows = list(range(len(ours.chunks)))
    assert float(_cosine_distances(ours.vectors(rows), torchs.vectors(rows)).max()) <= 1e-4
    for mine, reference in zip(ours.sentences(rows), torchs.sentences(rows), strict=True):
        assert mine.spans == reference.spans
        assert float(_cosine_distances(mine.vectors, reference.vectors).max(initial=0.0)) <= 1e-4
    built.embedder = articles.embedder  # the same question vectors: any difference would be the index's
    gold = load_gold(torchs.documents)
    for question in gold.answerable:
        query = gold.query(question)
        assert _top(built, query, k=10) == _top(articles, query, k=10), question.id


@pytest.fixture
def own_model(monkeypatch: pytest.MonkeyPatch, fake_embedder):  # type: ignore[no-untyped-def]
    """A default Assistant's own model (what it builds with, and falls back to for questions) is the fake."""
    monkeypatch.setattr(service, "SentenceTransformerEmbedder", lambda settings: fake_embedder)
    return fake_embedder


class ExportedFake(FakeEmbedder):
    """What a fake export runs in place of onnxruntime: the fake model's vectors, with the file and thread
    count it was opened with."""

    def __init__(self, onnx_file: Path, *, name: str, batch_size: int, threads: int = 1) -> None:
        super().__init__()
        self.onnx_file, self.threads = onnx_file, threads


@pytest.fixture
def exports(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Each folder the build exports into; the 'export' writes an empty file where the real one goes, which
    ``ExportedFake`` then runs."""
    calls: list[Path] = []

    def export(folder: Path, name: str) -> Path:
        calls.append(folder)
        onnx_file(folder, name).parent.mkdir(parents=True, exist_ok=True)
        onnx_file(folder, name).write_bytes(b"")
        return onnx_file(folder, name)

    monkeypatch.setattr(runtime, "export_onnx", export)
    monkeypatch.setattr(runtime, "OnnxEmbedder", ExportedFake)
    return calls


def _sources(root: Path) -> Path:
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "a.txt").write_text("Met report\nThe unit is investigating 625 allegations.", encoding="utf-8")
    return root / "sources"


def test_the_first_build_exports_once_into_the_index_models_folder_then_embeds_with_the_export(
    tmp_path: Path, own_model, exports: list[Path]  # type: ignore[no-untyped-def]
) -> None:
    assistant = Assistant(_sources(tmp_path), tmp_path / "index")
    assistant.refresh()
    (tmp_path / "sources" / "b.txt").write_text("Daso was formed in January.", encoding="utf-8")
    assistant.refresh()
    assert exports == [tmp_path / "index" / MODELS_DIR]
    assert own_model.calls == []  # neither build nor question ran the model through torch
    build, question = assistant._build_embedder, assistant.embedder
    assert isinstance(build, ExportedFake) and isinstance(question, ExportedFake)
    assert build.onnx_file == question.onnx_file == onnx_file(tmp_path / "index" / MODELS_DIR)
    assert (build.threads, question.threads) == (0, 1)  # a build on every core, a question on one
    assert "Met report" in build.calls and "Daso was formed in January." in build.calls


def test_a_build_after_a_refresh_without_export_embeds_with_torch_until_the_export_exists(
    tmp_path: Path, own_model, exports: list[Path]  # type: ignore[no-untyped-def]
) -> None:
    assistant = Assistant(_sources(tmp_path), tmp_path / "index")
    assistant.refresh(export=False)
    assert exports == [] and "Met report" in own_model.calls
    assistant.export_model()
    (tmp_path / "sources" / "b.txt").write_text("Daso was formed in January.", encoding="utf-8")
    assistant.refresh(export=False)
    assert "Daso was formed in January." not in own_model.calls
    assert "Daso was formed in January." in assistant._build_embedder.calls


def test_runtime_torch_never_exports_and_encodes_questions_with_the_build_model(
    tmp_path: Path, own_model, exports: list[Path]  # type: ignore[no-untyped-def]
) -> None:
    assistant = Assistant(_sources(tmp_path), tmp_path / "index", Settings(model=ModelSettings(runtime="torch")))
    assistant.refresh()
    assert exports == []
    assert assistant.embedder is own_model
    assert assistant.search("625 allegations").results[0].quote.text == "The unit is investigating 625 allegations."


def test_a_failed_export_is_a_warning_not_a_failed_build_and_questions_fall_back_to_torch(
    tmp_path: Path, own_model, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture  # type: ignore[no-untyped-def]
) -> None:
    def full_disk(folder: Path, name: str) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runtime, "export_onnx", full_disk)
    assistant = Assistant(_sources(tmp_path), tmp_path / "index")
    assert assistant.refresh().documents == 1
    assert "could not export all-MiniLM-L6-v2 to ONNX" in caplog.text and "No space left on device" in caplog.text
    assert assistant.embedder is own_model
    assert assistant.search("625 allegations").results[0].quote.text == "The unit is investigating 625 allegations."


@pytest.mark.parametrize(("setting", "warned"), [("onnx", True), ("auto", False)])
def test_a_missing_export_falls_back_to_torch_warning_only_when_onnx_was_asked_for(
    tmp_path: Path, own_model, setting: str, warned: bool, caplog: pytest.LogCaptureFixture  # type: ignore[no-untyped-def]
) -> None:
    Assistant(_sources(tmp_path), tmp_path / "index", Settings(model=ModelSettings(runtime="torch"))).refresh()
    reader = Assistant(tmp_path / "sources", tmp_path / "index", Settings(model=ModelSettings(runtime=setting)))
    assert reader.search("625 allegations").results[0].quote.text == "The unit is investigating 625 allegations."
    assert reader.embedder is own_model
    assert ("no ONNX export at" in caplog.text) is warned
    assert not (tmp_path / "index" / MODELS_DIR).exists()  # answering a question never exports


@pytest.mark.integration
def test_an_interrupted_export_leaves_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    def interrupted(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        Path(args[2]).write_bytes(b"half a model")
        raise RuntimeError("exporter failed")

    monkeypatch.setattr(torch.onnx, "export", interrupted)
    with pytest.raises(RuntimeError, match="exporter failed"):
        runtime.export_onnx(tmp_path / MODELS_DIR, "all-MiniLM-L6-v2")
    assert list((tmp_path / MODELS_DIR).iterdir()) == []


def test_an_unknown_runtime_is_refused_naming_the_field_and_the_choices() -> None:
    with pytest.raises(SettingsError, match=r"model runtime must be one of auto, torch, onnx, got 'tensorrt'"):
        ModelSettings(runtime="tensorrt")
