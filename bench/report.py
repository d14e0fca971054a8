"""Tables and the plot, drawn from ``results.json`` only, so they can be redrawn without re-running."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
PLOT = HERE / "scaling.png"
_START, _END = "<!-- results:start -->", "<!-- results:end -->"


def _order(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs = list(results["runs"].values())
    return sorted(runs, key=lambda r: (r["embedder"] != "minilm", r["chunks"], r["build"].get("dense_index", "flat")))


def _real_rate(results: dict[str, Any]) -> float | None:
    """The bare encoder's chunks/s from the real-model runs: what the model alone would cost."""
    rates = [r["bare_encoder"]["chunks_per_s"] for r in results["runs"].values() if r.get("bare_encoder")]
    return sum(rates) / len(rates) if rates else None


def _real_encode_ms(results: dict[str, Any]) -> dict[str, float] | None:
    runs = [r for r in results["runs"].values() if r["embedder"] == "minilm"]
    if not runs:
        return None
    return {q: max(r["search"]["encode"][q] for r in runs) for q in ("p50", "p95")}


def build_table(results: dict[str, Any]) -> str:
    rate = _real_rate(results)
    lines = [
        "| corpus | embedder | docs | chunks | dense index | build s | of which model s | chunks/s | bare encoder chunks/s | ratio | peak RSS MiB | on disk MiB | re-index, none changed s | re-index, 1 changed s (chunks embedded) | 1 added s | 1 deleted s | CPU s: changed / added / deleted |",
        "|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in _order(results):
        b, x = r["build"], r["reindex"]
        encoder = r.get("bare_encoder")
        ratio = f"{b['throughput_ratio']:.2f}" if encoder else "–"
        bare = f"{encoder['chunks_per_s']:.1f}" if encoder else "–"
        build = f"{b['seconds']:.1f}"
        if not encoder and rate:
            build += f" (est. {_estimated_build(r, rate) / 60:.0f} min with model)"
        lines.append(
            f"| {r['corpus']} | {r['embedder']} | {r['documents']:,} | {r['chunks']:,} | {b.get('dense_index', 'flat')} "
            f"| {build} | {b['encode_seconds']:.1f} "
            f"| {b['chunks_per_s']:.1f} | {bare} | {ratio} | {b['peak_rss_mb']:,.0f} | {b['disk_mb']:,.1f} "
            f"| {x['none_seconds']:.3f} | {x['one_seconds']:.2f} ({x['one_embedded_chunks']}) | {_edit(x, 'add')} | {_edit(x, 'delete')} "
            f"| {_edit(x, 'one_cpu')} / {_edit(x, 'add_cpu')} / {_edit(x, 'delete_cpu')} |"
        )
    return "\n".join(lines)


def _edit(reindex: dict[str, Any], name: str) -> str:
    """An edit's seconds; runs from before adds and deletes were measured have none."""
    value = reindex.get(f"{name}_seconds")
    return "–" if value is None else f"{value:.2f}"


def _estimated_build(run: dict[str, Any], rate: float) -> float:
    """Stand-in build time, with the stand-in's encode swapped for the real model's at its measured rate."""
    return run["build"]["seconds"] - run["build"]["encode_seconds"] + run["chunks"] / rate


def search_table(results: dict[str, Any]) -> str:
    lines = [
        "| corpus | embedder | chunks | encode p50 | dense p50 (base) | BM25 p50 (base) | fusion p50 | hybrid retrieval p50 / p95 | baseline p50 / p95 | ratio | baseline, library default threads p50 / p95 | hybrid full answer p50 / p95 | ratio |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in _order(results):
        s, q = r["search"], r["search"]["ratios_p50"]
        lines.append(
            f"| {r['corpus']} | {r['embedder']} | {r['chunks']:,} | {s['encode']['p50']:.1f} "
            f"| {s['dense']['p50']:.2f} ({s['base_dense']['p50']:.2f}) | {s['bm25']['p50']:.2f} ({s['base_bm25']['p50']:.2f}) "
            f"| {s['fusion']['p50']:.2f} | {s['retrieval_hybrid']['p50']:.1f} / {s['retrieval_hybrid']['p95']:.1f} "
            f"| {s['base_retrieval_hybrid']['p50']:.1f} / {s['base_retrieval_hybrid']['p95']:.1f} | {q['hybrid']:.2f} "
            f"| {_pair(s.get('base_retrieval_hybrid_default_threads'))} "
            f"| {s['full_hybrid']['p50']:.1f} / {s['full_hybrid']['p95']:.1f} | {q['full_hybrid']:.2f} |"
        )
    return "\n".join(lines)


def _pair(figures: dict[str, float] | None) -> str:
    return f"{figures['p50']:.1f} / {figures['p95']:.1f}" if figures else "–"


def hnsw_table(results: dict[str, Any]) -> str:
    lines = [
        "| corpus | embedder | chunks | flat p50 / p95 ms | HNSW graph | open s | efSearch | recall@10 | HNSW p50 / p95 ms |",
        "|---|---|--:|--:|---|--:|--:|--:|--:|",
    ]
    for r in _order(results):
        h = r.get("hnsw")
        if not h or "flat" not in h:
            continue
        for e in h["by_ef"]:
            lines.append(
                f"| {r['corpus']} | {r['embedder']} | {r['chunks']:,} | {h['flat']['p50']:.2f} / {h['flat']['p95']:.2f} "
                f"| {h['graph']} | {h['open_seconds']:.1f} | {e['ef_search']} | {e['recall_at_10']:.3f} "
                f"| {e['p50']:.3f} / {e['p95']:.3f} |"
            )
    return "\n".join(lines)


def machine_text(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    return ", ".join(f"{k}: {v}" for k, v in m.items())


def tables(results: dict[str, Any]) -> str:
    return (
        f"Machine: {machine_text(results)}\n\nBuild and re-index (times in seconds)\n{build_table(results)}\n\n"
        f"Search, one question at a time (ms; ratio = ours / baseline at p50)\n{search_table(results)}\n\n"
        f"Approximate dense index through the core option (HNSW, M=32) against flat\n{hnsw_table(results)}"
    )


def row_text(run: dict[str, Any]) -> str:
    s, b = run["search"], run["build"]
    return (
        f"[{run['corpus']}/{run['embedder']}] {run['documents']} docs, {run['chunks']} chunks: build {b['seconds']} s "
        f"({b['chunks_per_s']} chunks/s, peak {b['peak_rss_mb']} MiB); hybrid p50 {s['retrieval_hybrid']['p50']} ms "
        f"vs baseline {s['base_retrieval_hybrid']['p50']} ms (x{s['ratios_p50']['hybrid']}); full answer p50 {s['full_hybrid']['p50']} ms"
    )


def plot(results: dict[str, Any], path: Path = PLOT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = _order(results)
    rate = _real_rate(results)
    encode = _real_encode_ms(results)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for embedder, marker in (("minilm", "o"), ("hashed", "s")):
        rs = [r for r in runs if r["embedder"] == embedder and r["build"].get("dense_index", "flat") == "flat"]
        if not rs:
            continue
        x = [r["chunks"] for r in rs]
        label = "real model" if embedder == "minilm" else "stand-in embedder, search only"
        left.plot(x, [r["search"]["retrieval_hybrid" if embedder == "minilm" else "search_only_hybrid"]["p50"] for r in rs], marker=marker, label=f"ours hybrid p50 ({label})")
        left.plot(x, [r["search"]["retrieval_hybrid" if embedder == "minilm" else "search_only_hybrid"]["p95"] for r in rs], marker=marker, linestyle=":", label=f"ours hybrid p95 ({label})")
        left.plot(x, [r["search"]["base_retrieval_hybrid" if embedder == "minilm" else "base_search_only_hybrid"]["p50"] for r in rs], marker=marker, linestyle="--", label=f"baseline p50 ({label})")
        if embedder == "minilm":
            left.plot(x, [r["search"]["full_hybrid"]["p50"] for r in rs], marker=marker, linestyle="-.", label="ours full answer with quotes p50")
        best = [min((e for e in r["hnsw"]["by_ef"] if e["recall_at_10"] >= 0.95), key=lambda e: e["p50"], default=None) if r.get("hnsw") else None for r in rs]  # fmt: skip
        pts = [(xi, b["p50"]) for xi, b in zip(x, best, strict=True) if b]
        if pts:
            left.plot(*zip(*pts, strict=True), marker="^", linestyle="-", alpha=0.6, label=f"HNSW dense p50, recall@10>=0.95 ({embedder})")
        right.plot(x, [r["build"]["seconds"] for r in rs], marker=marker, label=f"build, measured ({label if embedder == 'minilm' else 'stand-in'})")
        if embedder == "hashed" and rate:
            right.plot(x, [_estimated_build(r, rate) for r in rs], marker=marker, linestyle="--", label="build with the real model, estimated")
    graphs = [r for r in runs if r["build"].get("dense_index") == "hnsw"]
    if graphs:
        x = [r["chunks"] for r in graphs]
        left.plot(x, [r["search"]["search_only_hybrid"]["p95"] for r in graphs], marker="*", linestyle="none", markersize=10, label="ours hybrid p95, built with HNSW (stand-in, search only)")
        right.plot(x, [r["build"]["seconds"] for r in graphs], marker="*", linestyle="none", markersize=10, label="build with HNSW at publish, measured (stand-in)")
    if encode:
        left.axhline(encode["p50"], color="grey", linewidth=0.8, label="real query encoding p50")
    left.axhline(100, color="red", linewidth=0.8, linestyle="--", label="target: hybrid p95 100 ms")
    for ax, title, ylabel in ((left, "Search latency", "ms"), (right, "Index build time", "seconds")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks in the index")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict[str, Any], readme: Path = README) -> None:
    """Redraw the plot beside ``readme`` and the generated part of the README between its markers."""
    plot(results, readme.parent / PLOT.name)
    block = f"{_START}\n_Generated by `python -m bench` from `results.json`._\n\n**Machine:** {machine_text(results)}\n\n"
    block += f"**Build and re-index**\n\n{build_table(results)}\n\n**Search, one question at a time** (ms; ratio = ours / baseline at p50)\n\n{search_table(results)}\n\n"
    block += "**Approximate dense index against the flat one, both opened through the core option** "
    block += f"(`DenseSettings(index=...)`; HNSW M=32, efConstruction=80; one question at a time, k=10)\n\n{hnsw_table(results)}\n\n![latency and build time against corpus size](scaling.png)\n{_END}"
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"# Benchmarks\n\n{_START}\n{_END}\n"
    if _START not in text:
        text += f"\n{_START}\n{_END}\n"
    readme.write_text(re.sub(re.escape(_START) + ".*?" + re.escape(_END), lambda _: block, text, flags=re.S), encoding="utf-8")
