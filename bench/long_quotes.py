"""How verification time grows with the quote's length: ``python -m bench.long_quotes [--lengths N ...]``.

Quotes of 500 to 16,000 characters, cut from the shipped sources concatenated (so a long one runs across
documents) and from random words, verified over the articles with the real model. Calls ``verify_quote``
directly, without the service's input limit or time budget, so the figures are the alignment's own cost;
"CPU s" is the process's CPU time, which a busy machine does not inflate as it does the wall time.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from assistant import Assistant
from assistant.embedding import SentenceTransformerEmbedder
from assistant.verification import verify_quote

SOURCES = Path(__file__).resolve().parent.parent / "sources"
LENGTHS = (500, 2_000, 8_000, 16_000)


def quotes(length: int) -> dict[str, str]:
    """A real and a random quote of about ``length`` characters, cut at a word."""
    real = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SOURCES.glob("*.txt")))
    while len(real) < length + 200:
        real += "\n\n" + real
    start = real.index(" ", 150) + 1
    words = real.split()
    rng = random.Random(length)
    noise = " ".join(rng.choice(words) + rng.choice(("", "", "s", "ed")) for _ in range(length // 4))
    return {"real": real[start : start + length].rsplit(" ", 1)[0], "random": noise[:length].rsplit(" ", 1)[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="*", default=list(LENGTHS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(SOURCES, Path(tmp) / "sources")
        assistant = Assistant(Path(tmp) / "sources", Path(tmp) / "index", embedder=SentenceTransformerEmbedder())
        assistant.refresh()
        snapshot = assistant.snapshot
        verify_quote(snapshot, assistant.embedder, "warm up the model")
        print(f"{'characters':>10}  {'kind':<6}  {'seconds':>8}  {'CPU s':>6}  verdict")
        for length in args.lengths:
            for kind, quote in quotes(length).items():
                started, cpu = time.perf_counter(), time.process_time()
                verdict = verify_quote(snapshot, assistant.embedder, quote).verdict
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                print(f"{len(quote):>10,}  {kind:<6}  {wall:>8.2f}  {cpu:>6.2f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
