"""The scan of a sources folder: links never leave it unless allowed, and every skipped entry says why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import SourceSettings
from assistant.errors import SettingsError
from assistant.sources import scan_folder


def deep_folder(root: Path, levels: int) -> Path:
    """``root/d/d/…/d``; os.makedirs, and shutil.rmtree (pytest's clean-up), recurse once per level."""
    root.mkdir(parents=True, exist_ok=True)
    deep = root
    for _ in range(levels):
        deep = deep / "d"
        deep.mkdir()
    return deep


def remove_deep_folder(root: Path) -> None:
    """Remove a tree like ``deep_folder`` makes (and the files in it), bottom up, without recursion."""
    chain = [root]
    while (chain[-1] / "d").is_dir():
        chain.append(chain[-1] / "d")
    for directory in reversed(chain):
        for entry in directory.iterdir():
            entry.unlink()
        directory.rmdir()


def test_a_link_out_of_the_folder_is_skipped_unless_the_setting_allows_it(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("Elsewhere on disk.", encoding="utf-8")
    folder = tmp_path / "sources"
    folder.mkdir()
    os.symlink(tmp_path / "outside.txt", folder / "link.txt")
    skipped = scan_folder(folder).skipped
    assert [(f.path, "outside the sources folder" in f.reason) for f in skipped] == [("link.txt", True)]
    allowed = scan_folder(folder, SourceSettings(follow_links_outside=True))
    assert [f.id for f in allowed.files] == ["link.txt"] and not allowed.skipped


def test_a_link_inside_the_folder_is_read_like_its_target(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    os.symlink("a.txt", tmp_path / "b.txt")
    assert [f.id for f in scan_folder(tmp_path).files] == ["a.txt", "b.txt"]


def test_a_folder_tree_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    (deep_folder(tmp_path / "tree", 1100) / "bottom.txt").write_text("Found.", encoding="utf-8")
    try:
        assert [f.id for f in scan_folder(tmp_path).files] == ["tree/" + "d/" * 1100 + "bottom.txt"]
    finally:
        remove_deep_folder(tmp_path / "tree")


def test_files_over_the_size_limit_of_their_type_are_skipped_without_being_read(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_bytes(b"x" * 2048)
    (tmp_path / "big.pdf").write_bytes(b"x" * 2048)
    scan = scan_folder(tmp_path, SourceSettings(max_text_bytes=1024))
    assert [f.id for f in scan.files] == ["big.pdf"]
    assert [(f.path, f.reason) for f in scan.skipped] == [
        ("big.md", "2,048 bytes is over the 1,024 bytes limit for .md files (SourceSettings)")
    ]


def test_an_unlistable_folder_is_reported_and_the_rest_scanned(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root lists every folder")
    (tmp_path / "locked").mkdir()
    (tmp_path / "ok.txt").write_text("Text.", encoding="utf-8")
    os.chmod(tmp_path / "locked", 0)
    try:
        scan = scan_folder(tmp_path)
    finally:
        os.chmod(tmp_path / "locked", 0o755)
    assert [f.id for f in scan.files] == ["ok.txt"]
    assert [f.path for f in scan.skipped] == ["locked"]


@pytest.mark.parametrize("field", ["max_text_bytes", "max_pdf_pages", "max_html_depth", "seconds_per_file"])
def test_source_limits_must_be_positive(field: str) -> None:
    with pytest.raises(SettingsError, match=field):
        SourceSettings(**{field: 0})


def test_a_name_that_is_not_utf8_is_skipped_and_reported_with_its_bytes_escaped(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("Named in Latin-1.", encoding="utf-8")
    (tmp_path / os.fsdecode(b"d\xf6cs")).mkdir()
    (tmp_path / os.fsdecode(b"d\xf6cs") / "inner.txt").write_text("Inside a Latin-1 folder.", encoding="utf-8")
    (tmp_path / "caf\u00e9.txt").write_text("Named in UTF-8.", encoding="utf-8")
    scan = scan_folder(tmp_path)
    assert [f.id for f in scan.files] == ["caf\u00e9.txt"]
    assert [(s.path, s.reason) for s in scan.skipped] == [
        ("caf\\xe9.txt", "name is not valid UTF-8: not read (rename it)"),
        ("d\\xf6cs", "name is not valid UTF-8: not read (rename it)"),
    ]
