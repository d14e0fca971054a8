"""Each loader turns a file into exact text, and every bad file is reported by name and skipped."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from assistant.errors import LoadError
from assistant.sources import load_corpus, load_document
from assistant.sources.metadata import SourceMeta


def make_pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
        else:
            pdf.rect(20, 20, 100, 100)  # a page with a drawing and no text, like a scan
    return bytes(pdf.output())


def encrypt(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def load(tmp_path: Path, name: str, data: bytes, meta: SourceMeta | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    return load_document(path, name, meta)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Café – “quoted”.".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "Café – “quoted”.".encode(), "utf-8-sig"),
        ("Café – “quoted”.".encode("utf-16"), "utf-16"),
        ("Café – “quoted”.".encode("cp1252"), "cp1252"),
    ],
)
def test_text_is_decoded_without_losing_a_character(tmp_path: Path, data: bytes, encoding: str) -> None:
    doc = load(tmp_path, "a.txt", data)
    assert doc.text == "Café – “quoted”."
    assert doc.encoding == encoding


def test_title_comes_from_metadata_else_the_first_line(tmp_path: Path) -> None:
    assert load(tmp_path, "a.md", b"# Heading\n\nBody.").title == "# Heading"
    assert load(tmp_path, "b.txt", b"Body.", SourceMeta("Given", "BBC")).title == "Given"
    assert load(tmp_path, "c.txt", b"Body.", SourceMeta("Given", "BBC")).publisher == "BBC"


def test_paragraphs_are_counted_as_the_reader_sees_them(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.txt", b"Title\n\nFirst para.\nSecond para.\n\n  Third para.")
    assert [doc.paragraph_at(doc.text.index(p)) for p in ("Title", "First", "Second", "Third")] == [1, 2, 3, 4]


def test_html_keeps_visible_text_only_with_blocks_as_paragraphs(tmp_path: Path) -> None:
    html = b"""<html><head><title>The page</title><style>p{color:red}</style></head>
    <body><script>alert('x')</script><h1>Head line</h1><p>First <b>bold</b>
    paragraph.</p><!-- hidden --><div>Second<br>line</div><noscript>no</noscript></body></html>"""
    doc = load(tmp_path, "a.html", html)
    assert doc.title == "The page"
    assert doc.text == "Head line\n\nFirst bold paragraph.\n\nSecond\n\nline"


def test_pdf_text_is_read_page_by_page(tmp_path: Path) -> None:
    doc = load(tmp_path, "a.pdf", make_pdf(["The first page.", "The second page says 625."]))
    assert doc.page_at(doc.text.index("first")) == 1
    assert doc.page_at(doc.text.index("625")) == 2


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\t\n", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
        ("bad.txt", b"caf\xe9 \x81\x8d", "undecodable text"),
        ("report.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
        ("corrupt.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "corrupt PDF"),
        ("empty.html", b"<html><script>x()</script></html>", "no visible text"),
    ],
)
def test_bad_files_raise_a_load_error_naming_the_file_and_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason) as error:
        load(tmp_path, name, data)
    assert name in str(error.value)


def test_an_encrypted_pdf_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="encrypted PDF"):
        load(tmp_path, "locked.pdf", encrypt(make_pdf(["Secret text."])))


def test_a_pdf_without_a_text_layer_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no text layer"):
        load(tmp_path, "scan.pdf", make_pdf(["", ""]))


def test_one_broken_file_never_stops_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A good document.", encoding="utf-8")
    (tmp_path / "also good.html").write_bytes(b"<p>Another one.</p>")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "locked.pdf").write_bytes(encrypt(make_pdf(["x"])))
    (tmp_path / ".hidden.txt").write_text("skipped silently", encoding="utf-8")
    docs, failures = load_corpus(tmp_path)
    assert sorted(d.id for d in docs) == ["also good.html", "good.txt"]
    assert sorted(Path(f.path).name for f in failures) == ["empty.txt", "locked.pdf"]


def test_invalid_metadata_is_reported_and_documents_still_load(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text('["a.txt"]\ntitle = "unterminated', encoding="utf-8")
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    docs, failures = load_corpus(tmp_path)
    assert [d.id for d in docs] == ["a.txt"]
    assert "sources.toml" in failures[0].path and "invalid TOML" in failures[0].reason


def test_shipped_sources_are_the_shared_articles_byte_for_byte() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "articles"
    if not shared.is_dir():
        pytest.skip("the shared articles folder is not beside this checkout")
    ours = Path(__file__).resolve().parents[1] / "sources"
    for article in shared.glob("0*.txt"):
        assert (ours / article.name).read_bytes() == article.read_bytes()


def test_the_articles_carry_only_the_publishers_their_text_names() -> None:
    docs, failures = load_corpus(Path(__file__).resolve().parents[1] / "sources")
    assert not failures
    publishers = {d.id[:3]: d.publisher for d in docs}
    assert publishers == {"000": None, "001": "ITV News", "002": None, "003": "BBC", "004": "The Observer"}
    for d in docs:
        if d.publisher:
            assert d.publisher.removeprefix("The ") in d.text
