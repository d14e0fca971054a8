"""The quote desk's HTML: a verification's verdict and places with their word diff, and the figures an answer
states side by side.

As in ``cards``, every piece of text from a document or a user is escaped, and no document text travels back
from the browser: a place's buttons name it by its index in the verification kept in the user's state, and a
figure's links name a span that the app opens only if it lies in a quote it has shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..render import VERDICT_HEADS
from ..types import ALTERED, DiffOp, EXACT, Figure, Match, NOT_FOUND, Verification
from ..types import Quote
from . import cards
from .export import CitationRecord

EMPTY_QUOTE = "Paste the quote to verify first."
_CHANGES = {
    "changed": "source “{source}”, quote “{quote}”",
    "added": "quote adds “{quote}”",
    "dropped": "quote drops “{source}”",
}
INTRO = (
    '<p class="hint">Paste a quote to check it against the sources. The answer is <b>exact</b> (it stands '
    "verbatim, with every place it stands), <b>altered</b> (the closest passage, with the words that differ "
    "marked) or <b>not found</b> (the nearest passages, which do not support it). A quote with “…” is checked "
    "fragment by fragment.</p>"
)


# -- the verdict ------------------------------------------------------------------------------------


def verification_html(v: Verification) -> str:
    """The verdict, prominent; then each place with its source, location, the source's own text and actions."""
    word, meaning = VERDICT_HEADS[v.verdict]
    parts = [
        f'<div class="verdict {v.verdict}" role="status"><span class="verdict-word">{word}</span>: {meaning}</div>',
        f'<p class="checked">Checked: “{escape(v.quote)}”</p>',
    ]
    if v.verdict == EXACT:
        parts.append(
            '<p class="folding">Found after folding curly and straight quote marks, dashes or white space; '
            "each place below shows the source’s own characters.</p>"
            if v.folded
            else '<p class="folding">Found character for character: no folding was needed.</p>'
        )
    elif v.verdict == ALTERED:
        m = v.matches[0]
        parts.append(
            f'<p class="similarity">Similarity {m.similarity:.2f} · {m.coverage:.0%} of the quote’s words unchanged</p>'
        )
    if len(v.fragments) > 1:
        parts.append(
            f'<p class="hint">Split at the ellipsis into {len(v.fragments)} fragments, looked for in order in one source.</p>'
        )
    if v.verdict == NOT_FOUND and not v.matches:
        parts.append('<p class="hint">No passage came near it.</p>')
    parts.extend(_place_html(v, i, m) for i, m in enumerate(v.matches))
    return "".join(parts)


def _place_html(v: Verification, index: int, m: Match) -> str:
    meta = f"characters {m.spans[0].start}–{m.spans[-1].end} · similarity {m.similarity:.2f}"
    head = cards.card_header(index + 1, m.source, m.page, m.paragraph, meta)
    body = []
    if v.verdict == NOT_FOUND:
        body.append('<p class="not-supporting">Does NOT support the quote: the nearest passage, for reference.</p>')
    body.append(f'<blockquote class="source-text">{escape(_joined(m))}</blockquote>')
    if v.verdict == ALTERED and m.diff:
        body.append(
            '<p class="hint">Your quote against the source: <del>struck</del> words are in the source but not the '
            "quote, <ins>underlined</ins> words are in the quote but not the source.</p>"
            f'<p class="diff">{diff_html(v.quote, m.diff)}</p>'
        )
    actions = (
        '<div class="actions">'
        f'<button class="act open" data-action="open:{index}">Open in source</button>'
        f'<button class="act cite" data-action="cite:{index}" data-done="Added to citations ✓">Add to citations</button>'
        "</div>"
    )
    css = "card place weak" if v.verdict == NOT_FOUND else "card place"
    return f'<article class="{css}" data-match="{index}">{head}{"".join(body)}{actions}</article>'


def diff_html(quote: str, ops: Sequence[DiffOp]) -> str:
    """The quote read against the source: unchanged words as text, ``<del>`` source words it drops,
    ``<ins>`` words it adds, and a changed word as ``<del>source</del><ins>quote</ins>`` in a
    ``span.changed`` (flagged "number" or "name" when it is one)."""
    out: list[str] = []
    previous: DiffOp | None = None
    for op in ops:
        # The quote's own spacing and punctuation between its words; a dropped word has no place in
        # the quote, so it is set off by spaces.
        if previous is None:
            gap = ""
        elif op.op == "dropped" or previous.op == "dropped":
            gap = " "
        else:
            gap = quote[previous.quote_end : op.quote_start]
        out.append(escape(gap) + _op_html(op))
        previous = op
    return "".join(out)


def _op_html(op: DiffOp) -> str:
    flag = f'<span class="flag">{escape(op.flag)}</span>' if op.flag else ""
    title = f' title="source: {escape(op.source_text, quote=True)} · quote: {escape(op.quote_text, quote=True)}"'
    if op.op == "equal":
        return escape(op.quote_text)
    if op.op == "dropped":
        return f'<del class="dropped"{title}>{escape(op.source_text)}</del>{flag}'
    if op.op == "added":
        return f'<ins class="added"{title}>{escape(op.quote_text)}</ins>{flag}'
    return (
        f'<span class="changed {escape(op.flag or "", quote=True)}"{title}><del>{escape(op.source_text)}</del>'
        f"<ins>{escape(op.quote_text)}</ins></span>{flag}"
    )


def _joined(m: Match) -> str:
    """The source's own words; an ellipsis quote's fragments joined as a writer would quote them."""
    return " … ".join(span.text for span in m.spans)


def verdict_label(v: Verification, m: Match) -> str:
    """What a gathered citation says was checked: "exact", "altered (similarity 0.99): source “625”, quote “652”"…"""
    if v.verdict == EXACT:
        return "exact (after folding quote marks, dashes or white space)" if m.folded else "exact"
    if v.verdict == NOT_FOUND:
        return "not found: the nearest passage, which does not support the quote"
    changes = [_CHANGES[op.op].format(source=op.source_text, quote=op.quote_text) for op in m.diff if op.op != "equal"]
    return f"altered (similarity {m.similarity:.2f})" + (": " + "; ".join(changes) if changes else "")


def record_for(v: Verification, index: int) -> CitationRecord:
    """A citation of place ``index`` in the source's own words, carrying the verdict and the quote checked.

    An ellipsis quote's fragments are joined by " … "; its offsets run from the first fragment to the last.
    """
    m = v.matches[index]
    quote = Quote(_joined(m), m.spans[0].start, m.spans[-1].end)
    return CitationRecord.of(
        m.source, quote, m.page, m.paragraph, question=f"Verify: {v.quote}", verdict=verdict_label(v, m)
    )


def parse_desk_action(value: object, places: int) -> tuple[str, int] | None:
    """``("open" | "cite", place)`` from a button's action string, for a verification with ``places`` places."""
    verb, _, number = str(value).partition(":")
    if verb not in ("open", "cite") or not number.isdigit() or int(number) >= places:
        return None
    return verb, int(number)


# -- figures under an answer ------------------------------------------------------------------------


def figures_html(figures: Sequence[Figure]) -> str:
    """A row per figure with the sources that state it, each a link to its span in the reader; figures with
    the same noun stand together, and nouns the sources give different figures for are pointed out."""
    if not figures:
        return ""
    by_noun = {f.noun: [g for g in figures if g.noun == f.noun] for f in figures}  # first mention first
    rows = []
    differ = []
    for noun, group in by_noun.items():
        css = ' class="differs"' if noun and len(group) > 1 else ""
        if css:
            differ.append(f"{escape(noun)} ({'; '.join(escape(f.text) for f in group)})")
        rows.extend(f"<tr{css}>{_figure_cells(f)}</tr>" for f in group)
    note = f'<p class="differ">The sources give different figures for: {"; ".join(differ)}.</p>' if differ else ""
    return (
        '<section class="figures"><h4>Figures in these passages</h4>'
        f'<table class="figures"><tbody>{"".join(rows)}</tbody></table>{note}</section>'
    )


def _figure_cells(f: Figure) -> str:
    first = f.spans[0]
    figure = (
        f'<button class="link figure-text" data-action="{_read(first.source_id, first.start, first.end)}">'
        f"{escape(f.text)}</button>"
    )
    links = []
    for source, name in zip(f.sources, cards.short_names(f.sources), strict=True):
        span = next(s for s in f.spans if s.source_id == source.id)
        links.append(
            f'<button class="link" data-action="{_read(source.id, span.start, span.end)}" '
            f'title="{escape(source.title, quote=True)}: “{escape(span.text, quote=True)}”">'
            f"{escape(name)}</button>"
        )
    count = f"{len(f.sources)} source{'s' if len(f.sources) != 1 else ''}"
    return f'<td class="noun">{figure}</td><td>— {", ".join(links)} <span class="meta">({count})</span></td>'


def _read(source_id: str, start: int, end: int) -> str:
    # A source id is a file name, which may hold a quote mark or an angle bracket.
    return escape(cards.read_action(source_id, start, end), quote=True)
