"""The citations gathered in a session, exported as Markdown and CSV with quote, source, location and offsets."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from assistant.citations import format_citation
from assistant.types import Passage, Quote, SourceRef
from assistant.webapp.export import COLUMNS, CitationRecord, gather, to_csv, to_markdown, write_exports

SOURCE = SourceRef("itv.txt", "Met investigates 600 allegations", "ITV News", "sources/itv.txt")
QUOTE = Quote(
    "It was looking into 625 misconduct allegations, ranging from “inappropriate behaviour”, as of 18 August.", 483, 585
)


def passage(quote: Quote = QUOTE, paragraph: int = 6) -> Passage:
    return Passage(1, 0.03, 0.61, SOURCE, None, paragraph, quote.text, quote.start, quote.end, quote)


def test_a_record_carries_the_same_citation_the_cli_prints() -> None:
    record = CitationRecord.from_passage(passage(), "How many allegations?")
    assert record.citation == format_citation(passage())
    assert record.citation.endswith("” — Met investigates 600 allegations (ITV News), para 6")
    assert (record.start, record.end, record.location, record.question) == (483, 585, "para 6", "How many allegations?")


def test_gathering_the_same_span_twice_keeps_one() -> None:
    record = CitationRecord.from_passage(passage())
    assert gather(gather((), record), record) == (record,)


def test_csv_round_trips_commas_quotes_and_line_breaks() -> None:
    tricky = Quote('He said, "no",\nthen left.', 10, 36)
    records = (CitationRecord.from_passage(passage()), CitationRecord.from_passage(passage(tricky, 2), "q, with comma"))
    rows = list(csv.DictReader(io.StringIO(to_csv(records))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1]["quote"] == 'He said, "no",\nthen left.'
    assert rows[1]["question"] == "q, with comma"
    assert (rows[0]["publisher"], rows[0]["location"], rows[0]["start"], rows[0]["end"]) == (
        "ITV News",
        "para 6",
        "483",
        "585",
    )


def test_markdown_lists_each_citation_with_where_to_find_it() -> None:
    tricky = Quote("First line\nsecond line", 0, 22)
    text = to_markdown((CitationRecord.from_passage(passage(tricky, 1), "Who?"),))
    assert "1. “First line second line” — Met investigates 600 allegations (ITV News), para 1" in text
    assert "Source: sources/itv.txt (`itv.txt`), characters 0–22" in text
    assert "Question: Who?" in text


def test_an_empty_session_exports_a_header_and_a_note() -> None:
    assert to_csv(()).strip() == ",".join(COLUMNS)
    assert "No citations gathered yet." in to_markdown(())


def test_files_are_written_as_utf8_for_spreadsheets(tmp_path: Path) -> None:
    markdown, table = write_exports((CitationRecord.from_passage(passage()),), tmp_path / "out")
    assert table.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM that makes spreadsheets read UTF-8
    assert "“inappropriate behaviour”" in table.read_text(encoding="utf-8-sig")
    assert markdown.read_text(encoding="utf-8").startswith("# Citations")


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(dangerous: str) -> None:
    quote = Quote(dangerous, 0, len(dangerous))
    record = CitationRecord.of(
        SourceRef("x.txt", dangerous, dangerous, "sources/x.txt"), quote, None, 1, question=dangerous
    )
    row = next(csv.DictReader(io.StringIO(to_csv((record,)))))
    for column in ("quote", "title", "publisher", "question"):
        assert row[column] == "'" + dangerous
    assert row["citation"].startswith("“") and row["start"] == "0"  # safe cells are left as they are


def test_a_span_checked_again_at_the_quote_desk_takes_its_verdict_in_place() -> None:
    other = CitationRecord.from_passage(passage(Quote("Another sentence.", 10, 27), 2))
    searched = CitationRecord.from_passage(passage())
    verified = CitationRecord.of(SOURCE, QUOTE, None, 6, verdict="exact")
    gathered = gather(gather(gather((), searched), other), verified)
    assert gathered == (verified, other)
    assert gather(gathered, searched) == gathered  # a verdict is never lost to a later copy without one
