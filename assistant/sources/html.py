"""HTML: the visible text only, one paragraph per block element."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import LoadError
from .text import decode_text

if TYPE_CHECKING:
    from bs4 import Tag

_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul", "caption", "summary", "details",
}  # fmt: skip
_SPACES = re.compile(r"\s+")


def load_html(path: str, data: bytes) -> tuple[str, str | None, str]:
    """Return ``(text, title, encoding)``: block elements become paragraphs separated by blank lines."""
    from bs4 import BeautifulSoup  # 0.1-0.3 s to import: only an index build that meets HTML pays it, never an ask

    markup, encoding = decode_text(path, data)
    soup = BeautifulSoup(markup, "html.parser")
    title_tag = soup.find("title")
    title = _SPACES.sub(" ", title_tag.get_text()).strip() if title_tag else None
    blocks: list[str] = []
    current: list[str] = []
    _walk(soup, blocks, current)
    _flush(blocks, current)
    text = "\n\n".join(blocks)
    if not text.strip():
        raise LoadError(path, "no visible text in the HTML")
    return text, title or None, encoding


def _walk(node: Tag, blocks: list[str], current: list[str]) -> None:
    from bs4 import Comment, NavigableString, Tag

    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            current.append(str(child))
        elif isinstance(child, Tag) and child.name not in _INVISIBLE:
            block = child.name in _BLOCKS
            if block:
                _flush(blocks, current)
            _walk(child, blocks, current)
            if block:
                _flush(blocks, current)


def _flush(blocks: list[str], current: list[str]) -> None:
    text = _SPACES.sub(" ", "".join(current)).strip()
    if text:
        blocks.append(text)
    current.clear()
