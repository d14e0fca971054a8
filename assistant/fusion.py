"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): score = sum of 1 / (k + rank)."""

from __future__ import annotations

from collections.abc import Sequence


def rrf(runs: Sequence[Sequence[tuple[int, float]]], k: int = 60) -> list[tuple[int, float]]:
    """Fuse ranked ``(row, score)`` lists; ranks count from 1, ties go to the lower row."""
    fused: dict[int, float] = {}
    for run in runs:
        for rank, (row, _) in enumerate(run, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
