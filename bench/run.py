"""``python -m bench``: build, re-index and search corpora of growing size beside the bare libraries.

Each corpus runs in a fresh process, so its peak resident memory is its own and not the previous
corpus's. Results are merged into ``bench/results.json`` (keyed by corpus and embedder), and the
table in ``bench/README.md`` and the plot are redrawn from that file.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import report
from .measure import TimedEmbedder, folder_mb, machine, peak_rss_mb, percentiles_ms, rss_mb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_SIZES = "articles,1000,10000,50000"
K = 5
HNSW_EF = (32, 64, 128, 256)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma-separated: 'articles' and/or document counts (default {DEFAULT_SIZES})")
    parser.add_argument(
        "--embedder",
        choices=("minilm", "hashed"),
        default="minilm",
        help="minilm: the real model; hashed: a model-free stand-in, to measure everything but the model at sizes the model would take hours on",
    )
    parser.add_argument("--queries", type=int, default=40, help="questions per corpus, asked one at a time (default 40)")
    parser.add_argument("--encode-sample", type=int, default=1024, help="chunks the bare encoder embeds for its throughput (default 1024)")
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("BENCH_WORKDIR", "/tmp/assistant-bench")))
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--no-report", action="store_true", help="do not redraw bench/README.md and the plot")
    parser.add_argument("--report-only", action="store_true", help="only redraw the tables and plot from the results file")
    args = parser.parse_args(argv)

    if args.report_only:
        results = _load(args.results)
        report.write(results)
        print(report.tables(results))
        return
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for size in sizes:
        if size != "articles" and not size.isdigit():
            parser.error(f"--sizes: {size!r} is neither 'articles' nor a document count")
    context = multiprocessing.get_context("spawn")
    for size in sizes:
        config = {
            "size": size,
            "embedder": args.embedder,
            "queries": args.queries,
            "encode_sample": args.encode_sample,
            "workdir": str(args.workdir),
        }
        with context.Pool(1) as pool:
            run = pool.apply(run_one, (config,))
        results = _merge(args.results, f"{size}/{args.embedder}", run)
        print(report.row_text(run), flush=True)
    results = _load(args.results)
    if not args.no_report:
        report.write(results)
    print(report.tables(results))


def run_one(config: dict[str, Any]) -> dict[str, Any]:
    """Everything for one corpus, in this (fresh) process."""
    size, workdir = config["size"], Path(config["workdir"])
    run_dir = workdir / f"run-{size}-{config['embedder']}"
    shutil.rmtree(run_dir, ignore_errors=True)
    sources = _prepare_sources(size, workdir, run_dir / "sources")
    rss_start = rss_mb()
    embedder, model = _embedder(config["embedder"])
    model_rss = round(rss_mb() - rss_start, 1)
    try:
        run = measure(sources, run_dir / "index", embedder, model, config["queries"], config["encode_sample"])
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    run["build"]["model_rss_mb"] = model_rss
    return {"corpus": size, "embedder": config["embedder"], **run}


def measure(
    sources: Path, index_dir: Path, inner, model, queries: int, encode_sample: int  # type: ignore[no-untyped-def]
) -> dict[str, Any]:
    """Build, re-index and search the corpus in ``sources``; ``model`` is the bare SentenceTransformer or None."""
    from assistant import Assistant

    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(sources.glob("*.txt"))}
    load_before = os.getloadavg()[0]  # other work on a shared machine moves absolute times, not ratios
    embedder = TimedEmbedder(inner)
    assistant = Assistant(sources_dir=sources, index_dir=index_dir, embedder=embedder)
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    built = assistant.refresh()
    build_seconds = time.perf_counter() - start
    build = {
        "seconds": round(build_seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),  # all threads; far below wall time on a busy machine
        "chunks_per_s": round(built.chunks / build_seconds, 1),
        "encode_seconds": round(embedder.encode_seconds, 2),
        "tokenize_seconds": round(embedder.tokenize_seconds, 2),
        "other_seconds": round(build_seconds - embedder.encode_seconds - embedder.tokenize_seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
        "disk_mb": folder_mb(assistant.snapshot.folder),  # type: ignore[attr-defined]
    }
    reindex = _reindex(assistant, embedder, sources, texts)
    encoder = None
    if model is not None:
        encoder = _bare_encoder(model, [c.text for c in assistant.snapshot.chunks], encode_sample)
        build["throughput_ratio"] = round(encoder["chunks_per_s"] / build["chunks_per_s"], 3)
    search, hnsw = _search(assistant, embedder, model, list(texts.values()), queries)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "documents": built.documents,
        "chunks": built.chunks,
        "corpus_mb": round(sum(len(t.encode()) for t in texts.values()) / 2**20, 2),
        "build": build,
        "bare_encoder": encoder,
        "reindex": reindex,
        "search": search,
        "hnsw": hnsw,
    }


def _prepare_sources(size: str, workdir: Path, target: Path) -> Path:
    """A private copy of the corpus (hard links; an edited file is replaced, never written through)."""
    from .corpus import Generator, shipped_texts, train, write_corpus

    target.mkdir(parents=True)
    if size == "articles":
        for path in (ROOT / "sources").iterdir():
            shutil.copy2(path, target / path.name)
        return target
    count = int(size)
    cache = write_corpus(workdir / "corpus", count, Generator(train(shipped_texts(ROOT / "sources"))))
    for number in range(count):
        name = f"doc_{number:06d}.txt"
        os.link(cache / name, target / name)
    return target


def _embedder(kind: str):  # type: ignore[no-untyped-def]
    if kind == "hashed":
        from .standin import HashedEmbedder

        embedder = HashedEmbedder()
        embedder.count_tokens("warm up")
        return embedder, None
    from assistant.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up"])
    return embedder, embedder.model


def _reindex(assistant, embedder: TimedEmbedder, sources: Path, texts: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from .corpus import SEED, Generator, shipped_texts, train

    start, cpu = time.perf_counter(), time.process_time()
    unchanged = assistant.refresh()
    none_seconds, none_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert not unchanged.changed, "nothing changed, yet the index was rebuilt"

    name = sorted(texts)[len(texts) // 2]
    edited = Generator(train(shipped_texts(ROOT / "sources")), SEED).edit(len(texts) // 2, texts[name])
    tmp = sources / (name + ".tmp")
    tmp.write_text(edited, encoding="utf-8")
    os.replace(tmp, sources / name)  # breaks the hard link: the cached corpus stays as generated
    embedder.reset()
    start, cpu = time.perf_counter(), time.process_time()
    changed = assistant.refresh()
    one_seconds, one_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "none_seconds": round(none_seconds, 3),
        "none_cpu_seconds": round(none_cpu, 3),
        "one_seconds": round(one_seconds, 2),
        "one_cpu_seconds": round(one_cpu, 2),
        "one_embedded_chunks": changed.embedded_chunks,
        "one_encode_seconds": round(embedder.encode_seconds, 3),
    }


def _bare_encoder(model, chunk_texts: list[str], sample: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """sentence-transformers alone on a random sample of the same chunks, same batch size."""
    picked = random.Random(0).sample(chunk_texts, min(sample, len(chunk_texts)))
    start = time.perf_counter()
    model.encode(picked, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - start
    return {"chunks": len(picked), "seconds": round(seconds, 2), "chunks_per_s": round(len(picked) / seconds, 1)}


def _search(assistant, embedder: TimedEmbedder, model, documents: list[str], count: int):  # type: ignore[no-untyped-def]
    """Per question: ours (encode, dense, BM25, fusion, full answer per mode) and the bare baseline."""
    from assistant.fusion import rrf

    from .baseline import BareBM25, BareDense
    from .corpus import questions
    from .hnsw import HNSWDenseIndex

    snapshot = assistant.snapshot
    settings = assistant.settings.search
    depth = max(settings.candidates, 4 * K)
    vectors = snapshot.vectors(np.arange(len(snapshot.chunks)))
    bare_dense = BareDense(model, vectors)
    bare_bm25 = BareBM25([c.text for c in snapshot.chunks])
    asked = questions(documents, count + 3)
    t: dict[str, list[float]] = {
        name: []
        for name in (
            "encode", "dense", "bm25", "fusion", "base_encode", "base_dense", "base_bm25",
            "full_hybrid", "full_dense", "full_bm25",
        )
    }  # fmt: skip
    query_vectors = []
    clock = time.perf_counter

    def retrieve(query: str) -> tuple[dict[str, float], np.ndarray]:
        """Our retrieval, step by step, as ``Retriever.search`` runs it before choosing quotes."""
        a = clock()
        vector = embedder.encode([query])[0]
        b = clock()
        dense = snapshot.dense_search(vector, depth)
        c = clock()
        sparse = snapshot.bm25_search(query, depth)
        d = clock()
        rrf([dense, sparse], settings.rrf_k)
        e = clock()
        return {"encode": b - a, "dense": c - b, "bm25": d - c, "fusion": e - d}, vector

    for number, query in enumerate(asked):
        timings: dict[str, float] = {}

        def ours() -> None:
            steps, vector = retrieve(query)
            timings.update(steps)
            query_vectors.append(vector)

        def bare() -> None:
            a = clock()
            vector = bare_dense.encode([query]) if model is not None else embedder.inner.encode([query])
            b = clock()
            bare_dense.search(vector, depth)
            c = clock()
            bare_bm25.search(query, depth)
            d = clock()
            timings.update(base_encode=b - a, base_dense=c - b, base_bm25=d - c)

        # Alternate who goes first, so neither always meets warm caches left by the other.
        for step in (ours, bare) if number % 2 else (bare, ours):
            step()
        for mode in ("hybrid", "dense", "bm25"):
            a = clock()
            assistant.search(query, k=K, mode=mode)
            timings[f"full_{mode}"] = clock() - a
        if number >= 3:  # the first three warm up the code paths
            for name, value in timings.items():
                t[name].append(value)
    query_vectors = query_vectors[3:]

    def summed(*names: str) -> list[float]:
        return [sum(values) for values in zip(*(t[n] for n in names), strict=True)]

    search = {name: percentiles_ms(values) for name, values in t.items()}
    search["retrieval_dense"] = percentiles_ms(summed("encode", "dense"))
    search["retrieval_hybrid"] = percentiles_ms(summed("encode", "dense", "bm25", "fusion"))
    search["base_retrieval_dense"] = percentiles_ms(summed("base_encode", "base_dense"))
    search["base_retrieval_hybrid"] = percentiles_ms(summed("base_encode", "base_dense", "base_bm25"))
    search["search_only_hybrid"] = percentiles_ms(summed("dense", "bm25", "fusion"))
    search["base_search_only_hybrid"] = percentiles_ms(summed("base_dense", "base_bm25"))
    search["queries"] = len(t["encode"])
    search["depth"] = depth
    search["ratios_p50"] = {
        "encode": _ratio(search["encode"], search["base_encode"]),
        "dense": _ratio(search["retrieval_dense"], search["base_retrieval_dense"]),
        "bm25": _ratio(search["bm25"], search["base_bm25"]),
        "hybrid": _ratio(search["retrieval_hybrid"], search["base_retrieval_hybrid"]),
        "hybrid_search_only": _ratio(search["search_only_hybrid"], search["base_search_only_hybrid"]),
        "full_hybrid": _ratio(search["full_hybrid"], search["base_retrieval_hybrid"]),
    }
    search["single_thread"] = _single_thread(retrieve, asked[3:], model is not None)
    return search, _hnsw(HNSWDenseIndex, vectors, bare_dense, query_vectors)


def _single_thread(retrieve, asked: list[str], uses_torch: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Our retrieval again with FAISS (and torch) held to one thread: one query gains little from a second
    thread, and on a busy machine the threads wait for each other."""
    import faiss

    default = {"faiss": faiss.omp_get_max_threads()}
    if uses_torch:
        import torch

        default["torch"] = torch.get_num_threads()
        torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    try:
        steps = [retrieve(query)[0] for query in asked]
    finally:
        faiss.omp_set_num_threads(default["faiss"])
        if uses_torch:
            torch.set_num_threads(default["torch"])
    out: dict[str, Any] = {"default_threads": default}
    for name in ("encode", "dense", "bm25"):
        out[name] = percentiles_ms([s[name] for s in steps])
    out["retrieval_hybrid"] = percentiles_ms([sum(s.values()) for s in steps])
    return out


def _hnsw(index_class, vectors: np.ndarray, flat, query_vectors: list[np.ndarray]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Recall@10 of the approximate index against the flat one, and its latency, per efSearch."""
    if len(vectors) < 10 or not query_vectors:
        return {}
    start = time.perf_counter()
    index = index_class(vectors)
    build_seconds = time.perf_counter() - start
    truth = [set(flat.search(q.reshape(1, -1), 10)[1][0].tolist()) for q in query_vectors]
    out: dict[str, Any] = {"m": 32, "ef_construction": 80, "build_seconds": round(build_seconds, 2), "by_ef": []}
    for ef in HNSW_EF:
        index.ef_search = ef
        seconds, recalls = [], []
        for q, expected in zip(query_vectors, truth, strict=True):
            a = time.perf_counter()
            hits = index.search(q, 10)
            seconds.append(time.perf_counter() - a)
            recalls.append(len({row for row, _ in hits} & expected) / len(expected))
        out["by_ef"].append({"ef_search": ef, "recall_at_10": round(float(np.mean(recalls)), 4), **percentiles_ms(seconds)})
    return out


def _ratio(ours: dict[str, float], base: dict[str, float]) -> float | None:
    return round(ours["p50"] / base["p50"], 3) if base["p50"] > 0 else None


def _load(path: Path) -> dict[str, Any]:
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        data.setdefault("runs", {})
        return data
    return {"runs": {}}


def _merge(path: Path, key: str, run: dict[str, Any]) -> dict[str, Any]:
    """Re-read and update one entry, so runs of other sizes or embedders (even concurrent ones) are kept."""
    results = _load(path)
    results["runs"][key] = run
    results["machine"] = machine()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return results
