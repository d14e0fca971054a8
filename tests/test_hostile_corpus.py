"""A hostile sources folder, indexed in one build: the good documents are searchable, every bad entry is
reported once with its reason, and nothing raises. The build's report, time and peak memory are printed."""

from __future__ import annotations

import codecs
import io
import logging
import os
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import psutil
import pytest
from test_scan import deep_folder, remove_deep_folder
from test_sources import encrypt, make_pdf

from assistant import Assistant

MIB = 1024 * 1024

# file name -> a word only that document holds
GOOD = {
    "good report.txt": "zephyrine",
    "it's \"quoted\".md": "quillback",
    "line\nbreak.txt": "marigoldia",
    "東京の報告.txt": "kestrelline",
    "Ελληνικά.html": "ptarmigan",
    "cp1252.txt": "brioche",
    "utf16_bom.txt": "lanternfish",
    "deep_1000.html": "wombatry",
    "deep_10000.html": "axolotl",
    "spans_10000.html": "okapiwise",
    "ledger_500_pages.pdf": "quillwort",
    "good.pdf": "gannetry",
    "huge_table.md": "marmotcell",
    "long_line.txt": "narwhalic",
    "alias.txt": "zephyrine",  # a link to "good report.txt" inside the folder
    "nested/" + "d/" * 1100 + "deep tree.txt": "ibexline",
}

# path reported -> a fragment of its reason
BAD = {
    "empty.txt": "empty file",
    "whitespace.txt": "empty file",
    "bom_only.txt": "empty file",
    "binary.txt": "binary content",
    "nul_after_8k.txt": "NUL bytes",
    "only_nul.txt": "NUL bytes",
    "control_chars.txt": "control characters",
    "invalid_utf8.txt": "undecodable text",
    "utf16_no_bom.txt": "UTF-16 text without a byte-order mark",
    "utf16_truncated.txt": "undecodable text",
    "big_50mb.txt": "over the 20.0 MiB limit for .txt files",
    "big_25mb.html": "over the 20.0 MiB limit for .html files",
    "truncated.pdf": "corrupt PDF",
    "encrypted.pdf": "encrypted PDF",
    "image_only.pdf": "no text layer",
    "zip_renamed.pdf": "corrupt PDF",
    "header_only.pdf": "corrupt PDF",
    "random.pdf": "corrupt PDF",
    "deep_30000.html": "nested deeper than 20,000 elements",
    "script_only.html": "no visible text",
    "empty_markup.html": "no visible text",
    "loop_a.txt": "symbolic link loop: loop_a.txt -> loop_b.txt -> loop_a.txt",
    "loop_b.txt": "symbolic link loop: loop_b.txt -> loop_a.txt -> loop_b.txt",
    "self_loop.txt": "symbolic link loop",
    "outside.txt": "outside the sources folder",
    "etc_passwd.txt": "outside the sources folder",
    "dangling.txt": "dangling symbolic link",
    "folder_link": "symbolic link to a folder",
    "x.txt": "a folder named like a .txt file",
    "fifo.txt": "not a regular file (a named pipe)",
    "report.docx": "unsupported file type '.docx'",
    "README": "unsupported file type '(none)'",
    "caf\\xe9 latin-1 name.txt": "name is not valid UTF-8",
}


def nested(tag: str, depth: int, text: str) -> bytes:
    return (f"<html><body>{f'<{tag}>' * depth}{text}{f'</{tag}>' * depth}</body></html>").encode()


def sparse_file(path: Path, size: int) -> None:
    with open(path, "wb") as handle:
        handle.truncate(size)  # no disk or time spent: the scan must refuse it from its size alone


def build_corpus(root: Path) -> Path:
    folder = root / "sources"
    folder.mkdir()
    sentence = "The harbour board met on Tuesday and agreed the plan."
    good_text = {name: f"{sentence} It mentions {word} once.\n" for name, word in GOOD.items()}
    for name in ("good report.txt", "it's \"quoted\".md", "line\nbreak.txt"):
        (folder / name).write_text(good_text[name], encoding="utf-8")
    (folder / "東京の報告.txt").write_text(f"東京の港湾局は計画を承認した。 kestrelline\n{sentence}", encoding="utf-8")
    (folder / "Ελληνικά.html").write_text(f"<title>Λιμάνι</title><p>Το λιμάνι ptarmigan.</p><p>{sentence}</p>", encoding="utf-8")
    (folder / "cp1252.txt").write_bytes(f"Caf\xe9 \u2019brioche\u2019 \u2014 {sentence}".encode("cp1252"))
    (folder / "utf16_bom.txt").write_bytes(codecs.BOM_UTF16_LE + good_text["utf16_bom.txt"].encode("utf-16-le"))
    (folder / "deep_1000.html").write_bytes(nested("div", 1000, "Deep wombatry text."))
    (folder / "deep_10000.html").write_bytes(nested("div", 10_000, "Deeper axolotl text."))
    (folder / "spans_10000.html").write_bytes(nested("span", 10_000, "Inline okapiwise text."))
    (folder / "ledger_500_pages.pdf").write_bytes(make_pdf([f"Ledger page {n} mentions quillwort." for n in range(1, 501)]))
    (folder / "good.pdf").write_bytes(make_pdf([f"{sentence} Gannetry rules."]))
    rows = "\n".join(f"| row {r} | " + " | ".join(f"v{r}x{c}" for c in range(10)) + " |" for r in range(9000))
    (folder / "huge_table.md").write_text(f"| head | marmotcell |\n|---|---|\n{rows}\n", encoding="utf-8")
    (folder / "long_line.txt").write_text("A narwhalic start. " + "a" * (5 * MIB), encoding="utf-8")
    os.symlink("good report.txt", folder / "alias.txt")
    (deep_folder(folder / "nested", 1100) / "deep tree.txt").write_text(f"At the bottom, ibexline. {sentence}", encoding="utf-8")

    (folder / "empty.txt").write_bytes(b"")
    (folder / "whitespace.txt").write_bytes(b" \n\t\r\n   \n")
    (folder / "bom_only.txt").write_bytes(codecs.BOM_UTF8)
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "nul_after_8k.txt").write_bytes(("Plain text. " * 1000).encode() + b"\x00trailer")
    (folder / "only_nul.txt").write_bytes(b"\x00" * 4096)
    (folder / "control_chars.txt").write_bytes(b"text\x01\x02\x03\x04\x05\x06\x07\x08" * 200)
    (folder / "invalid_utf8.txt").write_bytes(b"caf\xc3 and \x81\x8d\x8f\x90\x9d")
    (folder / "utf16_no_bom.txt").write_bytes(good_text["good report.txt"].encode("utf-16-le"))
    (folder / "utf16_truncated.txt").write_bytes(codecs.BOM_UTF16_LE + "\ud83d".encode("utf-16-le", "surrogatepass"))
    sparse_file(folder / "big_50mb.txt", 50 * MIB)
    sparse_file(folder / "big_25mb.html", 25 * MIB)
    good_pdf = (folder / "good.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    (folder / "encrypted.pdf").write_bytes(encrypt(good_pdf))
    (folder / "image_only.pdf").write_bytes(make_pdf(["", ""]))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("doc.txt", "zipped text")
    (folder / "zip_renamed.pdf").write_bytes(archive.getvalue())
    (folder / "header_only.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "random.pdf").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    (folder / "deep_30000.html").write_bytes(nested("div", 30_000, "Too deep."))
    (folder / "script_only.html").write_bytes(b"<html><script>alert(1)</script><style>p{}</style></html>")
    (folder / "empty_markup.html").write_bytes(b"<html><body><div></div></body></html>")
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.symlink("self_loop.txt", folder / "self_loop.txt")
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_text("The secret password is hunter2.", encoding="utf-8")
    os.symlink(root / "outside" / "secret.txt", folder / "outside.txt")
    os.symlink("/etc/passwd", folder / "etc_passwd.txt")
    os.symlink("missing.txt", folder / "dangling.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.txt").write_text(f"Inner notes: {sentence}", encoding="utf-8")
    os.symlink("sub", folder / "folder_link")
    (folder / "x.txt").mkdir()
    (folder / "x.txt" / "inside.txt").write_text("Not read.", encoding="utf-8")
    os.mkfifo(folder / "fifo.txt")
    (folder / "report.docx").write_bytes(b"PK\x03\x04")
    (folder / "README").write_text("no extension", encoding="utf-8")
    (folder / os.fsdecode(b"caf\xe9 latin-1 name.txt")).write_text(f"Named in Latin-1: {sentence}", encoding="utf-8")
    (folder / ".hidden.txt").write_text("Hidden files are left out silently.", encoding="utf-8")
    return folder


class PeakRss:
    """The process's peak resident memory while the block runs, sampled every 20 ms."""

    def __enter__(self) -> PeakRss:
        self._process = psutil.Process()
        self.start = self.peak = self._process.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def test_a_hostile_folder_indexes_its_good_documents_and_reports_each_bad_entry_once(
    tmp_path: Path, fake_embedder, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    folder = build_corpus(tmp_path)
    try:
        check_hostile_build(folder, tmp_path / "index", fake_embedder, caplog, capsys)
    finally:
        remove_deep_folder(folder / "nested")


def check_hostile_build(folder: Path, index: Path, fake_embedder, caplog, capsys) -> None:  # type: ignore[no-untyped-def]
    entries = len(GOOD) + len(BAD) + 1  # and sub/inner.txt
    assert entries >= 40
    assistant = Assistant(sources_dir=folder, index_dir=index, embedder=fake_embedder)

    caplog.set_level(logging.DEBUG, logger="assistant")
    started = time.perf_counter()
    with PeakRss() as memory:
        report = assistant.refresh()
    seconds = time.perf_counter() - started

    with capsys.disabled():
        print(f"\nhostile corpus: {entries} entries, {report.documents} documents, {report.chunks} chunks, "
              f"{len(report.failures)} skipped; build {seconds:.1f} s, peak RSS {memory.peak / MIB:.0f} MiB "
              f"(+{(memory.peak - memory.start) / MIB:.0f} MiB over the {memory.start / MIB:.0f} MiB before)")
        for failure in report.failures:
            print(f"  skipped {failure.path!r}: {failure.reason}")

    reported = Counter(failure.path for failure in report.failures)
    assert reported == Counter(list(BAD))  # each bad entry once, nothing else
    reasons = {failure.path: failure.reason for failure in report.failures}
    for path, fragment in BAD.items():
        assert fragment in reasons[path], (path, reasons[path])
    assert "/etc" not in reasons["etc_passwd.txt"] and "secret" not in reasons["outside.txt"]

    indexed = set(assistant.snapshot.documents)
    assert indexed == {*GOOD, "sub/inner.txt"}
    for name, word in GOOD.items():
        results = assistant.search(word, k=3, mode="bm25").results
        # The link and its target hold the same text, so they come back as one result "also in" the other.
        found = {p.source.id for p in results} | {o.source.id for p in results for o in p.also_in}
        assert name in found, (name, word, found)
    assert not assistant.search("hunter2 password", k=3, mode="bm25").results
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or (r.exc_info and r.levelno > logging.DEBUG)]

    long_line = assistant.snapshot.documents["long_line.txt"]
    chunks = [c for c in assistant.snapshot.chunks if c.source_id == "long_line.txt"]
    assert len(chunks) > 1000 and all(long_line.text[c.start : c.end] == c.text for c in chunks)


def test_a_second_build_over_the_same_hostile_folder_changes_nothing_and_reports_the_same(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "good.txt").write_text("The harbour board met.", encoding="utf-8")
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.mkfifo(folder / "fifo.txt")
    (folder / "empty.txt").write_bytes(b"")
    assistant = Assistant(sources_dir=folder, index_dir=tmp_path / "index", embedder=fake_embedder)
    first = assistant.refresh()
    second = Assistant(sources_dir=folder, index_dir=tmp_path / "index", embedder=fake_embedder).refresh()
    assert first.changed and not second.changed
    assert sorted(f.path for f in second.failures) == sorted(f.path for f in first.failures) == [
        "empty.txt", "fifo.txt", "loop_a.txt", "loop_b.txt"
    ]
