"""The model run by onnxruntime (all-MiniLM-L6-v2): the same vectors as sentence-transformers without importing torch.

``export_onnx`` writes the model's transformer as ONNX once (it needs torch and transformers);
``OnnxEmbedder`` then reads it with onnxruntime and the model's own ``tokenizer.json`` with the
``tokenizers`` package, and pools exactly as sentence-transformers does for this model (mean over
the attention mask, then L2 normalisation; modules.json: Transformer -> Pooling -> Normalize).
Importing onnxruntime and opening the session takes a fraction of what torch and
sentence-transformers take, which is most of a cold ``ask`` (bench/coldstart.py).
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .config import ModelSettings
from .embedding import _PACKAGES, _model_path
from .errors import AssistantError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

MODEL_NAME = ModelSettings().name
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_OPSET = 17


def onnx_file(folder: Path | str, name: str = MODEL_NAME) -> Path:
    """Where ``export_onnx(folder, name)`` writes the model."""
    return Path(folder) / f"{name}.onnx"


def export_onnx(folder: Path | str, name: str = MODEL_NAME) -> Path:
    """Write the model's transformer (token embeddings out) to ``onnx_file(folder, name)``; return the path.

    Written to a temporary name and renamed, so a reader never sees half a file. Pooling stays in
    numpy (``mean_pool``), which keeps the token embeddings available to ``OnnxEmbedder.token_embeddings``.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    target = onnx_file(folder, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    model = _token_embeddings_model(name)
    # A padded batch of two, so the traced graph has seen padding; batch and length stay dynamic.
    sample = _tokenizer(name, 256).encode_batch(["A short one.", "A somewhat longer sentence to pad against."])
    arrays = _arrays(sample)
    dynamic = {axis: {0: "batch", 1: "tokens"} for axis in (*_INPUTS, "token_embeddings")}
    try:
        # The tracer warns about branches on tensor shapes that this model takes the same way for every
        # input (checked by the agreement tests); shown at a first `serve` they read like an error.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                tuple(torch.from_numpy(arrays[input_]) for input_ in _INPUTS),
                str(partial),
                input_names=list(_INPUTS),
                output_names=["token_embeddings"],
                dynamic_axes=dynamic,
                opset_version=_OPSET,
                dynamo=False,  # the TorchScript exporter needs no onnxscript and traces this BERT cleanly
            )
    except BaseException:  # an interrupted export leaves no partial file behind
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return target


def _token_embeddings_model(name: str):  # type: ignore[no-untyped-def]
    """The transformer with positional inputs and its last hidden state as the only output."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return TokenEmbeddings(AutoModel.from_pretrained(str(_model_path(name))).eval())


@dataclass(frozen=True)
class TokenOutput:
    """One text's token embeddings (padding dropped) and each token's character span in the text.

    [CLS] and [SEP] have the span (0, 0), as the tokenizer reports them.
    """

    vectors: np.ndarray  # float32 [tokens, dim]
    offsets: np.ndarray  # int [tokens, 2]


class OnnxEmbedder:
    """The ``Embedder`` protocol over an ONNX export (``export_onnx``) of the model ``name``.

    ``threads`` is onnxruntime's intra-op thread count: 1 suits one query on a shared machine
    (bench/README.md section 3: one thread avoids hundreds of ms of tail under load), 0 lets
    onnxruntime use every core, which batches (an index build) want.
    """

    def __init__(self, onnx_file: Path | str, *, name: str = MODEL_NAME, batch_size: int = 32, threads: int = 1) -> None:
        self.name = name  # the same name as SentenceTransformerEmbedder's, so the index fingerprint is the same
        self.dim = _PACKAGES[name][1]
        self.onnx_file = Path(onnx_file)
        self.batch_size = batch_size
        self.threads = threads
        self._session: onnxruntime.InferenceSession | None = None
        self._lock = threading.Lock()

    @cached_property
    def max_tokens(self) -> int:
        config = _model_path(self.name) / "sentence_bert_config.json"
        return int(json.loads(config.read_text(encoding="utf-8"))["max_seq_length"]) - 2  # [CLS] and [SEP]

    @property
    def session(self) -> onnxruntime.InferenceSession:
        with self._lock:
            if self._session is None:
                self._session = _open_session(self.onnx_file, self.threads)
            return self._session

    @cached_property
    def _counter(self) -> Tokenizer:
        return _tokenizer(self.name, None)

    @cached_property
    def _batcher(self) -> Tokenizer:
        return _tokenizer(self.name, self.max_tokens + 2)  # [CLS] and [SEP] count against the model's 256

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Normalised mean-pooled vectors, as ``SentenceTransformer.encode(normalize_embeddings=True)``."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows, arrays, tokens in self._batches(texts):
            out[rows] = normalise(mean_pool(tokens, arrays["attention_mask"]))
        return out

    def token_embeddings(self, texts: Sequence[str]) -> list[TokenOutput]:
        """Each text's token embeddings and character offsets, from the same pass ``encode`` makes."""
        found: dict[int, TokenOutput] = {}
        for rows, arrays, tokens in self._batches(texts, keep_offsets=True):
            for row, vectors, mask, offsets in zip(rows, tokens, arrays["attention_mask"], arrays["offsets"], strict=True):
                length = int(mask.sum())
                found[row] = TokenOutput(vectors[:length], offsets[:length])
        return [found[row] for row in range(len(texts))]

    def _batches(self, texts: Sequence[str], *, keep_offsets: bool = False):  # type: ignore[no-untyped-def]
        """(rows, inputs, token embeddings) per batch; texts of similar length share a batch, as in sentence-transformers."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        session = self.session
        for begin in range(0, len(order), self.batch_size):
            rows = order[begin : begin + self.batch_size]
            arrays = _arrays(self._batcher.encode_batch([texts[i] for i in rows]), keep_offsets=keep_offsets)
            tokens = session.run(["token_embeddings"], {name: arrays[name] for name in _INPUTS})[0]
            yield rows, arrays, tokens


def mean_pool(tokens: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling: the average of the unmasked token embeddings."""
    mask = attention_mask[..., None].astype(np.float32)
    return (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as torch.nn.functional.normalize (eps 1e-12)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.clip(norms, 1e-12, None), dtype=np.float32)


def _open_session(onnx_file: Path, threads: int) -> onnxruntime.InferenceSession:
    if not onnx_file.is_file():
        raise AssistantError(f"{onnx_file}: no ONNX export of the model here; write one with export_onnx(folder)")
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Idle worker threads spin by default: on a machine shared with other work that burns the cores they wait for.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])


def _tokenizer(name: str, max_length: int | None) -> Tokenizer:
    """The model's tokenizer: counting (``None``: whole text, no padding) or batching (truncated, padded)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_model_path(name) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    if max_length is not None:
        tokenizer.enable_truncation(max_length)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - BERT's padding token, not a secret
    return tokenizer


def _arrays(encodings, *, keep_offsets: bool = False) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    arrays = {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
    if keep_offsets:
        arrays["offsets"] = np.array([e.offsets for e in encodings], dtype=np.int64)
    return arrays
