"""An indexed source carries what its file states about itself; sources.toml fills each field first."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfWriter

from assistant import Assistant
from assistant.manifest import Manifest
from assistant.sources.metadata import SourceMeta

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MET = SourceMeta(
    title="Met Police unit investigating officer abuse claims | News",  # <title> first, as sources always were titled
    publisher="BBC News",
    author="Daniel Sandford",
    published=date(2022, 8, 19),
    url="https://example.org/news/uk-england-london-62585836",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "sources"
    made.mkdir()
    return made


def indexed(folder: Path, fake_embedder, metadata: str = "") -> Assistant:  # type: ignore[no-untyped-def]
    if metadata:
        (folder / "sources.toml").write_text(metadata, encoding="utf-8")
    assistant = Assistant(sources_dir=folder, index_dir=folder.parent / "index", embedder=fake_embedder)
    assistant.refresh()
    return assistant


def pdf_bytes(author: str, created: str) -> bytes:
    """A one-page PDF with a text layer (the vetting review's first page) and the given information."""
    writer = PdfWriter(clone_from=FIXTURES / "vetting_review.pdf")
    writer.add_metadata({"/Author": author, "/CreationDate": created, "/Title": "Vetting review"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_html_page_gives_its_author_date_and_canonical_url(folder: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(FIXTURES / "met_article.html", folder / "met.html")
    assert indexed(folder, fake_embedder).metadata()["met.html"] == MET


def test_a_sources_toml_entry_overrides_what_the_page_states(folder: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(FIXTURES / "met_article.html", folder / "met.html")
    entry = '["met.html"]\nauthor = "Desk editor"\npublished = 2022-08-18\npublisher = "BBC"\n'
    assistant = indexed(folder, fake_embedder, entry)
    meta = assistant.metadata()["met.html"]
    assert (meta.publisher, meta.author, meta.published, meta.url) == ("BBC", "Desk editor", date(2022, 8, 18), MET.url)
    # Removing the entry's author gives the page's back at once, without a re-index.
    (folder / "sources.toml").write_text('["met.html"]\npublished = 2022-08-18\npublisher = "BBC"\n', encoding="utf-8")
    assert assistant.metadata()["met.html"].author == MET.author


def test_a_text_file_starting_with_a_dateline_gets_its_date(folder: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    (folder / "harbour.txt").write_text(
        "Harbour board meets\nThursday 18 August 2022 10:32\n\nThe harbour board met to discuss the new pier.\n", encoding="utf-8"
    )
    (folder / "plain.md").write_text("# Notes\n\nThe pier opened on 3 January 2022 after a long review of its cost.\n", encoding="utf-8")
    metadata = indexed(folder, fake_embedder).metadata()
    assert metadata["harbour.txt"].published == date(2022, 8, 18)
    assert metadata["plain.md"].published is None  # a date inside a sentence is an event's, not the file's


def test_a_pdf_gives_the_author_and_creation_day_of_its_information_dictionary(folder: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    (folder / "review.pdf").write_bytes(pdf_bytes("Baroness Casey", "D:20230321093000+00'00'"))
    meta = indexed(folder, fake_embedder, '["review.pdf"]\ntitle = "Casey review"\n').metadata()["review.pdf"]
    assert meta == SourceMeta(title="Casey review", author="Baroness Casey", published=date(2023, 3, 21))


def test_an_unchanged_source_keeps_its_file_metadata_across_a_refresh(folder: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(FIXTURES / "met_article.html", folder / "met.html")
    assistant = indexed(folder, fake_embedder)
    (folder / "later.txt").write_text("A later note on the harbour board.\n", encoding="utf-8")
    assert assistant.refresh().added == ("later.txt",)
    assert Assistant(sources_dir=folder, index_dir=folder.parent / "index", embedder=fake_embedder).metadata()["met.html"].url == MET.url


def test_a_manifest_written_before_file_metadata_reads_it_as_unknown(folder: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(FIXTURES / "met_article.html", folder / "met.html")
    manifest = indexed(folder, fake_embedder).snapshot.manifest
    data = manifest.to_json()
    assert data["sources"]["met.html"]["published"] == "2022-08-19"
    assert Manifest.from_json(data) == manifest
    old = {k: v for k, v in data["sources"]["met.html"].items() if k not in ("author", "published", "url")}
    entry = Manifest.from_json({**data, "sources": {"met.html": old}}).sources["met.html"]
    assert (entry.author, entry.published, entry.url) == (None, None, None)
