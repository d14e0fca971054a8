"""One query at a time, warm: sentence-transformers (torch) against the ONNX export (onnxruntime), interleaved.

```
.venv/bin/python -m bench.encoders [--questions 40]
```

Both encode a single text on one thread (the product's setting for a query), after 3 warm-ups; who
goes first alternates per question. Also prints each one's vectors' largest cosine distance from
the other's over the questions. Cold import and load are bench/coldstart.py's job.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.embedding import SentenceTransformerEmbedder
from assistant.onnx_embedding import OnnxEmbedder, export_onnx

from .corpus import questions, shipped_texts
from .measure import percentiles_ms

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.encoders", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load_start = os.getloadavg()
    asked = questions(shipped_texts(ROOT / "sources"), args.questions + 3)
    with tempfile.TemporaryDirectory(prefix="encoders-") as folder:
        encoders = {"torch": SentenceTransformerEmbedder(), "onnx": OnnxEmbedder(export_onnx(Path(folder)), threads=1)}
        seconds: dict[str, list[float]] = {name: [] for name in encoders}
        vectors: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
        for number, query in enumerate(asked):
            names = list(encoders) if number % 2 else list(encoders)[::-1]
            for name in names:
                began = time.perf_counter()
                vector = encoders[name].encode([query])[0]
                if number >= 3:
                    seconds[name].append(time.perf_counter() - began)
                    vectors[name].append(vector)
    distance = 1.0 - np.sum(np.array(vectors["torch"]) * np.array(vectors["onnx"]), axis=1)
    print(f"{args.questions} questions; load average at start {tuple(round(x, 2) for x in load_start)}, "
          f"at end {tuple(round(x, 2) for x in os.getloadavg())}")  # fmt: skip
    print("| runtime | encode p50 ms | p95 ms |\n|---|--:|--:|")
    for name, values in seconds.items():
        figures = percentiles_ms(values)
        print(f"| {name} | {figures['p50']:.1f} | {figures['p95']:.1f} |")
    print(f"largest cosine distance torch vs onnx over the questions: {distance.max():.2e}")


if __name__ == "__main__":
    main()
