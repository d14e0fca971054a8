"""Source metadata: sources.toml is read, checked and edited in place; files state the rest about themselves."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from assistant.errors import LoadError
from assistant.sources import load_corpus
from assistant.sources.meta_extract import dateline_date, html_metadata, parse_date, pdf_metadata
from assistant.sources.metadata import METADATA_FILE, SourceMeta, read_metadata, save_metadata

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_an_entry_reads_every_field_with_a_toml_date(tmp_path: Path) -> None:
    (tmp_path / METADATA_FILE).write_text(
        '["a.html"]\ntitle = "T"\npublisher = "BBC"\nauthor = "A. Writer"\npublished = 2022-08-18\n'
        'url = "https://example.org/a"\n',
        encoding="utf-8",
    )
    assert read_metadata(tmp_path)["a.html"] == SourceMeta("T", "BBC", "A. Writer", date(2022, 8, 18), "https://example.org/a")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('published = "18/08/2022"', "published must be a date such as 2022-08-18"),
        ('url = "example.org/a"', "url must be an absolute http(s) address"),
        ('author = ""', "author must be a non-empty one-line string"),
        ('edition = "late"', "unknown field(s): edition"),
    ],
)
def test_a_bad_field_names_the_entry_and_the_rule(tmp_path: Path, line: str, reason: str) -> None:
    (tmp_path / METADATA_FILE).write_text(f'["a.txt"]\n{line}\n', encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        read_metadata(tmp_path)
    assert "sources.toml" in caught.value.path and "'a.txt'" in caught.value.reason and reason in caught.value.reason


def test_saving_changes_only_the_edited_fields_and_keeps_every_comment(tmp_path: Path) -> None:
    shutil.copy(ROOT / "sources" / METADATA_FILE, tmp_path / METADATA_FILE)
    before = (tmp_path / METADATA_FILE).read_text(encoding="utf-8")
    itv = "001_3bd223bcd275ebfb.txt"
    old = read_metadata(tmp_path)[itv]
    save_metadata(tmp_path, itv, SourceMeta(old.title, old.publisher, published=date(2022, 8, 18), url="https://example.org/itv"))
    after = (tmp_path / METADATA_FILE).read_text(encoding="utf-8")
    assert read_metadata(tmp_path)[itv] == SourceMeta(old.title, "ITV News", None, date(2022, 8, 18), "https://example.org/itv")
    for line in before.splitlines():
        assert line in after  # comments, other entries and the unchanged fields stay as written
    assert 'publisher = "ITV News"  # "Credit: ITV News"' in after


def test_saving_a_new_entry_and_then_an_empty_one_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    (tmp_path / METADATA_FILE).write_text('# notes\n["a.txt"]\ntitle = "A"\n', encoding="utf-8")
    save_metadata(tmp_path, "new report.pdf", SourceMeta(author="Jane Smith", published=date(2021, 3, 4)))
    assert read_metadata(tmp_path)["new report.pdf"] == SourceMeta(author="Jane Smith", published=date(2021, 3, 4))
    save_metadata(tmp_path, "new report.pdf", SourceMeta())
    assert (tmp_path / METADATA_FILE).read_text(encoding="utf-8").strip() == '# notes\n["a.txt"]\ntitle = "A"'


def test_saving_a_bad_value_refuses_and_leaves_the_file_untouched(tmp_path: Path) -> None:
    (tmp_path / METADATA_FILE).write_text('["a.txt"]\ntitle = "A"\n', encoding="utf-8")
    with pytest.raises(LoadError, match="'a.txt': url must be an absolute http"):
        save_metadata(tmp_path, "a.txt", SourceMeta(title="A", url="javascript:alert(1)"))
    assert (tmp_path / METADATA_FILE).read_text(encoding="utf-8") == '["a.txt"]\ntitle = "A"\n'
    assert not list(tmp_path.glob(".*tmp"))


def test_saving_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot write: No such file or directory"):
        save_metadata(tmp_path / "gone", "a.txt", SourceMeta(title="A"))


def test_an_entry_wins_over_what_the_file_says_and_fills_only_its_gaps() -> None:
    entry = SourceMeta(title="Edited title", published=date(2022, 8, 19))
    tags = SourceMeta(title="Tag title", publisher="BBC News", published=date(2022, 8, 18))
    assert entry.filled_from(tags) == SourceMeta("Edited title", "BBC News", None, date(2022, 8, 19), None)


def test_html_meta_tags_give_title_publisher_author_date_and_canonical_url() -> None:
    meta = html_metadata((FIXTURES / "met_article.html").read_text(encoding="utf-8"))
    assert meta == SourceMeta(
        title="Inside the new Met police unit investigating officer abuse claims",
        publisher="BBC News",
        author="Daniel Sandford",  # article:author is a profile address, not a name
        published=date(2022, 8, 19),
        url="https://example.org/news/uk-england-london-62585836",  # canonical, not og:url's tracking variant
    )


def test_scholarly_citation_tags_come_first_and_list_every_author() -> None:
    meta = html_metadata((FIXTURES / "journal_article.html").read_text(encoding="utf-8"))
    assert meta == SourceMeta(
        title="Police misconduct and public trust: a review",
        publisher="Policing Review",
        author="Smith, Jane; Okoro, Ade",
        published=date(2021, 3, 4),
        url="https://journals.example.org/pr/2021/17",
    )


def test_a_page_stating_itself_only_in_json_ld_is_read_from_its_article_node() -> None:
    meta = html_metadata((FIXTURES / "news_json_ld.html").read_text(encoding="utf-8"))
    assert meta == SourceMeta(
        title="Met officers face 625 abuse allegations",
        publisher="Example Daily",
        author="Sam Reporter; Alex Writer",
        published=date(2022, 8, 18),  # the day it was published, not modified
        url="https://daily.example.org/news/met-625",
    )


def test_a_page_without_tags_states_nothing() -> None:
    assert html_metadata("<html><head><title>x</title><meta name='date' content='soon'></head></html>").is_empty()


def make_pdf(title: str | None, author: str | None, created: datetime | None) -> PdfReader:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, "Metropolitan Police misconduct figures.")
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_creation_date(created)  # type: ignore[arg-type]
    return PdfReader(io.BytesIO(bytes(pdf.output())))


def test_pdf_information_gives_title_author_and_creation_day() -> None:
    reader = make_pdf("Complaints 2012-2018", "Met FOI team", datetime(2021, 3, 14, 10, 32))
    assert pdf_metadata(reader.metadata) == SourceMeta(
        title="Complaints 2012-2018", author="Met FOI team", published=date(2021, 3, 14)
    )


def test_a_pdf_without_information_states_nothing() -> None:
    assert pdf_metadata(None).is_empty()
    assert pdf_metadata({"/CreationDate": "D:2021", "/Title": "  "}).is_empty()  # a year alone is no date


@pytest.mark.parametrize(
    ("lead", "day"),
    [
        ("Met unit investigates officers\nThursday 18 August 2022 10:32\n\nBody text.", date(2022, 8, 18)),
        ("Headline\nBy A Reporter\nPublished: Aug. 18, 2022\nBody.", date(2022, 8, 18)),
        ("Headline\n18th Aug 2022 • 3 min read\n", date(2022, 8, 18)),
        ("Headline\nUpdated 2022-08-19T05:01:33Z\n", date(2022, 8, 19)),
        ("Headline\nThe unit was set up on 3 January 2022 after a long review of the force's failures to act.", None),
        ("Headline\nas of 18 August.\n", None),
        ("Headline\n31 February 2022\n", None),
    ],
)
def test_a_dateline_is_a_short_leading_line_with_a_full_date(lead: str, day: date | None) -> None:
    assert dateline_date(lead) == day


def test_a_dateline_further_down_is_not_the_articles_date() -> None:
    assert dateline_date("\n".join(["line"] * 10 + ["18 August 2022"])) is None
    assert parse_date("18 August 2022") == date(2022, 8, 18)


def test_none_of_the_shipped_articles_states_a_publication_date() -> None:
    docs, failures = load_corpus(ROOT / "sources")
    assert not failures and len(docs) == 5
    assert {d.id: dateline_date(d.text) for d in docs} == {d.id: None for d in docs}
    assert all(meta.published is None for meta in read_metadata(ROOT / "sources").values())
