"""Uploads are checked (type, size, readable text), given a safe name, and saved without touching anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from assistant.errors import UploadError
from assistant.sources.uploads import safe_name, save_upload


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\Notes.TXT", "Notes.txt"),
        ("/abs/path/brief.md", "brief.md"),
        (".hidden.md", "hidden.md"),
        ("...", "upload"),
        ("my report (final) v2.html", "my_report_final_v2.html"),
        ("Übersicht 2026.pdf", "Übersicht_2026.pdf"),
        ("a\x00b<script>.txt", "a_b_script.txt"),
        ("x" * 300 + ".txt", "x" * 80 + ".txt"),
    ],
)
def test_names_lose_folders_and_unsafe_characters(name: str, safe: str) -> None:
    assert safe_name(name) == safe


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "existing.txt").write_text("The unit investigates 625 allegations.", encoding="utf-8")
    return folder


def upload(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def test_a_good_file_is_saved_under_its_safe_name(tmp_path: Path, sources: Path) -> None:
    saved = save_upload(
        upload(tmp_path, "brief.md", b"# Brief\n\nThe watchdog graded call handling."), "../brief.md", sources
    )
    assert saved == sources / "brief.md"
    assert saved.read_bytes() == b"# Brief\n\nThe watchdog graded call handling."
    assert sorted(p.name for p in sources.iterdir()) == ["brief.md", "existing.txt"]  # no temporary file left


def test_a_pdf_with_text_is_accepted(tmp_path: Path, sources: Path) -> None:
    saved = save_upload(
        upload(tmp_path, "r.pdf", pdf_bytes("Inspectors found 119 claims upheld.")), "Report.PDF", sources
    )
    assert saved.name == "Report.pdf"


def test_a_taken_name_gets_a_number_instead_of_replacing_the_file(tmp_path: Path, sources: Path) -> None:
    saved = save_upload(upload(tmp_path, "existing.txt", b"Different text entirely."), "existing.txt", sources)
    assert saved.name == "existing-2.txt"
    assert (sources / "existing.txt").read_text(encoding="utf-8") == "The unit investigates 625 allegations."


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("tool.exe", b"MZ\x90\x00", "unsupported file type '.exe'"),
        ("noextension", b"text", "unsupported file type '(none)'"),
        ("sources.toml", b"[x]\ntitle='y'", "unsupported file type '.toml'"),
        ("empty.txt", b"", "the file is empty"),
        ("binary.txt", b"\x00\x01\x02\x03" * 100, "binary content"),
        ("broken.pdf", b"%PDF-1.4\nthis is not a pdf", "pdf"),
        ("blank.html", b"<html><script>alert(1)</script></html>", "no visible text"),
        ("same.txt", b"The unit investigates 625 allegations.", "already in the sources as existing.txt"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_saved(
    tmp_path: Path, sources: Path, name: str, data: bytes, reason: str
) -> None:
    before = sorted(p.name for p in sources.iterdir())
    with pytest.raises(UploadError) as refused:
        save_upload(upload(tmp_path, "upload.bin", data), name, sources)
    assert refused.value.name == name
    assert reason.lower() in str(refused.value).lower()
    assert sorted(p.name for p in sources.iterdir()) == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, sources: Path) -> None:
    with pytest.raises(UploadError, match=r"big.txt: the file is 500 B, over the 100 B limit"):
        save_upload(upload(tmp_path, "big.txt", b"word " * 100), "big.txt", sources, max_bytes=100)
    assert not (sources / "big.txt").exists()


def test_the_message_names_the_file_without_its_folders(tmp_path: Path, sources: Path) -> None:
    with pytest.raises(UploadError, match=r"^evil\.sh: unsupported"):
        save_upload(upload(tmp_path, "x", b"#!/bin/sh"), "../../evil.sh", sources)
