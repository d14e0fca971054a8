"""Which runtime embeds, when the ``Assistant`` loads its own model (``ModelSettings.runtime``).

With an ONNX export of the model, onnxruntime both encodes questions and embeds index builds. A question
needs no torch import, which is most of a cold ``ask`` (28.6 s and 675 MiB with torch against 10.0 s and
341 MiB, bench/README.md "Cold start"). A build with it takes 0.5-0.7x torch's model CPU time on a busy
machine (load 4-7: chunks 0.6-0.85x, sentences, whose many short batches torch runs slowly, 0.4-0.6x) but
only ~0.85x on a quiet one (load 2, where both run chunks at the same speed); alternating in one process
over the same benchmark chunks and their sentences. A build that only updates needs no torch import. The
export lives beside the snapshots, in ``<index>/models/``, written by the first build that finds it missing,
before it embeds: it costs what loading the model into torch does (~6 s CPU), which that build then skips.
Without one (``runtime="torch"``, a failed export, a store without a folder) everything is embedded with
sentence-transformers. Both runtimes give the same vectors (within 1e-4 cosine, tests/test_onnx_embedding.py),
so the embedder's name and the index fingerprint are the same either way.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .config import ModelSettings
from .embedding import Embedder
from .onnx_embedding import OnnxEmbedder, export_onnx, onnx_file

log = logging.getLogger(__name__)

MODELS_DIR = "models"  # under the index folder, outside snapshots/, so publishing and pruning never touch it


def ensure_export(models_dir: Path, settings: ModelSettings) -> None:
    """Export the model to ONNX into ``models_dir`` unless the runtime is torch or the export is there.

    A failure is a warning, never a failed build: questions are then encoded with torch, only slower to start.
    """
    if settings.runtime == "torch" or onnx_file(models_dir, settings.name).is_file():
        return
    try:
        export_onnx(models_dir, settings.name)
    except Exception as error:  # noqa: BLE001 - any failure (no torch, full disk, exporter error) only costs speed
        log.warning(
            "could not export %s to ONNX in %s (%s: %s); questions will be encoded with torch",
            settings.name, models_dir, type(error).__name__, error,
        )  # fmt: skip


def question_embedder(models_dir: Path | None, settings: ModelSettings, fallback: Embedder) -> Embedder:
    """The ONNX export on one thread when the runtime allows and it exists, else ``fallback`` (the model through torch).

    ``runtime="onnx"`` warns when it has to fall back; ``"auto"`` falls back quietly (an index built before
    exports existed, or a store without a folder).
    """
    path = _export(models_dir, settings)
    if path is not None:
        return OnnxEmbedder(path, name=settings.name, batch_size=settings.batch_size)
    if settings.runtime == "onnx" and models_dir is not None:
        log.warning(
            "no ONNX export at %s; questions are encoded with torch (python -m assistant index writes it)",
            onnx_file(models_dir, settings.name),
        )
    return fallback


def build_embedder(models_dir: Path | None, settings: ModelSettings, held: Embedder, fallback: Embedder) -> Embedder:
    """What embeds a build: the ONNX export on every core when the runtime allows and it exists (``held`` when it
    already is that, so its open session is kept), else ``fallback`` (the model through torch)."""
    path = _export(models_dir, settings)
    if path is None:
        return fallback
    if isinstance(held, OnnxEmbedder) and held.onnx_file == path:
        return held
    return OnnxEmbedder(path, name=settings.name, batch_size=settings.batch_size, threads=0)


def _export(models_dir: Path | None, settings: ModelSettings) -> Path | None:
    """The export to embed with: there, and the runtime is not "torch"."""
    if settings.runtime == "torch" or models_dir is None:
        return None
    path = onnx_file(models_dir, settings.name)
    return path if path.is_file() else None
