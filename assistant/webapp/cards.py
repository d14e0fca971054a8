"""HTML for the app: the chat with its passage cards, the reader, the sources and the citations.

Every piece of text that comes from a document, an upload or a user passes through ``escape``
before it reaches the page, so a document holding ``<script>`` shows those characters and runs nothing.
The only markup here is our own. Buttons carry an action string (``verb:turn:rank:also``) that the
page script hands back to Python, which looks the passage up in the session: no document text
travels back from the browser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from ..citations import corroboration_citation
from ..render import human_size, scores_text
from ..types import Corroboration
from ..citations import format_citation, location, source_label
from ..service import SourceInfo
from ..types import Document, LoadFailure, Occurrence, Passage, SourceRef
from .export import CitationRecord
from .session import Turn

# Shown when the core gives no reason of its own for an answer it does not call answered.
NO_CLOSE_ANSWER = "No passage in the sources answers this closely."
NO_PASSAGE = "No passage in the sources matches this question."
_SHORT_NAME = 40  # characters of a source's name in a list of sources; the full title is on the card
_CARD_TITLE = 90  # characters of a title in a card's header; the whole title shows on hover

# A passage's link (``/?doc=…``; links.PassageLink), or None when its source has changed since the answer.
PassageLinks = Callable[[Passage], str | None]

# "open"/"copy" act on a passage (or, with an index, its "also in" copy); "open-rep"/"copy-rep" on one of
# its "reported also by" sentences.
VERBS = ("open", "copy", "open-rep", "copy-rep")


def action(verb: str, turn: int, rank: int, also: int = -1) -> str:
    return f"{verb}:{turn}:{rank}:{also}"


def parse_action(value: object) -> tuple[str, int, int, int] | None:
    """``("open", turn, rank, also)`` from a button's action string; None for anything malformed."""
    parts = str(value).split(":")
    if len(parts) != 4 or parts[0] not in VERBS:
        return None
    try:
        turn, rank, also = (int(p) for p in parts[1:])
    except ValueError:
        return None
    return parts[0], turn, rank, also


def read_action(source_id: str, start: int, end: int) -> str:
    """Open ``source_id`` in the reader at ``[start, end)``: for links that add-ons put under an answer.

    The app honours it only for a span inside a quote it has shown in the session.
    """
    return f"read:{start}:{end}:{source_id}"


def parse_read(value: object) -> tuple[str, int, int] | None:
    """``(source_id, start, end)`` from a ``read_action`` string; None for anything else."""
    parts = str(value).split(":", 3)  # the source id comes last: it may hold a colon
    if len(parts) != 4 or parts[0] != "read" or not parts[3]:
        return None
    try:
        start, end = int(parts[1]), int(parts[2])
    except ValueError:
        return None
    return (parts[3], start, end) if 0 <= start < end else None


# -- the chat ---------------------------------------------------------------------------------------


def conversation_html(turns: Sequence[Turn], links: PassageLinks | None = None) -> str:
    """The whole chat, oldest first; with ``links``, each card and answer has a "Copy link" button."""
    if not turns:
        return (
            '<div class="intro"><p>Ask a question about the sources. Each answer is a ranked list of '
            "verbatim passages with the quote that answers it highlighted and a ready-to-paste citation.</p>"
            '<p class="hint">Try “Who is the new commissioner of the Met?”, then a follow-up such as '
            "“and what did his predecessor do?”</p></div>"
        )
    return "".join(turn_html(i, t, links) for i, t in enumerate(turns))


def turn_html(index: int, turn: Turn, links: PassageLinks | None = None) -> str:
    parts = [f'<section class="turn" data-turn="{index}">', f'<p class="question">{escape(turn.question)}</p>']
    if turn.produced_by:  # the mode, count and filters that produced this answer
        parts.append(f'<p class="produced">{escape(turn.produced_by)}</p>')
    if turn.searched != turn.question:
        searched = escape(turn.searched)
        parts.append(f'<p class="context">A follow-up: searched with the conversation as “{searched}”</p>')
    if turn.error:
        parts.append(f'<p class="error">{escape(turn.error)}</p>')
    elif turn.result is not None and not turn.result.results:
        parts.append(f'<p class="abstain">{escape(turn.result.reason or NO_PASSAGE)}</p>')
    elif turn.result is not None:
        if turn.weak:  # the core's rule, and its words for it (SearchResult.answered, .reason)
            reason = escape(turn.result.reason or NO_CLOSE_ANSWER)
            parts.append(f'<p class="abstain">{reason} The nearest passages are shown below, marked as weak.</p>')
        reported = turn.reported or ((),) * len(turn.result.results)
        parts.extend(
            passage_card(index, p, weak=turn.weak, reported=r, link=links(p) if links else None)
            for p, r in zip(turn.result.results, reported, strict=True)
        )
        parts.append(turn.extra)
    if turn.link:
        parts.append(
            '<div class="actions answer-link"><button class="act copy-link" '
            f'data-link="{escape(turn.link, quote=True)}">Copy link to this answer</button></div>'
        )
    parts.append("</section>")
    return "".join(parts)


def passage_card(
    turn: int, p: Passage, *, weak: bool = False, reported: Sequence[Corroboration] = (), link: str | None = None
) -> str:
    """One ranked passage: where it is from, the passage with its quote marked, "also in", "reported also
    by", and actions; its raw scores behind a "Details" toggle, since they compare only within one answer."""
    head = card_header(p.rank, p.source, p.page, p.paragraph, "", weak=weak)
    body = f'<p class="passage">{highlight(p.text, p.quote.start - p.start, p.quote.end - p.start)}</p>'
    also = ""
    if p.also_in:
        links = "; ".join(_also_link(turn, p.rank, i, o) for i, o in enumerate(p.also_in))
        also = f'<p class="also-in">Also in: {links}</p>'
    actions = (
        '<div class="actions">'
        f'<button class="act copy" data-action="{action("copy", turn, p.rank)}" '
        f'data-cite="{escape(format_citation(p), quote=True)}">Copy citation</button>'
        f'<button class="act open" data-action="{action("open", turn, p.rank)}">Open in source</button>'
        + (f'<button class="act copy-link" data-link="{escape(link, quote=True)}">Copy link</button>' if link else "")
        + "</div>"
    )
    details = (
        '<details class="scores"><summary>Details</summary><p class="meta">'
        f"{escape(scores_text(p, ' · '))} · "
        f"characters {p.start}–{p.end} of {escape(p.source.id)}</p></details>"
    )
    css = "card weak" if weak else "card"
    others = reported_html(turn, p.rank, reported)
    return f'<article class="{css}" data-rank="{p.rank}">{head}{body}{also}{others}{actions}{details}</article>'


def card_header(
    rank: int, source: SourceRef, page: int | None, paragraph: int | None, meta: str, *, weak: bool = False
) -> str:
    """A card's first line: rank, publisher, the source's title (a long one shortened, whole on hover), page
    or paragraph, then ``meta`` (our own text)."""
    where = location(page, paragraph)
    publisher = f'<span class="publisher">{escape(source.publisher)}</span> · ' if source.publisher else ""
    shown = escape(_cut(source.title, _CARD_TITLE))
    title = f'<span class="title" title="{escape(source.title, quote=True)}">{shown}</span>'
    return (
        f'<header><span class="rank">{rank}.</span> {publisher}{title}'
        + (f' <span class="where">{escape(where)}</span>' if where else "")
        + (f' <span class="meta">{meta}</span>' if meta else "")
        + (' <span class="weak-label">weak match</span>' if weak else "")
        + "</header>"
    )


def reported_html(turn: int, rank: int, links: Sequence[Corroboration]) -> str:
    """Reported also by: other sources' sentences stating the quote in other words, each verbatim with its
    citation, to copy or open; the summary names the sources, opening it shows the sentences."""
    if not links:
        return ""
    names = ", ".join(escape(name) for name in dict.fromkeys(short_names([c.source for c in links])))
    items = "".join(
        f'<li><span class="title">{escape(_label(c.source, c.page, c.paragraph))}</span>: '
        f'<span class="rep-quote">“{escape(c.quote.text)}”</span> <span class="meta">similarity {c.similarity:.2f}</span>'
        '<span class="actions">'
        f'<button class="act rep-copy" data-action="{action("copy-rep", turn, rank, i)}" '
        f'data-cite="{escape(corroboration_citation(c), quote=True)}">Copy citation</button>'
        f'<button class="act rep-open" data-action="{action("open-rep", turn, rank, i)}">Open in source</button>'
        "</span></li>"
        for i, c in enumerate(links)
    )
    return f'<details class="reported"><summary>Reported also by: {names}</summary><ul>{items}</ul></details>'


def short_names(sources: Sequence[SourceRef]) -> list[str]:
    """Each source named in a list of sources: its publisher, else its title cut to a few words; where two
    different sources would read the same (two BBC articles), each adds the start of its title, and if that
    still clashes, its file name, so no two sources share a name. A source listed twice keeps one name."""
    names = [s.publisher or _cut(s.title, _SHORT_NAME) for s in sources]
    names = _apart(
        sources, names, lambda s, n: f"{n}: {_cut(s.title, _SHORT_NAME)}" if s.publisher else f"{n} ({s.id})"
    )
    return _apart(sources, names, lambda s, n: f"{n} ({s.id})")


def _apart(sources: Sequence[SourceRef], names: list[str], widen: Callable[[SourceRef, str], str]) -> list[str]:
    """``names``, each one that two different sources share widened by ``widen``."""
    ids_of: dict[str, set[str]] = {}
    for source, name in zip(sources, names, strict=True):
        ids_of.setdefault(name, set()).add(source.id)
    return [widen(s, n) if len(ids_of[n]) > 1 else n for s, n in zip(sources, names, strict=True)]


def _cut(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:–—-") + "…"


def _label(source: SourceRef, page: int | None, paragraph: int | None) -> str:
    where = location(page, paragraph)
    return source_label(source) + (f", {where}" if where else "")


def _also_link(turn: int, rank: int, index: int, o: Occurrence) -> str:
    label = escape(_label(o.source, o.page, o.paragraph))
    return f'<button class="link" data-action="{action("open", turn, rank, index)}">{label}</button>'


def highlight(text: str, start: int, end: int, *, around: tuple[int, int] | None = None) -> str:
    """``text`` escaped, with ``text[start:end]`` in ``<mark class="quote">`` and, if given, the wider
    span ``around`` shaded."""
    outer_start, outer_end = around if around is not None else (start, end)
    return (
        escape(text[:outer_start])
        + '<span class="span">'
        + escape(text[outer_start:start])
        + f'<mark class="quote">{escape(text[start:end])}</mark>'
        + escape(text[end:outer_end])
        + "</span>"
        + escape(text[outer_end:])
    )


# -- sources, uploads and citations -----------------------------------------------------------------


def sources_html(sources: Sequence[SourceInfo], failures: Sequence[LoadFailure]) -> str:
    rows = "".join(
        f"<tr><td>{escape(s.title)}</td><td>{escape(s.publisher or '—')}</td><td>{escape(s.id)}</td>"
        f"<td>{human_size(s.bytes)}</td><td>{s.chunks}</td><td>{escape(s.indexed)}</td></tr>"
        for s in sources
    )
    table = (
        '<table class="listing sources"><thead><tr><th>Title</th><th>Publisher</th><th>File</th><th>Size</th>'
        f"<th>Chunks</th><th>Indexed</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    if not failures:
        return table + '<p class="hint">Every file in the sources folder was indexed.</p>'
    failed = "".join(f"<tr><td>{escape(f.path)}</td><td>{escape(f.reason)}</td></tr>" for f in failures)
    return (
        table + '<h4>Not indexed</h4><table class="listing failures"><thead><tr><th>File</th><th>Reason</th></tr>'
        f"</thead><tbody>{failed}</tbody></table>"
    )


def upload_status_html(saved: Sequence[str], refused: Sequence[str], summary: str) -> str:
    """What happened to each uploaded file; ``refused`` holds "name: reason" messages."""
    items = [f'<li class="ok">Added {escape(name)}</li>' for name in saved]
    items += [f'<li class="refused">Refused {escape(message)}</li>' for message in refused]
    return f'<ul class="upload-status">{"".join(items)}</ul><p class="hint">{escape(summary)}</p>'


def notice(message: str) -> str:
    return f'<p class="error">{escape(message)}</p>'
