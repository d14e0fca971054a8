"""Markdown tables that line up in a terminal, and the per-chunk-size table of a study."""

from __future__ import annotations

from collections.abc import Sequence

from ..config import ChunkSettings
from .experiment import Study
from .metrics import RANKING_METRICS

RANK_HEADERS = ["R@1", "R@5", "R@10", "MRR@10", "nDCG@10"]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table whose columns line up, so it reads the same in a terminal."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells)])


def _cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def ranking_cells(figures: dict[str, float]) -> list[float]:
    return [figures[m] for m in RANKING_METRICS]


def chunk_label(chunk: ChunkSettings) -> str:
    return f"{chunk.max_tokens} ({chunk.overlap_tokens})"


def study_table(study: Study) -> str:
    headers = [
        "chunk (overlap)",
        "chunks",
        "ranking",
        *RANK_HEADERS,
        "quote",
        "abst. P",
        "abst. R",
        "hidden",
        "p50 ms",
        "p95 ms",
    ]
    rows = []
    for config in study.configs:
        for mode, f in config.by_mode.items():
            rows.append(
                [
                    chunk_label(config.chunk) + (" *" if config.chunk == study.default and mode == study.mode else ""),
                    config.chunks,
                    mode,
                    *ranking_cells(f.ranking),
                    f.quote_accuracy,
                    f.abstention.precision,
                    f.abstention.recall,
                    f.abstention.hidden,
                    f"{f.p50_ms:.0f}",
                    f"{f.p95_ms:.0f}",
                ]
            )
    return markdown_table(headers, rows)
