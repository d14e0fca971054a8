"""The web app as its users meet it: start-up, the first question against warm ones, concurrent clients, searches
while an upload is indexed, and how soon a file dropped into the sources folder is found.

```
.venv/bin/python -m bench.serve                                 # everything, real model, from this checkout
.venv/bin/python -m bench.serve --clients 1,4,16 --per-client 8 # only the load levels (plus start-up)
.venv/bin/python -m bench.serve --app-root ../other-checkout    # the same measurements of another version's app.py
.venv/bin/python -m bench.serve --clients 1,4,16 --floor        # and beside them the Gradio floor (bench/gradio_floor.py)
```

Each run copies the shipped articles into a temporary folder and starts ``app.py`` there in its own process,
as a user would: first on a fresh clone (no index: the build, and any ONNX export, on the way to serving),
then restarted over the index it built. Every request goes through ``gradio_client`` to ``/search`` (k=5,
hybrid), questions taken from the gold set in turn. Figures are printed as Markdown with the load average at
start and end: on 2 shared cores absolute times move with the load, so compare within one run.

Clients ask back to back (a closed loop, the issue's measure). Each row also gives the CPU the app process and
the bench's own clients spent per search: they share the machine's cores, so a costly client slows the server it
measures. ``--pause S`` adds a second table whose clients wait 0 to 2·S seconds (S on average) between
questions, as people reading an answer do; it is not the closed-loop figure.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from .corpus import Generator, shipped_texts, train
from .measure import percentiles_ms

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILE = "models/all-MiniLM-L6-v2.onnx"
_PATIENCE = 900.0  # seconds: a start or an upload that takes longer is reported as stuck


TABLE_HEAD = (
    "| concurrent clients | searches | searches/s | p50 ms | p95 ms | app CPU ms / search | clients' CPU ms / search | errors |"
    "\n|---|---|---|---|---|---|---|---|"
)


@dataclass
class Load:
    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    app_cpu: float = 0.0  # seconds of CPU the app process spent during the run
    client_cpu: float = 0.0  # and the bench process, i.e. its clients

    def row(self) -> str:
        ms = percentiles_ms(self.latencies) if self.latencies else {"p50": float("nan"), "p95": float("nan")}
        done = len(self.latencies)
        rate = done / self.wall if self.wall else 0.0
        app, clients = (1000 * cpu / done if done else float("nan") for cpu in (self.app_cpu, self.client_cpu))
        kinds = "; ".join(sorted({e[:120] for e in self.errors}))
        return (
            f"| {self.clients} | {done} | {rate:.2f} | {ms['p50']:.0f} | {ms['p95']:.0f} | {app:.0f} | {clients:.0f}"
            f" | {len(self.errors)} {kinds} |"
        )


class App:
    """``app.py`` in its own process over ``folder``/sources and ``folder``/index, on a free port; or, given
    ``module``, ``python -m module --port N *arguments`` (the Gradio floor)."""

    def __init__(self, app_root: Path, folder: Path, module: str | None = None, arguments: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        if module is None:
            folders = ["--sources", str(folder / "sources"), "--index", str(folder / "index"), "--port", str(self.port)]
            command = [sys.executable, str(app_root / "app.py"), *folders]
        else:
            command = [sys.executable, "-m", module, "--port", str(self.port), *arguments]
        self.log = (folder / f"app-{self.port}.log").open("w")
        self.started = time.perf_counter()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(app_root), "PYTHONDONTWRITEBYTECODE": "1"}
        self.process = subprocess.Popen(command, cwd=app_root, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def serving(self) -> float:
        """Seconds from start until the page answers."""
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app ended with code {self.process.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url, timeout=5).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            _patient(self.started, "the app to serve")
            time.sleep(0.25)

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the app process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def gold_questions() -> list[str]:
    gold = tomllib.loads((ROOT / "eval" / "gold.toml").read_text(encoding="utf-8"))
    return [q["question"] for q in gold["question"] if not q.get("previous")]


def connect(url: str) -> Client:
    """A client of the app at ``url``, which is plain HTTP on this machine.

    Without ``ssl_verify=False`` gradio_client builds a TLS context with every CA certificate for each request
    (it posts with a new ``httpx`` client each time), even to an ``http://`` address: 130-180 ms of CPU per
    search, more than the app spends answering it, taken from the cores the app runs on.
    """
    return Client(url, verbose=False, ssl_verify=False)


def search(client: Client, question: str) -> None:
    client.predict(question, 5, None, "hybrid", api_name="/search")


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def first_and_warm(url: str, questions: list[str], warm: int = 10) -> tuple[float, float]:
    """The first question's seconds, and the median of the next ``warm`` (each a new question, as the first is).

    The client first sends an empty quote to ``/verify``, refused at once: as a browser's page load does before
    anyone asks, it opens the connection and runs Gradio's queue once, without touching the search path.
    """
    client = connect(url)
    try:
        client.predict("", api_name="/verify")
    except AppError:
        pass
    first = timed(lambda: search(client, questions[0]))
    return first, statistics.median(timed(lambda q=q: search(client, q)) for q in questions[1 : warm + 1])


def _own_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def load(app: App, clients: int, questions: list[str], more: Callable[[int], bool], pause: float = 0.0) -> Load:
    """``clients`` threads, each with its own client, asking questions while ``more(turn)`` says so: back to
    back, or waiting 0 to 2·``pause`` seconds after each answer."""
    result = Load(clients)
    connected = [connect(app.url) for _ in range(clients)]
    lock, start = threading.Lock(), threading.Barrier(clients + 1)

    def run(number: int) -> None:
        start.wait()
        turn = 0
        while more(turn):
            question = questions[(number * 7 + turn) % len(questions)]
            turn += 1
            started = time.perf_counter()
            try:
                search(connected[number], question)
            except Exception as error:  # noqa: BLE001 - every failure is a figure of the run
                with lock:
                    result.errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                result.latencies.append(time.perf_counter() - started)
            time.sleep(random.uniform(0, 2 * pause))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began, app_began, own_began = time.perf_counter(), app.cpu_seconds(), _own_cpu()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - began
    result.app_cpu, result.client_cpu = app.cpu_seconds() - app_began, _own_cpu() - own_began
    return result


def during_upload(app: App, questions: list[str], upload: Path, clients: int = 4) -> tuple[Load, float, str]:
    """Searches from ``clients`` clients for as long as ``upload`` is being indexed: their figures, the
    upload's seconds and its status line."""
    job = connect(app.url).submit([handle_file(str(upload))], api_name="/upload")
    started = time.perf_counter()
    result = load(app, clients, questions, lambda turn: not job.done() and time.perf_counter() - started < _PATIENCE)
    status = str(job.result()[0])
    return result, time.perf_counter() - started, status


def dropped_file_found(url: str, folder: Path) -> float:
    """Seconds from copying a file into the sources folder until a search finds it (the watcher at work)."""
    client = connect(url)
    started = time.perf_counter()
    (folder / "sources" / "dropped.txt").write_text(
        "The Quillfeather harbour audit counted 37 rusted moorings along the east quay.", encoding="utf-8"
    )
    while "dropped.txt" not in str(client.predict("Quillfeather harbour moorings", 3, None, "bm25", api_name="/search")):
        _patient(started, "the dropped file to be found")
        time.sleep(0.2)
    return time.perf_counter() - started


def long_document(folder: Path, documents: int) -> Path:
    """One text of ``documents`` generated news articles (bench/corpus.py): an upload that takes a while to index."""
    generator = Generator(train(shipped_texts(ROOT / "sources")))
    path = folder / "long-report.txt"
    path.write_text("\n\n".join(generator.document(n) for n in range(documents)), encoding="utf-8")
    return path


def _patient(started: float, what: str) -> bool:
    """False, or raises once the wait for ``what`` has passed the bench's patience."""
    if time.perf_counter() - started > _PATIENCE:
        raise TimeoutError(f"waited {_PATIENCE:.0f} s for {what}")
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def _start(app_root: Path, folder: Path, label: str, questions: list[str]) -> App:
    app = App(app_root, folder)
    served = app.serving()
    first, warm = first_and_warm(app.url, questions)
    print(f"| {label} | {served:.1f} | {first * 1000:.0f} | {warm * 1000:.0f} | {first / warm:.2f} |", flush=True)
    return app


def _back_to_back(app: App, questions: list[str], args: argparse.Namespace) -> None:
    print(f"\nback to back (load average {_load_average()})\n\n{TABLE_HEAD}")
    for clients in (int(c) for c in args.clients.split(",")):
        turns = args.per_client * (4 if clients == 1 else 1)
        print(load(app, clients, questions, lambda turn, n=turns: turn < n).row(), flush=True)


def floor(app: App, folder: Path, questions: list[str], args: argparse.Namespace) -> None:
    """The same back-to-back levels against the Gradio floor (bench/gradio_floor.py), which returns the app's
    answer to the first question at once: what Gradio and the clients cost on this machine with no search."""
    answer = folder / "recorded-answer.json"
    answer.write_text(str(connect(app.url).predict(questions[0], 5, None, "hybrid", api_name="/search")), encoding="utf-8")
    peer = App(args.app_root, folder, module="bench.gradio_floor", arguments=("--answer", str(answer)))
    try:
        peer.serving()
        print(f"\nthe Gradio floor: /search returns a recorded answer ({answer.stat().st_size} bytes) at once, same queue", end="")
        _back_to_back(peer, questions, args)
    finally:
        peer.stop()


def _under_load(app: App, folder: Path, questions: list[str], args: argparse.Namespace) -> None:
    levels = [int(c) for c in args.clients.split(",")]
    _back_to_back(app, questions, args)
    if args.floor:
        floor(app, folder, questions, args)
    if args.pause:
        print(f"\npausing {args.pause:g} s on average between questions (load average {_load_average()})\n\n{TABLE_HEAD}")
        for clients in levels:
            turns = args.per_client * (4 if clients == 1 else 1)
            print(load(app, clients, questions, lambda turn, n=turns: turn < n, args.pause).row(), flush=True)
    upload = long_document(folder, args.upload_documents)
    during, seconds, status = during_upload(app, questions, upload)
    print(during.row().replace("| 4 |", "| 4, during an upload |", 1))
    print(f"\nupload of {upload.stat().st_size / 1024:.0f} KiB indexed in {seconds:.1f} s: {status[-200:]}")
    print(f"a file dropped into sources/ was found by a search {dropped_file_found(app.url, folder):.1f} s later")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose app.py is measured")
    parser.add_argument("--clients", default="1,4,16", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--per-client", type=int, default=8, help="questions each client asks (one client asks 4 times as many)")
    parser.add_argument("--pause", type=float, default=0.0, help="also measure clients pausing this many seconds on average between questions")
    parser.add_argument("--upload-documents", type=int, default=20, help="generated articles in the upload indexed under load")
    parser.add_argument("--only-start", action="store_true", help="only the start-up figures (fresh clone and restart)")
    parser.add_argument(
        "--floor", action="store_true", help="after the app's back-to-back levels, the same against a Gradio app that answers at once"
    )
    args = parser.parse_args(argv)
    questions = gold_questions()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        folder = Path(scratch)
        shutil.copytree(ROOT / "sources", folder / "sources")
        print(f"load average at start: {_load_average()} ({os.cpu_count()} cores)\n")
        print("| start | seconds to serve | first question, ms | warm question (median of 10), ms | first / warm |")
        print("|---|---|---|---|---|")
        app = _start(args.app_root, folder, "fresh clone (no index/)", questions)
        exported = folder / "index" / MODEL_FILE
        while not exported.exists() and app.process.poll() is None:
            _patient(app.started, "the ONNX export")
            time.sleep(0.5)
        app.stop()
        print(f"| (ONNX export written {time.perf_counter() - app.started:.1f} s after the start) | | | | |")
        app = _start(args.app_root, folder, "restart over the index", questions)
        try:
            if not args.only_start:
                _under_load(app, folder, questions, args)
        finally:
            app.stop()
        print(f"\nload average at end: {_load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
