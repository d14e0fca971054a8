"""Present a SearchResult: the ``--json`` object and the terminal text, both from the same dataclasses."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from .citations import format_citation, location, source_label
from .corroboration import Corroboration, corroborations_to_json, corroborations_to_text
from .figures import extract_figures, figures_to_json, figures_to_text
from .types import Passage, SearchResult

Reported = Sequence[Sequence[Corroboration]]  # one list per result, in rank order


def result_to_json(result: SearchResult, reported_also_by: Reported | None = None) -> dict[str, Any]:
    """The schema documented in the README: ``{"query", "mode", "results": [...], "figures": [...]}``.

    With ``reported_also_by``, each result carries its ``"reported_also_by"`` list.
    """
    results = [passage_to_json(p) for p in result.results]
    if reported_also_by is not None:
        for row, links in zip(results, reported_also_by, strict=True):
            row["reported_also_by"] = corroborations_to_json(links)
    return {
        "query": result.query,
        "mode": result.mode,
        "results": results,
        "figures": figures_to_json(extract_figures(result.results)),
    }


def passage_to_json(passage: Passage) -> dict[str, Any]:
    row = asdict(passage)
    row["citation"] = format_citation(passage)
    return row


def result_to_text(result: SearchResult, reported_also_by: Reported | None = None, *, width: int = 100) -> str:
    if not result.results:
        return f"No passage found for: {result.query}"
    reported = reported_also_by if reported_also_by is not None else [()] * len(result.results)
    blocks = [_passage_text(p, links, width) for p, links in zip(result.results, reported, strict=True)]
    figures = extract_figures(result.results)
    if figures:
        blocks.append("Figures:\n" + figures_to_text(figures))
    return "\n\n".join(blocks)


def _passage_text(p: Passage, reported_also_by: Sequence[Corroboration], width: int) -> str:
    where = location(p.page, p.paragraph)
    head = f"{p.rank}. {source_label(p.source)}" + (f", {where}" if where else "")
    head += f"  [score {p.score:.4f}, similarity {p.similarity:.2f}]  {p.source.path}"
    # The quote is marked inside its passage with ⟦ ⟧, which the articles never use.
    qs, qe = p.quote.start - p.start, p.quote.end - p.start
    marked = p.text[:qs] + "⟦" + p.text[qs:qe] + "⟧" + p.text[qe:]
    body = "\n".join(
        textwrap.fill(line, width, initial_indent="   ", subsequent_indent="   ") for line in marked.splitlines() if line.strip()
    )
    lines = [head, body, f"   Cite: {format_citation(p)}"]
    if p.also_in:
        also = "; ".join(f"{source_label(o.source)}, {location(o.page, o.paragraph)}" for o in p.also_in)
        lines.append(f"   Also in: {also}")
    if reported_also_by:
        lines.append(textwrap.fill(corroborations_to_text(reported_also_by), width, initial_indent="   ", subsequent_indent="     "))
    return "\n".join(lines)
