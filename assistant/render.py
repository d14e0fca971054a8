"""Presentation: the ``--json`` objects and the terminal text of every result type, from the same dataclasses.

The CLI, the web app's API endpoint and the evaluation all print through here, so the JSON schema
(documented in the README) has one definition.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from .citations import corroboration_citation, format_citation, location, match_citation, source_label
from .figures import extract_figures
from .sources.uploads import human_size  # presentation of a size; the upload check words its refusals with it too
from .types import ALTERED, EXACT, NOT_FOUND, BuildReport, Corroboration, DiffOp, Figure, LoadFailure, Passage, SearchResult, Verification

Reported = Sequence[Sequence[Corroboration]]  # one list per result, in rank order

# Each verdict's word and what it means, as the CLI and the app show them.
VERDICT_HEADS = {
    EXACT: ("EXACT", "the quote stands verbatim in the sources"),
    ALTERED: ("ALTERED", "the closest passage says something different"),
    NOT_FOUND: ("NOT FOUND", "no passage is close; the nearest ones below do not support the quote"),
}


# -- search results -----------------------------------------------------------------------------


def result_to_json(result: SearchResult, reported_also_by: Reported | None = None) -> dict[str, Any]:
    """The schema documented in the README: ``{"query", "mode", "answered", "reason", "results": [...], "figures": [...]}``.

    With ``reported_also_by``, each result carries its ``"reported_also_by"`` list.
    """
    results = [passage_to_json(p) for p in result.results]
    if reported_also_by is not None:
        for row, links in zip(results, reported_also_by, strict=True):
            row["reported_also_by"] = corroborations_to_json(links)
    return {
        "query": result.query,
        "mode": result.mode,
        "answered": result.answered,
        "reason": result.reason,
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


def scores_text(p: Passage, sep: str = ", ") -> str:
    """A passage's scores as the CLI and the app's cards label them, first the one the results are in order by
    (``Passage.rank_score``: the search's score plus its quote's, for the passages reordered by their quotes)."""
    return sep.join(
        (f"rank score {p.rank_score:.4f}", f"search score {p.score:.4f}", f"similarity to the question {p.similarity:.2f}")
    )


def _passage_text(p: Passage, reported_also_by: Sequence[Corroboration], width: int) -> str:
    where = location(p.page, p.paragraph)
    head = f"{p.rank}. {source_label(p.source)}" + (f", {where}" if where else "")
    head += f"  [{scores_text(p)}]  {p.source.path}"
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


# -- reported also by, figures ------------------------------------------------------------------


def corroborations_to_json(links: Sequence[Corroboration]) -> list[dict[str, Any]]:
    """A result's ``"reported_also_by"`` list: source, page, paragraph, quote, similarity and citation."""
    return [{**asdict(c), "citation": corroboration_citation(c)} for c in links]


def corroborations_to_text(links: Sequence[Corroboration]) -> str:
    """``Reported also by: BBC, para 12: “…”; ITV News, para 4: “…”`` (empty when nothing corroborates)."""
    if not links:
        return ""
    return "Reported also by: " + "; ".join(
        f"{source_label(c.source)}" + (f", {location(c.page, c.paragraph)}" if location(c.page, c.paragraph) else "")
        + f": “{c.quote.text}”"
        for c in links
    )


def figures_to_json(figures: Sequence[Figure]) -> list[dict[str, Any]]:
    """The ``"figures"`` list of ``ask --json``."""
    return [
        {
            "text": f.text,
            "value": f.value,
            "noun": f.noun,
            "kind": f.kind,
            "qualifier": f.qualifier,
            "sources": [asdict(s) for s in f.sources],
            "spans": [asdict(s) for s in f.spans],
        }
        for f in figures
    ]


def figures_to_text(figures: Sequence[Figure]) -> str:
    """One line per figure: ``625 allegations — BBC; ITV News (“625 misconduct allegations”)``."""
    lines = []
    for f in figures:
        sources = "; ".join(s.publisher or s.title for s in f.sources)
        wording = " / ".join(dict.fromkeys(f"“{span.text}”" for span in f.spans))
        lines.append(f"{f.text} — {sources} ({wording})")
    return "\n".join(lines)


# -- verification -------------------------------------------------------------------------------


def verification_to_text(verification: Verification) -> str:
    """The terminal text of ``verify``: the verdict, then each place with its citation and, if altered, the diff.

    In the diff ``[-words-]`` are source words the quote drops, ``{+words+}`` words it adds, and
    ``[~source -> quote~]`` words it changes, with "(number)" or "(name)" after a changed figure or name.
    """
    head = "{}: {}".format(*VERDICT_HEADS[verification.verdict])
    if verification.folded:
        head += " (after folding quote marks, dashes or white space)"
    lines = [head]
    for n, match in enumerate(verification.matches, start=1):
        lines.append(f"{n}. {match_citation(match)}  [similarity {match.similarity:.2f}]")
        if match.diff:
            lines.append("   Diff: " + " ".join(_diff_text(op) for op in match.diff))
    return "\n".join(lines)


def _diff_text(op: DiffOp) -> str:
    flag = f" ({op.flag})" if op.flag else ""
    if op.op == "equal":
        return op.quote_text
    if op.op == "dropped":
        return f"[-{op.source_text}-]{flag}"
    if op.op == "added":
        return f"{{+{op.quote_text}+}}{flag}"
    return f"[~{op.source_text} -> {op.quote_text}~]{flag}"


def verification_to_json(verification: Verification) -> dict[str, Any]:
    """The ``verify --json`` object."""
    return {
        "quote": verification.quote,
        "verdict": verification.verdict,
        "folded": verification.folded,
        "similarity": verification.similarity,
        "fragments": list(verification.fragments),
        "matches": [{**asdict(m), "citation": match_citation(m)} for m in verification.matches],
    }


# -- the index ----------------------------------------------------------------------------------


def build_report_to_text(report: BuildReport) -> str:
    """What ``index`` prints on stdout (the failures go to stderr, one line each: ``failure_to_text``)."""
    if not report.changed:
        return f"index is up to date: {report.documents} documents, {report.chunks} chunks"
    return (
        f"{report.reason}: {report.documents} documents, {report.chunks} chunks "
        f"({report.embedded_chunks} embedded; added {len(report.added)}, updated {len(report.updated)}, "
        f"removed {len(report.removed)}, failed {len(report.failures)})"
    )


def failure_to_text(failure: LoadFailure) -> str:
    """One line for a source that was not indexed, whatever characters its name holds."""
    return one_line(f"skipped {failure.path}: {failure.reason}")


# Shown as escapes besides control characters: line and paragraph separators split a line too, an unpaired
# surrogate (a file name's undecodable byte) cannot be written to a UTF-8 terminal, and bidirectional
# overrides and isolates would reorder the rest of the line.
_ESCAPED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
_BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(text: str) -> str:
    """``text`` safe to print as one line of a terminal or log: the characters above written as Python
    writes them in a string (``\\n``, ``\\x1b``, ``\\u202e``); a backslash stays as it is, so a name the
    scan already wrote with escapes (``caf\\xe9.txt``) reads the same in the log and the app."""
    return "".join(
        repr(ch)[1:-1] if ch in _BIDI_CONTROLS or unicodedata.category(ch) in _ESCAPED_CATEGORIES else ch for ch in text
    )
