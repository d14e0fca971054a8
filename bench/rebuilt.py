"""Why a refresh with nothing changed published anyway: what it touched, and each touched file as the
previous index recorded it beside the file as it is now.

A long benchmark build that ends in "nothing changed, yet the index was rebuilt" is not repeated in a
session, so the failure itself must say what to look at: the build's reason, the sources it added,
updated or removed, and for a few of them the recorded size, mtime and key against the file's.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.manifest import Manifest
from assistant.types import BuildReport

SHOWN = 5  # sources described in full; the rest are counted


def explain(before: Manifest, report: BuildReport, sources: Path) -> str:
    """What ``report`` (a refresh that should have changed nothing) touched, against ``before``."""
    lines = [
        f"reason: {report.reason}",
        f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
        f"failures {len(report.failures)} (before: {len(before.failures)})",
    ]
    lines += [f"failure: {f.path}: {f.reason}" for f in report.failures[:SHOWN]]
    failed = {f.source_id: f for f in before.failures if f.source_id is not None}
    for source_id in [*report.added, *report.updated, *report.removed][:SHOWN]:
        lines.append(_describe(source_id, before, failed.get(source_id), sources))
    return "\n".join(lines)


def _describe(source_id: str, before: Manifest, failed, sources: Path) -> str:  # type: ignore[no-untyped-def]
    recorded = before.sources.get(source_id) or failed
    if recorded is None:
        was = "not in the previous index"
    else:
        was = f"recorded stat {recorded.stat} key {recorded.key}" + (" (as failed)" if recorded is failed else "")
    try:
        info = os.stat(sources / source_id)
    except OSError as error:
        now = f"now {error.strerror}"
    else:
        after_scan = (info.st_mtime_ns - before.scanned_ns) / 1e9
        now = f"now stat ({info.st_size}, {info.st_mtime_ns}), mtime {after_scan:+.1f} s from the previous scan, links {info.st_nlink}"
    return f"{source_id}: {was}; {now}"
