"""Where a cold ``python -m assistant ask`` spends its time and memory, step by step.

```
.venv/bin/python -m bench.coldstart                      # torch and onnx, 3 cold runs each
.venv/bin/python -m bench.coldstart --encoder onnx --repeat 5
```

The shipped articles are copied and indexed into a temporary folder first (by the CLI, in its own
process). Then, per encoder and repeat, two fresh processes:

- **steps**: this module's ``--child`` runs what ``ask`` runs, in the same order, with a timer and
  the process's peak RSS (``getrusage``) after each step, and the heavy packages each step imported.
  "quotes" is ``Assistant.search`` whole (quote choice, grouping) less the same retrieval run again
  warm; "exit" is the parent's wall time from the child's last line to its end.
  The child ends as ``ask`` does, without the interpreter's teardown (cli.QUICK_EXIT).
- **whole**: the real ``python -m assistant ask``, wall time and peak RSS from ``wait4``; once more
  under ``-X importtime`` for the import cost of each heavy package. ``onnx`` asks the index the CLI
  built (which exported the model into ``index/models/``); ``torch`` asks a copy of it without
  ``models/``, where the default runtime ("auto") falls back to torch.

Medians over the repeats are printed with the load average at start and end: on 2 shared cores
absolute times move with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How many allegations is the unit investigating?"
HEAVY = (
    "torch", "sentence_transformers", "transformers", "faiss", "bm25s", "scipy", "numba", "gradio",
    "onnxruntime", "tokenizers", "rapidfuzz", "tiktoken", "sklearn", "pandas",
)  # fmt: skip
ENCODERS = ("torch", "onnx")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _heavy_loaded() -> set[str]:
    return {name for name in HEAVY if name in sys.modules}


def child(encoder: str, sources: str, index: str, onnx_file: str, question: str, spawned: float) -> None:
    """Run ``ask``'s steps in order, printing one JSON object: [step, seconds, peak MiB, packages imported]."""
    steps: list[tuple[str, float, float, list[str]]] = [("interpreter start", time.time() - spawned, _peak_mib(), [])]
    loaded = _heavy_loaded()
    clock = time.perf_counter

    def step(name: str, began: float, less: float = 0.0) -> None:
        nonlocal loaded
        now = _heavy_loaded()
        steps.append((name, clock() - began - less, _peak_mib(), sorted(now - loaded)))
        loaded = now

    a = clock()
    import assistant.cli  # noqa: F401 - what ``python -m assistant`` imports before parsing
    from assistant.fusion import blend, rrf
    from assistant.render import result_to_text
    from assistant.service import Assistant
    from assistant.types import SearchResult

    from .measure import TimedEmbedder

    step("import assistant", a)
    a = clock()
    if encoder == "onnx":
        from assistant.onnx_embedding import OnnxEmbedder

        embedder = OnnxEmbedder(onnx_file)
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    else:
        from assistant.embedding import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder()
        import sentence_transformers  # noqa: F401 - imports torch and transformers
    step("import model runtime", a)
    a = clock()
    _ = embedder.session if encoder == "onnx" else embedder.model  # type: ignore[attr-defined]
    step("model load", a)
    a = clock()
    timed = TimedEmbedder(embedder)  # adds up model time, to tell the quote step's sentence encoding apart
    assistant = Assistant(sources_dir=sources, index_dir=index, embedder=timed)
    snapshot = assistant.snapshot
    step("index open", a)
    settings = assistant.settings.search

    def retrieve() -> list[tuple[int, float]]:
        dense = snapshot.dense_search(vector, settings.candidates)
        sparse = snapshot.bm25_search(question, settings.candidates)
        if settings.fusion == "blend":
            return blend(dense, sparse, settings.dense_weight)
        return rrf([dense, sparse], settings.rrf_k)

    a = clock()
    vector = embedder.encode([question])[0]
    step("query encode", a)
    a = clock()
    retrieve()
    step("search (dense + BM25 + fusion)", a)
    a = clock()
    timed.reset()
    result: SearchResult = assistant.search(question, k=5)
    in_model = timed.encode_seconds
    searched = clock()
    embedder.encode([question])
    retrieve()
    warm = clock() - searched
    # From ``a`` the clock has run over search() and the warm re-run: take the re-run off twice.
    step("quotes (search() less warm retrieval)", a, less=warm + warm)
    steps.append(("… of which the model (sentences + query again)", in_model, _peak_mib(), []))
    a = clock()
    result_to_text(result)
    step("render", a)
    print(json.dumps({"steps": steps, "results": len(result.results), "ended": time.time()}), flush=True)


def _wait(command: list[str], env: dict[str, str]) -> tuple[float, float, str, str]:
    """Run ``command``; its wall seconds, its own peak RSS in MiB (from wait4), stdout and stderr."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode:
        raise SystemExit(f"{' '.join(command[:4])} ... failed ({process.returncode}):\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024, stdout, stderr


def _import_costs(stderr: str) -> dict[str, float]:
    """Cumulative seconds of each heavy package's first import, from ``-X importtime`` lines."""
    costs: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        name = name.strip()
        if name in HEAVY and cumulative.strip().isdigit():
            costs[name] = max(costs.get(name, 0.0), int(cumulative) / 1e6)
    return costs


def prepare(workdir: Path) -> dict[str, str]:
    """Copy and index the shipped articles with the CLI (which exports the ONNX model), and a copy of the
    index without the export, for torch."""
    # Imported here: a --child process times its own first import of the package.
    from assistant.onnx_embedding import onnx_file
    from assistant.runtime import MODELS_DIR

    sources, index, torch_index = workdir / "sources", workdir / "index", workdir / "index-torch"
    shutil.copytree(ROOT / "sources", sources)
    _wait([sys.executable, "-m", "assistant", "index", "--quiet", "--sources", str(sources), "--index", str(index)], _env())
    onnx = onnx_file(index / MODELS_DIR)
    if not onnx.is_file():
        raise SystemExit(f"`python -m assistant index` wrote no ONNX export at {onnx}")
    shutil.copytree(index, torch_index, ignore=shutil.ignore_patterns(MODELS_DIR))
    return {"sources": str(sources), "index": str(index), "torch-index": str(torch_index), "onnx": str(onnx)}


def run_once(encoder: str, paths: dict[str, str], question: str, *, importtime: bool) -> dict[str, object]:
    env = _env()
    spawned = time.time()
    command = [
        sys.executable, "-m", "bench.coldstart", "--child", encoder, "--question", question,
        "--paths", json.dumps(paths), "--spawned", repr(spawned),
    ]  # fmt: skip
    wall, peak, out, _ = _wait(command, env)
    report = json.loads(out.splitlines()[-1])
    steps = report["steps"] + [("exit", spawned + wall - report["ended"], peak, [])]
    index = paths["index"] if encoder == "onnx" else paths["torch-index"]
    ask = ["-m", "assistant", "ask", question, "--sources", paths["sources"], "--index", index]
    whole_wall, whole_peak, _, _ = _wait([sys.executable, *ask], env)
    run: dict[str, object] = {"steps": steps, "whole": {"wall": whole_wall, "peak_mib": whole_peak}}
    if importtime:
        run["imports"] = _import_costs(_wait([sys.executable, "-X", "importtime", *ask], env)[3])
    return run


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}


def summarise(runs: list[dict[str, object]]) -> dict[str, object]:
    """Median wall and peak RSS per step over the repeats; imported packages from the first run."""
    first = runs[0]["steps"]  # type: ignore[index]
    steps = []
    for i, (name, _, _, packages) in enumerate(first):  # type: ignore[misc]
        steps.append({
            "step": name,
            "seconds": statistics.median(r["steps"][i][1] for r in runs),  # type: ignore[index]
            "peak_mib": statistics.median(r["steps"][i][2] for r in runs),  # type: ignore[index]
            "imports": packages,
        })  # fmt: skip
    whole = [r["whole"] for r in runs]
    return {
        "steps": steps,
        "whole_wall": statistics.median(w["wall"] for w in whole),  # type: ignore[index]
        "whole_peak_mib": statistics.median(w["peak_mib"] for w in whole),  # type: ignore[index]
        "whole_walls": [round(w["wall"], 2) for w in whole],  # type: ignore[index]
        "imports": runs[0].get("imports", {}),
    }


def _sums(steps: list[dict[str, object]]) -> tuple[float, float]:
    """The steps' total, and the total less the sentences the quote step encoded (its model time less one query)."""
    seconds = {str(s["step"]): float(s["seconds"]) for s in steps}  # type: ignore[arg-type]
    total = sum(value for name, value in seconds.items() if not name.startswith("…"))
    in_model = next(value for name, value in seconds.items() if name.startswith("…"))
    return total, total - max(0.0, in_model - seconds["query encode"])


def table(results: dict[str, dict[str, object]]) -> str:
    encoders = list(results)
    head = "| step | " + " | ".join(f"{e} s | {e} peak RSS MiB | {e} imports" for e in encoders) + " |"
    rows = [head, "|---|" + "--:|--:|---|" * len(encoders)]
    names = [s["step"] for s in results[encoders[0]]["steps"]]  # type: ignore[index]
    for i, name in enumerate(names):
        cells = []
        for e in encoders:
            s = results[e]["steps"][i]  # type: ignore[index]
            cells.append(f"{s['seconds']:.3f} | {s['peak_mib']:.0f} | {', '.join(s['imports']) or '-'}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    sums = {e: _sums(results[e]["steps"]) for e in encoders}  # type: ignore[arg-type]
    rows.append("| sum of steps | " + " | ".join(f"**{sums[e][0]:.2f}** | | " for e in encoders) + "|")
    rows.append(
        "| sum less the quote step's model time (sentence vectors stored at index time, estimated) | "
        + " | ".join(f"{sums[e][1]:.2f} | | " for e in encoders)
        + "|"
    )
    whole = " | ".join(
        f"**{results[e]['whole_wall']:.2f}** (runs {results[e]['whole_walls']}) | **{results[e]['whole_peak_mib']:.0f}** | " for e in encoders
    )
    rows.append(f"| real `python -m assistant ask`, whole | {whole}|")
    packages = sorted({p for e in encoders for p in results[e]["imports"]})  # type: ignore[union-attr]
    if packages:
        rows.append("")
        rows.append("| package (`-X importtime`, cumulative s) | " + " | ".join(encoders) + " |")
        rows.append("|---|" + "--:|" * len(encoders))
        for p in packages:
            rows.append(f"| {p} | " + " | ".join(f"{results[e]['imports'].get(p, 0):.2f}" if p in results[e]["imports"] else "not imported" for e in encoders) + " |")  # type: ignore[union-attr]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.coldstart", description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", choices=(*ENCODERS, "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child", choices=ENCODERS, help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        paths = json.loads(args.paths)
        child(args.child, paths["sources"], paths["index"], paths["onnx"], args.question, args.spawned)
        sys.stdout.flush()
        os._exit(0)  # as ``python -m assistant ask`` ends (cli.QUICK_EXIT)
    encoders = list(ENCODERS) if args.encoder == "both" else [args.encoder]
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="coldstart-") as workdir:
        paths = prepare(Path(workdir))
        runs: dict[str, list[dict[str, object]]] = {e: [] for e in encoders}
        for number in range(args.repeat):
            for encoder in encoders if number % 2 == 0 else encoders[::-1]:  # alternate who runs first
                runs[encoder].append(run_once(encoder, paths, args.question, importtime=number == 0))
    results = {e: summarise(r) for e, r in runs.items()}
    load_end = os.getloadavg()
    print(f"cold `ask` on the shipped articles, median of {args.repeat}; question: {args.question!r}")
    print(f"load average at start {tuple(round(x, 2) for x in load_start)}, at end {tuple(round(x, 2) for x in load_end)}, cores {os.cpu_count()}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"load_average": [load_start, load_end], "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
