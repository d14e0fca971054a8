"""Quote accuracy and build cost of the ways to make sentence vectors at index time (``ModelSettings.sentence_vectors``).

```
.venv/bin/python -m bench.sentence_vectors                 # gold set + 256 sampled chunks of a generated corpus
.venv/bin/python -m bench.sentence_vectors --chunks 512 --rounds 3
```

**Quote accuracy.** The shipped articles are indexed with the real model as shipped (pooled sentence
vectors stored in the snapshot); every gold question (eval/gold.toml, follow-ups with their context,
as the eval asks them) is searched once through ``Assistant.search`` (hybrid, k=10). The passages stay
as returned; each passage's quote is chosen again with ``quoting.choose_quote`` from the sentence
vectors of each method, and scored with the eval's own ``quote_accuracy`` (first result's quote
overlaps an answer). "as searched" is what the search returned (the stored pooled vectors, in half
precision); "lexical only" gives every sentence the same cosine, to show what vectors add.
Near-duplicate grouping is not redone, so the passage lists are identical across methods.

**Build throughput.** A sample of chunks of the generated benchmark corpus (bench/corpus.py), with
their sentence spans as the index would clip them, is run through each method in rounds, the order
rotating per round; median seconds per method. "Relative throughput" is the method's chunks/s over the
bare torch encoder's (``SentenceTransformer.encode`` of the chunks alone): the issue's target is >= 0.6.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.embedding import SentenceTransformerEmbedder
from assistant.evaluation.gold import load_gold
from assistant.evaluation.metrics import quote_accuracy
from assistant.onnx_embedding import OnnxEmbedder, export_onnx
from assistant.quoting import choose_quote, sentences_in
from assistant.sentence_pooling import (
    SentenceTransformerTokens,
    SentenceVectors,
    embedded_separately,
    pooled_from_tokens,
)
from assistant.store import Snapshot
from assistant.types import SearchResult

ROOT = Path(__file__).resolve().parent.parent
K = 10  # the eval's depth


def chunk_spans(snapshot: Snapshot, rows: Sequence[int]) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Chunk texts and their sentences as the quote step sees them, as offsets into each chunk's text."""
    texts, spans = [], []
    for row in rows:
        chunk = snapshot.chunks[row]
        doc = snapshot.documents[chunk.source_id]
        texts.append(chunk.text)
        spans.append([(s - chunk.start, e - chunk.start) for s, e in sentences_in(doc, chunk.start, chunk.end)])
    return texts, spans


def requote(
    result: SearchResult, snapshot: Snapshot, vectors: SentenceVectors | None, query_vector: np.ndarray
) -> SearchResult:
    """The same passages with each quote chosen again from ``vectors`` (None: lexical and figure cues only)."""
    row_of = {(c.source_id, c.start, c.end): i for i, c in enumerate(snapshot.chunks)}
    passages = []
    for passage in result.results:
        row = row_of[(passage.source.id, passage.start, passage.end)]
        doc = snapshot.documents[passage.source.id]
        spans = sentences_in(doc, passage.start, passage.end)
        cosines = np.zeros(len(spans), dtype=np.float32) if vectors is None else vectors.of_chunk(row) @ query_vector
        quote = choose_quote(doc, spans, cosines, result.query).quote
        passages.append(replace(passage, quote=quote))
    return replace(result, results=tuple(passages))


TAGS = ("paraphrase", "wording", "number")  # quote accuracy is also shown within these gold tags


def accuracy(workdir: Path, embedder: SentenceTransformerEmbedder) -> list[tuple[str, list[float], float]]:
    """(method, quote accuracy overall and per tag in ``TAGS``, share of first quotes identical to on-demand's)."""
    shutil.copytree(ROOT / "sources", workdir / "sources")
    assistant = Assistant(sources_dir=workdir / "sources", index_dir=workdir / "index", embedder=embedder)
    assistant.refresh()
    snapshot = assistant.snapshot
    gold = load_gold(snapshot.documents)
    texts, spans = chunk_spans(snapshot, range(len(snapshot.chunks)))
    methods: dict[str, SentenceVectors | None] = {
        "separate: each sentence embedded on its own": embedded_separately(embedder, texts, spans),
        "pooled, full precision (not stored)": pooled_from_tokens(SentenceTransformerTokens(embedder.model), texts, spans),
        "lexical and figure cues only (no vectors)": None,
    }
    asked = {q.id: assistant.search(gold.query(q), k=K) for q in gold.questions}
    query_vectors = {qid: embedder.encode([r.query])[0] for qid, r in asked.items()}

    def scores(results: dict[str, SearchResult]) -> list[float]:
        tagged = [{q.id: results[q.id] for q in gold.questions if tag in q.tags} for tag in TAGS]
        return [quote_accuracy(results, gold), *(quote_accuracy(subset, gold) for subset in tagged)]

    rows = [("pooled, stored in half precision (as searched, shipped)", scores(asked), 1.0)]
    for name, vectors in methods.items():
        requoted = {qid: requote(r, snapshot, vectors, query_vectors[qid]) for qid, r in asked.items()}
        same = [
            requoted[q.id].results[0].quote == asked[q.id].results[0].quote for q in gold.answerable if asked[q.id].results
        ]
        rows.append((name, scores(requoted), sum(same) / len(same)))
    a, b = methods["separate: each sentence embedded on its own"], methods["pooled, full precision (not stored)"]
    cosine = np.sum(a.sentences * b.sentences, axis=1)  # type: ignore[union-attr]
    print(f"gold: {len(gold.answerable)} answerable of {len(gold.questions)}; {len(snapshot.chunks)} chunks")
    print(
        f"cosine between a and b for the same sentence ({len(cosine)} rows): mean {cosine.mean():.3f}, "
        f"p10 {np.percentile(cosine, 10):.3f}, min {cosine.min():.3f}"
    )
    return rows


def sample_chunks(workdir: Path, documents: int, count: int) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """``count`` random chunks of a generated corpus, chunked by the product (stand-in vectors: only the chunks are used)."""
    from .corpus import Generator, shipped_texts, train, write_corpus
    from .standin import HashedEmbedder

    sources = write_corpus(workdir / "corpus", documents, Generator(train(shipped_texts(ROOT / "sources"))))
    assistant = Assistant(sources_dir=sources, index_dir=workdir / "standin-index", embedder=HashedEmbedder())
    assistant.refresh()
    snapshot = assistant.snapshot
    rows = random.Random(12).sample(range(len(snapshot.chunks)), min(count, len(snapshot.chunks)))
    return chunk_spans(snapshot, rows)


def throughput(methods: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds per method over ``rounds``, the order rotating each round."""
    seconds: dict[str, list[float]] = {name: [] for name in methods}
    names = list(methods)
    for number in range(rounds):
        order = names[number % len(names) :] + names[: number % len(names)]
        for name in order:
            began = time.perf_counter()
            methods[name]()
            seconds[name].append(time.perf_counter() - began)
            print(f"  round {number + 1} {name}: {seconds[name][-1]:.1f} s", flush=True)
    return {name: statistics.median(values) for name, values in seconds.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sentence_vectors", description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=256, help="chunks sampled for the throughput runs")
    parser.add_argument("--documents", type=int, default=60, help="generated documents to sample them from")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load_start = os.getloadavg()
    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up"])
    with tempfile.TemporaryDirectory(prefix="sentence-vectors-") as folder:
        workdir = Path(folder)
        if not args.skip_accuracy:
            tags = " | ".join(f"… {tag}" for tag in TAGS)
            print(f"| method | quote accuracy | {tags} | first quote same as shipped |\n|---|--:|" + "--:|" * (len(TAGS) + 1))
            for name, values, same in accuracy(workdir, embedder):
                print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values) + f" | {same:.3f} |")
        if args.skip_throughput:
            return
        texts, spans = sample_chunks(workdir, args.documents, args.chunks)
        onnx = OnnxEmbedder(export_onnx(workdir / "onnx"), threads=0)
        onnx.encode(["warm up"])
        tokens = SentenceTransformerTokens(embedder.model)
        methods: dict[str, Callable[[], object]] = {
            "bare encoder (chunks only, torch)": lambda: embedder.encode(texts),
            "separate: each sentence embedded (torch)": lambda: embedded_separately(embedder, texts, spans),
            "pooled from tokens (torch)": lambda: pooled_from_tokens(tokens, texts, spans),
            "bare encoder (chunks only, onnx)": lambda: onnx.encode(texts),
            "pooled from tokens (onnx)": lambda: pooled_from_tokens(onnx, texts, spans),
        }
        seconds = throughput(methods, args.rounds)
    bare = seconds["bare encoder (chunks only, torch)"]
    sentences = sum(len(s) for s in spans)
    distinct = len({t[s:e] for t, sp in zip(texts, spans, strict=True) for s, e in sp})
    print(f"\n{len(texts)} chunks, {sentences} sentences ({distinct} distinct); rounds {args.rounds}")
    load_end = tuple(round(x, 2) for x in os.getloadavg())
    print(f"load average at start {tuple(round(x, 2) for x in load_start)}, at end {load_end}")
    print("| method | s (median) | chunks/s | throughput relative to the bare torch encoder |\n|---|--:|--:|--:|")
    for name, value in seconds.items():
        print(f"| {name} | {value:.2f} | {len(texts) / value:.1f} | {bare / value:.2f} |")


if __name__ == "__main__":
    main()
