"""Small measuring tools: timers, percentiles, memory, disk, and what machine this is."""

from __future__ import annotations

import os
import platform
import resource
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    values = np.asarray(seconds, dtype=np.float64) * 1000
    return {"p50": round(float(np.percentile(values, 50)), 3), "p95": round(float(np.percentile(values, 95)), 3)}


def peak_rss_mb() -> float:
    """Peak resident memory of this whole process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 2)


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent in the model, to split build time into parts.

    An inner model that gives token embeddings gives them through the wrapper too (timed as encoding),
    so the build pools sentence vectors in its one pass as it would unwrapped.
    """

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        from assistant.sentence_pooling import token_encoder

        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.encode_seconds = self.tokenize_seconds = 0.0
        tokens = token_encoder(inner)
        if tokens is not None:
            self.token_embeddings = self._timed(tokens.token_embeddings)

    def _timed(self, model_call):  # type: ignore[no-untyped-def]
        def call(texts: Sequence[str]):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return model_call(texts)
            finally:
                self.encode_seconds += time.perf_counter() - start

        return call

    def reset(self) -> None:
        self.encode_seconds = self.tokenize_seconds = 0.0

    def count_tokens(self, text: str) -> int:
        start = time.perf_counter()
        try:
            return self.inner.count_tokens(text)
        finally:
            self.tokenize_seconds += time.perf_counter() - start

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._timed(lambda batch: self.inner.encode(batch, progress=progress))(texts)


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import psutil

    versions = {}
    for package in ("torch", "sentence-transformers", "faiss-cpu", "bm25s", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        **versions,
    }
