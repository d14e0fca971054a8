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
    parser.add_argument(
        "--dense",
        choices=("auto", "flat", "hnsw"),
        default="auto",
        help="the dense index the corpus is built with (Settings.dense.index; default auto, as shipped)",
    )
    parser.add_argument("--queries", type=int, default=40, help="questions per corpus, asked one at a time (default 40)")
    parser.add_argument("--encode-sample", type=int, default=1024, help="chunks the bare encoder embeds for its throughput (default 1024)")
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("BENCH_WORKDIR", "/tmp/assistant-bench")))
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--no-report", action="store_true", help="do not redraw bench/README.md and the plot")
    parser.add_argument(
        "--reindex-only",
        action="store_true",
        help="build and re-index only; the search, bare-encoder and HNSW figures of the corpus's previous run are kept (with their date)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep each corpus's sources and index under --workdir afterwards (to profile re-indexing on them)"
    )
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
        # A build with a dense index other than the shipped default is its own row.
        key = f"{size}/{args.embedder}" + ("" if args.dense == "auto" else f"/{args.dense}")
        earlier = _load(args.results)["runs"].get(key)
        if args.reindex_only and not (earlier and earlier.get("search")):
            parser.error(f"--reindex-only: {key} has no earlier run whose search figures the row could keep; run it whole once")
        run = _run_in_own_process(context, args, size, earlier if args.reindex_only else None)
        _merge(args.results, key, run)
        print(report.row_text(run), flush=True)
    results = _load(args.results)
    if not args.no_report:
        report.write(results)
    print(report.tables(results))


def _run_in_own_process(context, args: argparse.Namespace, size: str, earlier: dict[str, Any] | None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One corpus in a fresh process; with ``earlier`` (``--reindex-only``), its search figures are kept."""
    config = {
        "size": size,
        "embedder": args.embedder,
        "dense": args.dense,
        "queries": args.queries,
        "encode_sample": args.encode_sample,
        "workdir": str(args.workdir),
        "search": earlier is None,
        "keep": args.keep,
    }
    with context.Pool(1) as pool:
        run = pool.apply(run_one, (config,))
    if earlier is None:
        return run
    kept = {name: earlier[name] for name in ("bare_encoder", "search", "hnsw")}
    run = {**run, **kept, "search_when": earlier.get("search_when", earlier["when"])}
    if kept["bare_encoder"]:
        run["build"]["throughput_ratio"] = round(kept["bare_encoder"]["chunks_per_s"] / run["build"]["chunks_per_s"], 3)
    return run


def run_one(config: dict[str, Any]) -> dict[str, Any]:
    """Everything for one corpus, in this (fresh) process."""
    size, workdir = config["size"], Path(config["workdir"])
    run_dir = workdir / f"run-{size}-{config['embedder']}-{config['dense']}-{os.getpid()}"  # concurrent runs never share one
    shutil.rmtree(run_dir, ignore_errors=True)
    sources = _prepare_sources(size, workdir, run_dir / "sources")
    rss_start = rss_mb()
    embedder, asker, model = _embedder(config["embedder"], workdir)
    model_rss = round(rss_mb() - rss_start, 1)
    try:
        run = measure(
            sources, run_dir / "index", embedder, model, config["queries"], config["encode_sample"], config["dense"],
            search=config.get("search", True), asker=asker,
        )  # fmt: skip
    finally:
        if config.get("keep"):
            print(f"kept {run_dir} (sources/ and index/)", flush=True)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    run["build"]["model_rss_mb"] = model_rss
    return {"corpus": size, "embedder": config["embedder"], **run}


def measure(
    sources: Path,
    index_dir: Path,
    inner,  # type: ignore[no-untyped-def]
    model,  # type: ignore[no-untyped-def]
    queries: int,
    encode_sample: int,
    dense: str = "auto",
    search: bool = True,
    asker: Any = None,
) -> dict[str, Any]:
    """Build, re-index and (unless ``search`` is False) search the corpus in ``sources``; ``model`` is the
    bare SentenceTransformer or None; ``asker`` encodes the questions (default: ``inner``, which builds)."""
    from assistant import Assistant, Settings
    from assistant.config import DenseSettings

    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(sources.glob("*.txt"))}
    load_before = os.getloadavg()[0]  # other work on a shared machine moves absolute times, not ratios
    embedder = TimedEmbedder(inner)
    settings = Settings(dense=DenseSettings(index=dense))
    assistant = Assistant(sources_dir=sources, index_dir=index_dir, embedder=embedder, settings=settings)
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
        "dense_setting": dense,
        "dense_index": assistant.snapshot.dense.kind,  # type: ignore[attr-defined]
        "failures": len(built.failures),  # files the build could not index (none in a generated corpus)
    }
    reindex = _reindex(assistant, embedder, sources, texts)
    encoder = searched = hnsw = None
    if search:
        if model is not None:
            encoder = _bare_encoder(model, [c.text for c in assistant.snapshot.chunks], encode_sample)
            build["throughput_ratio"] = round(encoder["chunks_per_s"] / build["chunks_per_s"], 3)
        asked = TimedEmbedder(asker) if asker is not None and asker is not inner else embedder
        assistant.embedder = asked
        searched, query_vectors = _search(assistant, asked, model, list(texts.values()), queries)
        hnsw = _hnsw(index_dir, query_vectors)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "documents": built.documents,
        "chunks": built.chunks,
        "corpus_mb": round(sum(len(t.encode()) for t in texts.values()) / 2**20, 2),
        "build": build,
        "bare_encoder": encoder,
        "reindex": reindex,
        "search": searched,
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


def _embedder(kind: str, workdir: Path):  # type: ignore[no-untyped-def]
    """(what builds, what encodes questions, the bare SentenceTransformer or None). With the real model they are
    what the product uses: its ONNX export run by onnxruntime, on every core for builds and on one thread for a
    question (runtime.build_embedder / question_embedder); sentence-transformers stays the baseline's."""
    if kind == "hashed":
        from .standin import HashedEmbedder

        embedder = HashedEmbedder()
        embedder.count_tokens("warm up")
        return embedder, embedder, None
    from assistant.embedding import SentenceTransformerEmbedder
    from assistant.onnx_embedding import OnnxEmbedder, export_onnx, onnx_file

    exported = onnx_file(workdir / "models")
    if not exported.is_file():
        export_onnx(workdir / "models")
    builds, asks = OnnxEmbedder(exported, threads=0), OnnxEmbedder(exported, threads=1)
    bare = SentenceTransformerEmbedder()
    for warmed in (builds, asks, bare):
        warmed.encode(["warm up"])
    return builds, asks, bare.model


def _reindex(assistant, embedder: TimedEmbedder, sources: Path, texts: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from .corpus import SEED, Generator, shipped_texts, train

    from .rebuilt import explain

    before = assistant.snapshot.manifest
    start, cpu = time.perf_counter(), time.process_time()
    unchanged = assistant.refresh()
    none_seconds, none_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert not unchanged.changed, "nothing changed, yet the index was rebuilt:\n" + explain(before, unchanged, sources)

    generator = Generator(train(shipped_texts(ROOT / "sources")), SEED)
    name = sorted(texts)[len(texts) // 2]
    edited = generator.edit(len(texts) // 2, texts[name])
    changed = _timed_refresh(assistant, embedder, lambda: _replace(sources / name, edited))
    # One document added (the corpus's next one), then deleted again: the corpus is as it was.
    added_name = f"added_{len(texts):06d}.txt"
    added = _timed_refresh(assistant, embedder, lambda: _replace(sources / added_name, generator.document(len(texts))))
    deleted = _timed_refresh(assistant, embedder, lambda: (sources / added_name).unlink())
    assert changed["report"].updated and added["report"].added and deleted["report"].removed, "an edit was not seen"
    return {
        "none_seconds": round(none_seconds, 3),
        "none_cpu_seconds": round(none_cpu, 3),
        "one_seconds": round(changed["seconds"], 2),
        "one_cpu_seconds": round(changed["cpu_seconds"], 2),
        "one_embedded_chunks": changed["report"].embedded_chunks,
        "one_encode_seconds": changed["encode_seconds"],
        "add_seconds": round(added["seconds"], 2),
        "add_cpu_seconds": round(added["cpu_seconds"], 2),
        "delete_seconds": round(deleted["seconds"], 2),
        "delete_cpu_seconds": round(deleted["cpu_seconds"], 2),
        "full_gc": {"changed": changed["full_gc"], "added": added["full_gc"], "deleted": deleted["full_gc"]},
        "segments": len(assistant.snapshot.segments),  # type: ignore[attr-defined]
    }


def _replace(path: Path, text: str) -> None:
    """Write ``path`` anew (replacing breaks the hard link: the cached corpus stays as generated)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _timed_refresh(assistant, embedder: TimedEmbedder, change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Wall and CPU time of the ``refresh()`` that follows ``change()``."""
    change()
    embedder.reset()
    collections: list[tuple[int, float]] = []  # (generation, seconds) of each garbage collection in the refresh
    began = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            collections.append((info["generation"], time.perf_counter() - began[0]))

    gc.callbacks.append(on_gc)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        report = assistant.refresh()
    finally:
        gc.callbacks.remove(on_gc)
    full = [seconds for generation, seconds in collections if generation == 2]
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "encode_seconds": round(embedder.encode_seconds, 3),
        # A full collection walks every object the corpus holds (~0.4 s at 10,000 documents under load): when
        # one falls in a refresh, it, not the edit, can be most of the refresh's time.
        "full_gc": [len(full), round(sum(full), 3)],
        "report": report,
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

    from .baseline import BareBM25, BareDense, single_threaded
    from .corpus import questions

    snapshot = assistant.snapshot
    settings = assistant.settings.search
    depth = max(settings.candidates, 4 * K)
    bare_dense = BareDense(model, snapshot.vectors(np.arange(len(snapshot.chunks))))
    bare_bm25 = BareBM25([c.text for c in snapshot.chunks])
    asked = questions(documents, count + 3)
    t: dict[str, list[float]] = {
        name: []
        for name in (
            "encode", "dense", "bm25", "fusion", "base_encode", "base_dense", "base_bm25",
            "base_encode_default_threads", "base_dense_default_threads", "full_hybrid", "full_dense", "full_bm25",
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

    def bare_step(query: str) -> dict[str, float]:
        a = clock()
        vector = bare_dense.encode([query]) if model is not None else embedder.inner.encode([query])
        b = clock()
        bare_dense.search(vector, depth)
        c = clock()
        return {"encode": b - a, "dense": c - b}

    for number, query in enumerate(asked):
        timings: dict[str, float] = {}

        def ours(query: str = query, timings: dict[str, float] = timings) -> None:
            steps, vector = retrieve(query)
            timings.update(steps)
            query_vectors.append(vector)

        def bare(query: str = query, timings: dict[str, float] = timings) -> None:
            # The bare libraries with the thread setting ours uses (one thread for one query), then
            # with their own defaults, to show what that setting is worth.
            with single_threaded():
                steps = bare_step(query)
                a = clock()
                bare_bm25.search(query, depth)
                timings.update(base_encode=steps["encode"], base_dense=steps["dense"], base_bm25=clock() - a)
            steps = bare_step(query)
            timings.update(base_encode_default_threads=steps["encode"], base_dense_default_threads=steps["dense"])

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
    search["base_retrieval_hybrid_default_threads"] = percentiles_ms(
        summed("base_encode_default_threads", "base_dense_default_threads", "base_bm25")
    )
    search["search_only_hybrid"] = percentiles_ms(summed("dense", "bm25", "fusion"))
    search["base_search_only_hybrid"] = percentiles_ms(summed("base_dense", "base_bm25"))
    search["queries"] = len(t["encode"])
    search["depth"] = depth
    search["dense_index"] = snapshot.dense.kind
    search["ratios_p50"] = {
        "encode": _ratio(search["encode"], search["base_encode"]),
        "dense": _ratio(search["retrieval_dense"], search["base_retrieval_dense"]),
        "bm25": _ratio(search["bm25"], search["base_bm25"]),
        "hybrid": _ratio(search["retrieval_hybrid"], search["base_retrieval_hybrid"]),
        "hybrid_search_only": _ratio(search["search_only_hybrid"], search["base_search_only_hybrid"]),
        "full_hybrid": _ratio(search["full_hybrid"], search["base_retrieval_hybrid"]),
    }
    return search, query_vectors


def _hnsw(index_dir: Path, query_vectors: list[np.ndarray]) -> dict[str, Any]:
    """Recall@10 and latency of the core's HNSW option against its flat option, over the same snapshot.

    Both are opened through ``FileStore`` with ``DenseSettings(index=...)``, as the product would be
    configured. Opening under "hnsw" reads the graph stored at publish, or, when the snapshot was built
    flat, builds one in memory: its time is the graph's build time.
    """
    from assistant.config import DenseSettings
    from assistant.store.files import FileStore

    if not query_vectors:
        return {}
    flat = FileStore(index_dir, dense=DenseSettings(index="flat")).open()
    settings = DenseSettings(index="hnsw")
    stored = flat.manifest.dense.get("index") == "hnsw"
    start = time.perf_counter()
    hnsw = FileStore(index_dir, dense=settings).open()
    open_seconds = time.perf_counter() - start
    truth, flat_seconds = [], []
    for q in query_vectors:
        a = time.perf_counter()
        truth.append({row for row, _ in flat.dense_search(q, 10)})
        flat_seconds.append(time.perf_counter() - a)
    out: dict[str, Any] = {
        "m": settings.m,
        "ef_construction": settings.ef_construction,
        "graph": "stored at publish, read back" if stored else "built in memory at open",
        "open_seconds": round(open_seconds, 2),
        "flat": percentiles_ms(flat_seconds),
        "by_ef": [],
    }
    for ef in HNSW_EF:
        hnsw.dense.ef_search = ef
        seconds, recalls = [], []
        for q, expected in zip(query_vectors, truth, strict=True):
            a = time.perf_counter()
            hits = hnsw.dense_search(q, 10)
            seconds.append(time.perf_counter() - a)
            recalls.append(len({row for row, _ in hits} & expected) / max(len(expected), 1))
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
