"""A second process for the tests: an Assistant of its own on the same store, run as a script.

    python tests/postgres/child.py refresh SOURCES STORE_URL INDEX_DIR          build, print the report
    python tests/postgres/child.py hang-in-publish SOURCES STORE_URL INDEX_DIR  build, but stop mid-publish

``hang-in-publish`` prints PUBLISHING once the new version is half written (before the commit point)
and then waits to be killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import FakeEmbedder  # noqa: E402  (tests/conftest.py)

from assistant import Assistant, Settings  # noqa: E402
from assistant.store import pg_publish, sparse  # noqa: E402
from assistant.store.choice import store_from  # noqa: E402


def _hang(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    print("PUBLISHING", flush=True)
    time.sleep(600)


def main() -> None:
    command, sources, url, index_dir = sys.argv[1:5]
    if command == "hang-in-publish":
        # Both are called after the new version's data is written and before it is made live.
        pg_publish._dense_index = _hang
        sparse.SparseIndex.save = _hang
    store = store_from(url or None, index_dir, Settings())
    report = Assistant(sources_dir=sources, embedder=FakeEmbedder(), store=store).refresh()
    print(f"{report.reason} added={','.join(report.added)}", flush=True)


if __name__ == "__main__":
    main()
