"""Fuse a dense and a BM25 ranking into one: reciprocal ranks, or a blend of normalised scores.

Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009) uses ranks only, so two passages
a hair apart in both rankings can swap places on a near-tie. The blend keeps how far apart the scores
are; on the gold set it put the answer first more often (eval/report.md, "Fusion of the raw chunk
rankings").
"""

from __future__ import annotations

from collections.abc import Sequence

Run = Sequence[tuple[int, float]]  # (row, score), best first


def rrf(runs: Sequence[Run], k: int = 60) -> list[tuple[int, float]]:
    """Fuse ranked ``(row, score)`` lists by sum of 1 / (k + rank); ranks count from 1, ties go to the lower row."""
    fused: dict[int, float] = {}
    for run in runs:
        for rank, (row, _) in enumerate(run, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def blend(dense: Run, sparse: Run, dense_weight: float = 0.5) -> list[tuple[int, float]]:
    """Fuse by ``dense_weight * dense + (1 - dense_weight) * sparse``, each side min-max normalised to [0, 1].

    Normalisation is over each side's own candidates. A row one side did not return counts as that
    side's minimum (0): BM25 returns only rows sharing a word with the query, and ranking a row the
    retriever left out above one it found would be wrong. A side whose hits all score alike has no
    spread to normalise; each hit counts as its best (1). Scores lie in [0, 1]; ties go to the lower row.
    """
    fused: dict[int, float] = {}
    for run, weight in ((dense, dense_weight), (sparse, 1.0 - dense_weight)):
        if not run:
            continue
        low = min(score for _, score in run)
        spread = max(score for _, score in run) - low
        for row, score in run:
            normalised = (score - low) / spread if spread > 0 else 1.0
            fused[row] = fused.get(row, 0.0) + weight * normalised
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
