"""The PostgreSQL store beside the files store, on the same generated corpus, with the stand-in embedder.

    nice .venv/bin/python -m bench.postgres [--docs 1000 10000] [--queries 50] [--readme bench/README.md]
                                            [--results bench/postgres-results.json]

For each corpus size and store: build, re-index with nothing changed and with one document changed,
hybrid retrieval (the question encoded, both searches, fusion: ``find_candidates``) and BM25 alone,
the full answer (``Assistant.search``: retrieval, quotes, the verdict) p50/p95 in this process, and the
resident memory of a fresh app process that opened the index and answered the same questions. A
throwaway server is started from the pinned wheel (``assistant.db``) and stopped at the end. Figures
are printed as one JSON object per run and kept in ``--results`` by size as each size finishes, so a size
run on its own (a million chunks take hours) replaces only its rows; the table goes into ``--readme``
between its PostgreSQL markers, every size in the results with the command, date and load that made it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .measure import percentiles_ms

ROOT = Path(__file__).resolve().parent.parent
# Generated documents, kept between runs: the same cache as ``python -m bench`` (deterministic, so shareable).
CACHE = Path(os.environ.get("BENCH_WORKDIR", "/tmp/assistant-bench")) / "corpus"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md", help="where the table goes")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "postgres-results.json",
                        help="figures by size, merged run by run")
    args = parser.parse_args(argv)
    command = " ".join(argv if argv is not None else sys.argv[1:])
    from assistant import db

    work = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    work.chmod(0o755)
    server = db.start(work / "cluster")
    try:
        extensions = bm25_extensions(server.url)
        print(json.dumps({"bm25_extensions_available": extensions}), flush=True)
        for docs in args.docs:
            began = {"command": command, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                     "load_start": [round(x, 1) for x in os.getloadavg()], "bm25_extensions": extensions}
            sources = _sources(docs, work / f"sources-{docs}")
            questions = _questions(sources, args.queries)
            runs = []
            for store in ("files", "postgres"):
                url = _database(server.url, f"bench_{docs}") if store == "postgres" else None
                run = {"docs": docs, "store": store, **measure(sources, url, work / f"index-{docs}", questions)}
                if url is not None:
                    run["two_servers_4_clients_each"] = two_servers(sources, url, questions)
                print(json.dumps(run), flush=True)
                runs.append(run)
            shutil.rmtree(work / f"index-{docs}", ignore_errors=True)  # a million chunks' index is gigabytes
            save(args.results, docs, {**began, "load_end": [round(x, 1) for x in os.getloadavg()], "runs": runs})
    finally:
        db.stop(server.folder)
        shutil.rmtree(work, ignore_errors=True)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    print(table(results))
    write_readme(args.readme, results)


def save(path: Path, docs: int, size: dict[str, Any]) -> None:
    """``size``'s figures into the results file, replacing that size's earlier ones (written whole, then renamed)."""
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"sizes": {}}
    results["sizes"][str(docs)] = size
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


# BM25 index extensions (scale-out.md): pg_textsearch (Block-Max WAND) is what hybrid p95 < 100 ms at 1M chunks assumes.
BM25_EXTENSIONS = ("pg_textsearch", "pg_search")


def bm25_extensions(server_url: str) -> list[str]:
    """Which BM25 index extensions the running server could create (pg_available_extensions)."""
    import psycopg

    with psycopg.connect(server_url) as conn:
        found = conn.execute(
            "SELECT name || ' ' || default_version FROM pg_available_extensions WHERE name = ANY(%s) ORDER BY name",
            (list(BM25_EXTENSIONS),),
        ).fetchall()
    return [name for (name,) in found]


def _retrieval(assistant: Any, questions: list[str]) -> dict[str, Any]:
    """Hybrid retrieval (encode, dense + BM25 candidates, fusion) and BM25 alone, per question, in one read."""
    from assistant.candidates import find_candidates

    snapshot, search = assistant.snapshot, assistant.settings.search
    hybrid, bm25 = [], []
    for question in questions:
        began = time.perf_counter()
        vector = assistant.embedder.encode([question])[0]
        with snapshot.reading():
            find_candidates(snapshot, question, vector, search.candidates, search)
        hybrid.append(time.perf_counter() - began)
        began = time.perf_counter()
        with snapshot.reading():
            snapshot.bm25_search(question, search.candidates)
        bm25.append(time.perf_counter() - began)
    found = {"hybrid_retrieval_ms": percentiles_ms(hybrid), "bm25_ms": percentiles_ms(bm25)}
    if hasattr(snapshot, "version"):  # PostgreSQL: the same rankings without pruning, for the gain
        found["bm25_unpruned_ms"] = bm25_unpruned(snapshot, questions, search.candidates)
    return found


def bm25_unpruned(snapshot: Any, questions: list[str], k: int) -> dict[str, float]:
    """PostgreSQL BM25 reading every posting of the query's terms; each ranking checked equal to the pruned one."""
    from assistant.store import pg_bm25

    times = []
    for question in questions:
        expected = snapshot.bm25_search(question, k)
        began = time.perf_counter()
        with snapshot.reading() as conn:
            hits = pg_bm25.search(conn, snapshot.version, snapshot.manifest.chunks, snapshot.total_length, question, k,
                                  None, prune=False)  # fmt: skip
        times.append(time.perf_counter() - began)
        # Scores, not rows: chunks whose scores tie within float rounding may come in either order.
        if not all(math.isclose(a, b, rel_tol=1e-9) for (_, a), (_, b) in zip(hits, expected, strict=True)):
            raise AssertionError(f"pruned BM25 scores {question!r} differently")
    return percentiles_ms(times)


def measure(sources: Path, url: str | None, index_dir: Path, questions: list[str]) -> dict[str, Any]:
    from assistant import Assistant, Settings
    from assistant.store.choice import store_from

    from .standin import HashedEmbedder

    settings = Settings()
    assistant = Assistant(sources_dir=sources, embedder=HashedEmbedder(), settings=settings,
                          store=store_from(url, index_dir, settings))
    began = time.perf_counter()
    built = assistant.refresh()
    build_s = time.perf_counter() - began
    began = time.perf_counter()
    assert not assistant.refresh().changed
    unchanged_s = time.perf_counter() - began
    names = sorted(sources.iterdir())
    edited = names[len(names) // 2]
    text = edited.read_text(encoding="utf-8")
    edited.unlink()  # a hard link into the cache: replace it, never write through
    edited.write_text(text + "\nA late correction was added to this report.\n", encoding="utf-8")
    began = time.perf_counter()
    one = assistant.refresh()
    one_s = time.perf_counter() - began
    edited.write_text(text, encoding="utf-8")  # the next store indexes the corpus as generated
    # Retrieval first: it reads every question's postings and vectors, so the full answers after it are timed warm as
    # retrieval is (measured first, cold, the full answer took 11.2 s p50 at 1M chunks against 1.9 s for retrieval).
    retrieval = _retrieval(assistant, questions)
    times = []
    for question in questions:
        began = time.perf_counter()
        assistant.search(question, k=5, mode="hybrid")
        times.append(time.perf_counter() - began)
    return {
        **retrieval,
        "chunks": built.chunks,
        "build_s": round(build_s, 2),
        "reindex_unchanged_s": round(unchanged_s, 3),
        "reindex_one_s": round(one_s, 2),
        "reindex_one_embedded": one.embedded_chunks,
        "hybrid_answer_ms": percentiles_ms(times),
        "app_rss_mb": _app_rss(sources, url, index_dir, questions),
    }


_APP = """
import json, sys
import psutil
from assistant import Assistant, Settings
from assistant.store.choice import store_from
from bench.standin import HashedEmbedder
sources, url, index_dir, questions = sys.argv[1], sys.argv[2] or None, sys.argv[3], json.loads(sys.argv[4])
settings = Settings()
assistant = Assistant(sources_dir=sources, embedder=HashedEmbedder(), settings=settings, store=store_from(url, index_dir, settings))
HashedEmbedder.count_tokens(assistant.embedder, "warm up")
base = psutil.Process().memory_info().rss
for question in questions:
    assistant.search(question, k=5)
print(json.dumps({"rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
                  "grown_mb": round((psutil.Process().memory_info().rss - base) / 2**20, 1)}))
"""


_SERVER = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from assistant import Assistant, Settings
from assistant.store.choice import store_from
from bench.standin import HashedEmbedder
sources, url, clients, questions = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
settings = Settings()
assistant = Assistant(sources_dir=sources, embedder=HashedEmbedder(), settings=settings, store=store_from(url, "index", settings))
def client(offset):
    times, errors = [], []
    for question in questions[offset:] + questions[:offset]:
        began = time.perf_counter()
        try:
            assistant.search(question, k=5)
        except Exception as error:
            errors.append(repr(error))
        times.append(time.perf_counter() - began)
    return times, errors
with ThreadPoolExecutor(clients) as pool:
    done = list(pool.map(client, range(clients)))
print(json.dumps({"times": [t for ts, _ in done for t in ts], "errors": [e for _, es in done for e in es]}))
"""


def two_servers(sources: Path, url: str, questions: list[str], clients: int = 4) -> dict[str, Any]:
    """Two app-server processes on one database, ``clients`` concurrent clients each: latency and errors."""
    servers = [
        subprocess.Popen([sys.executable, "-c", _SERVER, str(sources), url, str(clients), json.dumps(questions)],
                         stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ, HF_HUB_OFFLINE="1"))
        for _ in range(2)
    ]
    results = [json.loads(server.communicate()[0].strip().splitlines()[-1]) for server in servers]
    times = [t for r in results for t in r["times"]]
    return {"answers": len(times), "errors": sum(len(r["errors"]) for r in results), **percentiles_ms(times)}


def _app_rss(sources: Path, url: str | None, index_dir: Path, questions: list[str]) -> dict[str, float]:
    """RSS of a fresh process that opened the index and answered ``questions`` (an app server's steady state)."""
    done = subprocess.run(
        [sys.executable, "-c", _APP, str(sources), url or "", str(index_dir), json.dumps(questions)],
        capture_output=True, text=True, check=True, cwd=ROOT, env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sources(docs: int, target: Path) -> Path:
    from .corpus import Generator, shipped_texts, train, write_corpus

    cache = write_corpus(CACHE, docs, Generator(train(shipped_texts(ROOT / "sources"))))
    target.mkdir(parents=True)
    for number in range(docs):
        name = f"doc_{number:06d}.txt"
        os.link(cache / name, target / name)
    return target


def _questions(sources: Path, count: int) -> list[str]:
    from .corpus import questions

    texts = [p.read_text(encoding="utf-8") for p in sorted(sources.iterdir())[:200]]
    return questions(texts, count)


def _database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # a fixed, generated name
    base, _, query = server_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


def table(results: dict[str, Any]) -> str:
    runs = [run for _, size in _by_size(results) for run in size["runs"]]
    head = ("| docs | store | chunks | build s | re-index, none changed s | re-index, 1 changed s (embedded) "
            "| hybrid retrieval p50 / p95 ms | BM25 alone p50 / p95 ms (unpruned) | full answer p50 / p95 ms "
            "| app RSS MiB (grown while answering) |\n|---|---|---|---|---|---|---|---|---|---|")
    rows = [
        f"| {r['docs']:,} | {r['store']} | {r['chunks']:,} | {r['build_s']} | {r['reindex_unchanged_s']} "
        f"| {r['reindex_one_s']} ({r['reindex_one_embedded']}) | {_p(r['hybrid_retrieval_ms'])} | {_bm25(r)} "
        f"| {_p(r['hybrid_answer_ms'])} | {r['app_rss_mb']['rss_mb']} ({r['app_rss_mb']['grown_mb']}) |"
        for r in runs
    ]
    servers = [
        f"- {r['docs']:,} docs: two app servers, 4 concurrent clients each: {s['answers']} answers, {s['errors']} errors, "
        f"p50 / p95 {s['p50']} / {s['p95']} ms"
        for r in runs if (s := r.get("two_servers_4_clients_each"))
    ]
    return "\n".join([head, *rows, "", *servers])


def _bm25(run: dict[str, Any]) -> str:
    unpruned = run.get("bm25_unpruned_ms")
    return _p(run["bm25_ms"]) + (f" ({_p(unpruned)})" if unpruned else "")


def _p(figures: dict[str, float]) -> str:
    return f"{figures['p50']} / {figures['p95']}"


_START, _END = "<!-- postgres:start -->", "<!-- postgres:end -->"


def _by_size(results: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return sorted((int(docs), size) for docs, size in results["sizes"].items())


def write_readme(readme: Path, results: dict[str, Any]) -> None:
    """The generated table between the PostgreSQL markers of ``readme`` (appended when they are missing)."""
    import re

    made = "; ".join(
        f"{docs:,} docs by `nice python -m bench.postgres {size['command']}` on {size['date']}, load average "
        f"(1 / 5 / 15 min) {' / '.join(map(str, size['load_start']))} at the start and "
        f"{' / '.join(map(str, size['load_end']))} at the end"
        for docs, size in _by_size(results)
    )
    extensions = sorted({e for _, size in _by_size(results) for e in size["bm25_extensions"]})
    block = (
        f"{_START}\n_Generated from bench/postgres-results.json: {made}. Stand-in embedder, both stores of a size in "
        f"one run on the same corpus, on 2 cores shared with other jobs. BM25 index extensions the server offers "
        f"({', '.join(BM25_EXTENSIONS)}, probed in pg_available_extensions): {', '.join(extensions) or 'none'}._\n\n"
        f"{table(results)}\n{_END}"
    )
    text = readme.read_text(encoding="utf-8")
    if _START not in text:
        text += f"\n{_START}\n{_END}\n"
    readme.write_text(re.sub(re.escape(_START) + ".*?" + re.escape(_END), lambda _: block, text, flags=re.S), encoding="utf-8")


if __name__ == "__main__":
    main()
