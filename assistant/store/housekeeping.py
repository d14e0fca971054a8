"""What keeps an index folder clean across crashes: one writer at a time, and removal of what never went live.

Each snapshot records in PREVIOUS the snapshot that was live when it was published, so the tidy-up
keeps exactly the live snapshot and the one before it (a reader may have opened it a moment ago), and
removes snapshots a crash left renamed into place but never made live.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREVIOUS_FILE = "PREVIOUS"  # in a snapshot: the name of the snapshot that was live when it was published


@contextmanager
def writer_lock(folder: Path) -> Iterator[None]:
    """One publisher or tidier at a time across processes; the kernel drops the lock if the process dies."""
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def record_previous(staging: Path, live: str | None) -> None:
    (staging / PREVIOUS_FILE).write_text((live or "") + "\n", encoding="utf-8")


def remove_staging(folder: Path) -> None:
    """Staging folders and CURRENT.tmp of builds that did not finish; call only under the writer lock,
    so no other build is using them."""
    for path in folder.glob(".staging-*"):
        shutil.rmtree(path, ignore_errors=True)
    (folder / "CURRENT.tmp").unlink(missing_ok=True)


def prune(snapshots: Path, live: str) -> None:
    """Keep ``live`` and the snapshot live before it; remove the others, including snapshots a crash
    left renamed into place but never made live."""
    names = sorted(p.name for p in snapshots.iterdir() if p.is_dir())
    keep = {live, _previous_of(snapshots, live, names)}
    for name in names:
        if name not in keep:
            shutil.rmtree(snapshots / name, ignore_errors=True)


def _previous_of(snapshots: Path, live: str, names: list[str]) -> str | None:
    """The snapshot live before ``live``: as recorded, else (a snapshot from before the record) the newest older one."""
    try:
        return (snapshots / live / PREVIOUS_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        older = [name for name in names if name < live]
        return older[-1] if older else None
