"""Any bytes given to any loader either load as text whose spans hold, or raise the loader's own LoadError."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sources import make_pdf

from assistant.chunking import chunk_document, tiktoken_counter
from assistant.config import ChunkSettings
from assistant.errors import LoadError
from assistant.segmentation import paragraph_spans
from assistant.sources import load_document
from assistant.types import Document

COUNT = tiktoken_counter("cl100k_base")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PDF = make_pdf(["First page of the fuzz base.", "Second page, with more words."])


def visible_chars(text: str) -> int:
    """A strict stand-in for the model's word pieces: at most one per visible character, none for white space."""
    return sum(not ch.isspace() for ch in text)


def assert_spans_hold(doc: Document) -> None:
    text = doc.text
    for start, end in paragraph_spans(text):
        assert 0 <= start < end <= len(text) and text[start:end] == text[start:end].strip()
    starts = doc.page_starts
    assert list(starts) == sorted(set(starts)) and all(0 <= s <= len(text) for s in starts)
    assert all(text[s - 2 : s] == "\n\n" for s in starts[1:])  # pages are joined by one blank line
    for chunk in chunk_document(doc, ChunkSettings(max_tokens=32, overlap_tokens=8), COUNT, visible_chars, 40):
        assert text[chunk.start : chunk.end] == chunk.text and visible_chars(chunk.text) <= 40


def load_or_refuse(name: str, data: bytes) -> Document | None:
    try:
        doc = load_document(Path(name), name, data=data)
    except LoadError as error:
        assert error.path == name and error.reason
        return None
    assert_spans_hold(doc)
    return doc


@FUZZ
@given(st.sampled_from(["f.txt", "f.md", "f.html", "f.pdf"]), st.binary(max_size=4000))
def test_random_bytes_load_with_exact_spans_or_are_refused(name: str, data: bytes) -> None:
    load_or_refuse(name, data)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(PDF) - 1), st.integers(0, 255)), max_size=20), st.integers(0, len(PDF)))
def test_a_damaged_pdf_loads_with_its_pages_or_is_refused(flips: list[tuple[int, int]], keep: int) -> None:
    data = bytearray(PDF)
    for offset, value in flips:
        data[offset] = value
    load_or_refuse("f.pdf", bytes(data[:keep] if keep < 100 else data))


TAGS = st.sampled_from(["div", "p", "span", "b", "li", "ul", "table", "td", "br", "script", "style", "title", "x-y", "!--"])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def html(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 6 else 1))
        if kind == 0:
            parts.append(draw(TEXT).replace("<", "&lt;"))
        elif kind == 1:
            parts.append(draw(st.sampled_from(["<", ">", "</div>", "<p", "&amp", "&#0;", "&#xD800;", "<!--", "]]>"])))
        else:
            tag = draw(TAGS)
            inner = "var x = 1 < 2;" if tag in ("script", "style") else draw(html(depth + 1))
            closed = draw(st.booleans())
            parts.append(f"<{tag} a='{draw(TEXT)}'>{inner}" + (f"</{tag}>" if closed else ""))
    return "".join(parts)


@FUZZ
@given(html(), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_random_html_loads_visible_text_with_exact_spans_or_is_refused(markup: str, encoding: str) -> None:
    doc = load_or_refuse("f.html", markup.encode(encoding, errors="replace"))
    if doc is not None:
        assert all(block.strip() == block and block for block in doc.text.split("\n\n"))
