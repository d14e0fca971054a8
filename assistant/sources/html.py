"""HTML: the visible text only, one paragraph per block element.

The tree is walked with an explicit stack: a recursive walk ran out of Python's stack at about 800
nested elements, and one such file stopped the whole build.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import LoadError
from .limits import Deadline
from .meta_extract import soup_metadata
from .metadata import SourceMeta
from .text import decode_text

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul", "caption", "summary", "details",
}  # fmt: skip
_SPACES = re.compile(r"\s+")
_CHECK_EVERY = 4096  # elements between deadline checks
_FLUSH = object()  # a marker on the stack: the block element above it has ended


def load_html(path: str, data: bytes, deadline: Deadline | None = None, max_depth: int = 20_000) -> tuple[str, SourceMeta, str]:
    """Return ``(text, meta, encoding)``: block elements become paragraphs separated by blank lines; ``meta``
    is what the page's head states, its ``<title>`` first for the title (the title sources have always had)."""
    from bs4 import BeautifulSoup  # 0.1-0.3 s to import: only an index build that meets HTML pays it, never an ask

    markup, encoding = decode_text(path, data)
    soup = BeautifulSoup(markup, "html.parser")
    title_tag = soup.find("title")
    title = _SPACES.sub(" ", title_tag.get_text()).strip() if title_tag else None
    text = "\n\n".join(_blocks(path, soup, deadline, max_depth))
    if not text.strip():
        raise LoadError(path, "no visible text in the HTML")
    return text, SourceMeta(title=title or None).filled_from(soup_metadata(soup)), encoding


def _blocks(path: str, soup: BeautifulSoup, deadline: Deadline | None, max_depth: int) -> list[str]:
    """The visible text of each block, in document order."""
    from bs4 import Comment, NavigableString, Tag

    blocks: list[str] = []
    current: list[str] = []
    # Each entry is a node and its depth, or _FLUSH; children are pushed in reverse to pop in order.
    stack: list[tuple[object, int] | object] = [(child, 1) for child in reversed(soup.contents)]
    seen = 0
    while stack:
        item = stack.pop()
        if item is _FLUSH:
            _flush(blocks, current)
            continue
        node, depth = item  # type: ignore[misc]
        seen += 1
        if deadline is not None and seen % _CHECK_EVERY == 0:
            deadline.check()
        if isinstance(node, Comment):
            continue
        if isinstance(node, NavigableString):
            current.append(str(node))
        elif isinstance(node, Tag) and node.name not in _INVISIBLE:
            if depth > max_depth:
                raise LoadError(path, f"HTML nested deeper than {max_depth:,} elements (SourceSettings.max_html_depth)")
            if node.name in _BLOCKS:
                _flush(blocks, current)
                stack.append(_FLUSH)
            stack.extend((child, depth + 1) for child in reversed(node.contents))
    _flush(blocks, current)
    return blocks


def _flush(blocks: list[str], current: list[str]) -> None:
    text = _SPACES.sub(" ", "".join(current)).strip()
    if text:
        blocks.append(text)
    current.clear()
