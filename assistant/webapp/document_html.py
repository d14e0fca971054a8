"""The reader's HTML: a whole document, its cited span marked, a PDF's pages shown as pages.

As everywhere in the app, document text is escaped; the markup is ours. Offsets stay those of the indexed text:
page headings and marks are added around the text, never into it.
"""

from __future__ import annotations

from html import escape

from ..citations import location
from ..types import Document

EMPTY = '<p class="hint">Open a document from a passage card, or choose one above.</p>'

# Added to the app's style for the reader (gr.HTML css_template): pages, and how a passage link landed.
STYLE = """
section.page { border-top: 2px dashed var(--border-color-primary); margin-top: .6em; }
section.page:first-child { border-top: none; margin-top: 0; }
p.page-number { font-size: .8em; font-weight: 700; color: var(--body-text-color-subdued); margin: .2em 0 .4em 0;
  text-transform: uppercase; letter-spacing: .05em; white-space: normal; }
.link-status { border-left: 4px solid #15803d; padding: .4em .8em; margin: .5em 0; font-weight: 600; }
.link-status.moved { border-left-color: #2563eb; }
.link-status.changed, .link-status.gone { border-left-color: #c2410c; }
blockquote.linked-text { margin: .3em 0 .6em 0; padding: .3em .8em; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def reader_html(
    doc: Document | None,
    quote: tuple[int, int] | None = None,
    span: tuple[int, int] | None = None,
    *,
    link: str = "",
    note: str = "",
    status: str = "",
    linked: str = "",
) -> str:
    """The full text of ``doc`` with ``quote`` marked inside the shaded ``span``.

    ``link`` (a passage link, ``/?doc=…``) adds a "Copy link" button; ``note`` is shown above the text, in the
    manner of ``status`` (a passage link's "exact", "moved", "changed" or "gone"), with ``linked``, the text the
    link was made for, when what is marked differs from it.
    """
    if doc is None:
        return EMPTY
    publisher = f" ({escape(doc.publisher)})" if doc.publisher else ""
    meta = escape(doc.id)
    if doc.page_starts:
        meta += f" · {len(doc.page_starts)} page{'s' if len(doc.page_starts) != 1 else ''}"
    if quote is not None:
        where = location(doc.page_at(quote[0]), doc.paragraph_at(quote[0]))
        meta += f" · cited: {escape(where)}, characters {quote[0]}–{quote[1]}"
    parts = [f'<h3 class="title">{escape(doc.title)}{publisher}</h3><p class="meta">{meta}</p>']
    if note:
        parts.append(f'<p class="link-status {escape(status, quote=True)}" role="status">{escape(note)}</p>')
    if linked:
        parts.append(
            '<p class="hint">The link was made for this text:</p>'
            f'<blockquote class="linked-text">{escape(linked)}</blockquote>'
        )
    if link:
        parts.append(
            '<div class="actions"><button class="act copy-link" '
            f'data-link="{escape(link, quote=True)}">Copy link to this passage</button></div>'
        )
    parts.append(f'<div class="reader-text">{marked_text(doc, quote, span)}</div>')
    return "".join(parts)


def marked_text(doc: Document, quote: tuple[int, int] | None, span: tuple[int, int] | None) -> str:
    """``doc.text`` escaped, ``quote`` in ``<mark class="quote">`` and ``span`` shaded, each PDF page in a
    ``<section class="page">`` headed by its number.

    The text is cut at every page start and every edge of the marks, and each piece is wrapped on its own, so a
    quote running across a page break is marked on both pages and the tags always nest.
    """
    quote_at = quote or (0, 0)
    span_at = span or quote_at
    pages = {0, *doc.page_starts} if doc.page_starts else set()
    cuts = sorted({0, len(doc.text), *quote_at, *span_at, *(p for p in pages if p < len(doc.text))})
    out: list[str] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start in pages:
            if out:
                out.append("</section>")
            page = doc.page_at(start)
            out.append(f'<section class="page" id="page-{page}" data-page="{page}">')
            out.append(f'<p class="page-number">Page {page}</p>')
        piece = escape(doc.text[start:end])
        if quote_at[0] <= start and end <= quote_at[1] and quote_at[0] < quote_at[1]:
            piece = f'<mark class="quote">{piece}</mark>'
        if span_at[0] <= start and end <= span_at[1] and span_at[0] < span_at[1]:
            piece = f'<span class="span">{piece}</span>'
        out.append(piece)
    if pages and out:
        out.append("</section>")
    return "".join(out)
