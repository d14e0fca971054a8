"""Which runtime encodes questions when the ``Assistant`` loads its own model (``ModelSettings.runtime``).

A question is one short text: encoding it with onnxruntime over an ONNX export of the model needs no
torch import, which is most of a cold ``ask`` (28.6 s and 675 MiB with torch against 10.0 s and 341 MiB,
bench/README.md "Cold start"). The index build keeps sentence-transformers (torch): exporting needs torch
in that process anyway, and the index's vectors stay those of the reference implementation whether or not
an export exists. The export lives beside the snapshots, in ``<index>/models/``, written once by the first
build that finds it missing; both runtimes give the same vectors (within 1e-7), so the embedder's name and
the index fingerprint are the same either way.
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
    """The ONNX export when the runtime allows and it exists, else ``fallback`` (the build's torch model).

    ``runtime="onnx"`` warns when it has to fall back; ``"auto"`` falls back quietly (an index built before
    exports existed, or a store without a folder).
    """
    if settings.runtime != "torch" and models_dir is not None:
        path = onnx_file(models_dir, settings.name)
        if path.is_file():
            return OnnxEmbedder(path, name=settings.name, batch_size=settings.batch_size)
        if settings.runtime == "onnx":
            log.warning(
                "no ONNX export at %s; questions are encoded with torch (python -m assistant index writes it)", path
            )
    return fallback
