"""The manifest is typed, written by one function, and reads back what it wrote (and what older builds wrote)."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.manifest import FailureEntry, Manifest, ModelInfo, SourceEntry, new_manifest


def _manifest() -> Manifest:
    source = SourceEntry("ab" * 32, "ab:cd", 120, "Title", None, "sources/a.txt", 3, "2026-01-01T00:00:00+00:00", (120, 5))
    failure = FailureEntry("sources/bad.pdf", "empty file", "bad.pdf", "ef:01", (0, 7))
    return new_manifest(Settings(), ModelInfo("m", 8, 254), {"a.txt": source}, [failure, FailureEntry("x", "unreadable")], scanned_ns=9)


def test_a_manifest_reads_back_equal_from_its_json() -> None:
    manifest = _manifest()
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_the_json_keeps_the_index_format_keys_and_leaves_out_what_a_source_does_not_have() -> None:
    data = _manifest().to_json()
    assert data["sources"]["a.txt"]["stat"] == [120, 5]
    assert data["failures"][1] == {"path": "x", "reason": "unreadable"}
    assert data["chunker"] == {"encoding": "cl100k_base", "max_tokens": 128, "overlap_tokens": 32, "unit": "window"}
    assert data["fingerprint"] == Settings().fingerprint_hash("m", 254)
    assert "vectors_sha256" not in data and data["dense"] == {"index": "flat"}


def test_a_manifest_without_an_optional_entry_reads_with_its_default() -> None:
    data = _manifest().to_json()
    del data["dense"], data["scanned_ns"], data["failures"]
    manifest = Manifest.from_json(data)
    assert (manifest.dense, manifest.scanned_ns, manifest.failures) == ({"index": "flat"}, 0, ())


def test_a_manifest_missing_a_required_field_is_refused() -> None:
    data = _manifest().to_json()
    del data["fingerprint"]
    with pytest.raises(KeyError, match="fingerprint"):
        Manifest.from_json(data)


def test_a_failure_to_retry_reads_back_as_one_and_the_others_keep_their_json() -> None:
    timed_out = FailureEntry("slow.pdf", "took longer than the 120 s limit …; it will be tried again", "slow.pdf", "ab:01", (3, 4), True)
    manifest = new_manifest(Settings(), ModelInfo("m", 8, 254), {}, [timed_out, FailureEntry("x", "unreadable")])
    data = manifest.to_json()
    assert data["failures"][0]["retry"] is True and "retry" not in data["failures"][1]
    assert Manifest.from_json(data) == manifest


def test_a_file_an_older_build_recorded_as_out_of_time_is_read_as_one_to_retry() -> None:
    data = _manifest().to_json()
    data["failures"].append(
        {"path": "slow.pdf", "reason": "took longer than the 120 s limit per file (SourceSettings.seconds_per_file)",
         "source_id": "slow.pdf", "key": "ab:01", "stat": [3, 4]}
    )  # fmt: skip
    assert [f.retry for f in Manifest.from_json(data).failures] == [False, False, True]
