"""Behaviour both stores must share: each test runs on the files store and on PostgreSQL (``store_url``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import AssistantError
from test_file_boundary import TIMED_OUT, SlowOnceCorpus

from .conftest import make_assistant

CHILD = Path(__file__).with_name("child.py")
QUESTIONS = (
    "How many allegations is the unit investigating?",
    "Which officers were dismissed?",
    "domestic abuse",
)
NEW_TEXT = "The zygomorphic lighthouse keeper counted forty-two herons on the quay at dawn.\n"


def _child(command: str, sources: Path, store_url: str | None, index_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), command, str(sources), store_url or "", str(index_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )


def test_reindex_embeds_only_what_changed_and_drops_deleted_sources(
    sources: Path, store_url: str | None, tmp_path: Path, fake_embedder
) -> None:
    assistant = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    first = assistant.refresh()
    assert first.changed and first.documents == 5
    fake_embedder.calls.clear()
    assert assistant.refresh().reason == "unchanged" and fake_embedder.calls == []

    changed = sorted(sources.iterdir())[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n" + NEW_TEXT, encoding="utf-8")
    sorted(sources.iterdir())[0].unlink()
    report = assistant.refresh()
    assert report.updated == (changed.name,) and len(report.removed) == 1
    assert 0 < report.embedded_chunks < first.chunks // 2
    rows = [row for row, c in assistant.snapshot.chunk_rows() if c.source_id == changed.name]
    text = assistant.snapshot.documents[changed.name].text
    sentences = {text[s:e] for stored in assistant.snapshot.sentences(rows) for s, e in stored.spans}
    assert set(fake_embedder.calls) <= {assistant.snapshot.chunks[r].text for r in rows} | sentences  # only its text
    assert len(assistant.sources()) == 4
    assert assistant.search("zygomorphic herons", k=1).results[0].source.id == changed.name


def test_every_quote_and_passage_stands_verbatim_in_its_document(
    sources: Path, store_url: str | None, tmp_path: Path, fake_embedder
) -> None:
    assistant = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    for question in QUESTIONS:
        for mode in ("hybrid", "dense", "bm25"):
            for passage in assistant.search(question, k=5, mode=mode).results:
                text = assistant.document(passage.source.id).text
                assert text[passage.start : passage.end] == passage.text
                assert text[passage.quote.start : passage.quote.end] == passage.quote.text
                assert passage.start <= passage.quote.start < passage.quote.end <= passage.end


def test_a_source_filter_returns_that_source_only(sources: Path, store_url: str | None, tmp_path: Path, fake_embedder) -> None:
    assistant = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    wanted = sorted(p.name for p in sources.iterdir())[3]
    for mode in ("hybrid", "dense", "bm25"):
        results = assistant.search(QUESTIONS[0], k=5, sources=[wanted], mode=mode).results
        assert results and {p.source.id for p in results} == {wanted}
    with pytest.raises(AssistantError, match="unknown source"):
        assistant.search(QUESTIONS[0], sources=["no-such-file.txt"])


def test_an_added_source_is_searchable_as_soon_as_the_refresh_returns(
    sources: Path, store_url: str | None, tmp_path: Path, fake_embedder
) -> None:
    assistant = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    (sources / "upload.txt").write_text(NEW_TEXT, encoding="utf-8")
    assert assistant.refresh().added == ("upload.txt",)
    best = assistant.search("How many herons did the lighthouse keeper count?", k=1).results[0]
    assert best.source.id == "upload.txt" and "forty-two herons" in best.quote.text


def test_a_second_process_sees_a_source_the_first_one_added_without_a_restart(
    sources: Path, store_url: str | None, tmp_path: Path, fake_embedder
) -> None:
    reader = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    reader.refresh()
    assert reader.search("lighthouse herons", k=1, mode="bm25").results == ()
    (sources / "upload.txt").write_text(NEW_TEXT, encoding="utf-8")
    writer = _child("refresh", sources, store_url, tmp_path / "index")
    out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    assert "added=upload.txt" in out
    assert reader.search("lighthouse herons", k=1, mode="bm25").results[0].source.id == "upload.txt"


def test_a_build_killed_mid_publish_leaves_the_previous_version_live_and_a_later_build_completes(
    sources: Path, store_url: str | None, tmp_path: Path, fake_embedder
) -> None:
    assistant = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    before = [(p.source.id, p.start, p.end) for p in assistant.search(QUESTIONS[0], k=5).results]
    (sources / "upload.txt").write_text(NEW_TEXT, encoding="utf-8")
    build = _child("hang-in-publish", sources, store_url, tmp_path / "index")
    try:
        assert build.stdout is not None and build.stdout.readline().strip() == "PUBLISHING"
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=60)

    fresh = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assert "upload.txt" not in {s.id for s in fresh.sources()}
    assert [(p.source.id, p.start, p.end) for p in fresh.search(QUESTIONS[0], k=5).results] == before
    assert fresh.refresh().added == ("upload.txt",)
    assert fresh.search("lighthouse herons", k=1, mode="bm25").results[0].source.id == "upload.txt"


HOSTILE_NAME = "o'brien\"; DROP TABLE assistant.chunks; -- %s %(version)s {0}.txt"
HOSTILE_QUESTIONS = (
    "'; DROP TABLE assistant.documents; --",
    "%(version)s %s {terms} \\x00 $1 ::vector",
    "Robert'); SELECT pg_sleep(10); -- herons",
)


def test_hostile_source_names_and_questions_are_plain_data(
    sources: Path, store_url: str | None, tmp_path: Path, fake_embedder
) -> None:
    (sources / HOSTILE_NAME).write_text(NEW_TEXT, encoding="utf-8")
    assistant = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assert HOSTILE_NAME in assistant.refresh().added
    for question in HOSTILE_QUESTIONS:
        for mode in ("hybrid", "bm25"):
            assistant.search(question, k=3, mode=mode)
    found = assistant.search("herons lighthouse", k=2, sources=[HOSTILE_NAME]).results
    assert [p.source.id for p in found] == [HOSTILE_NAME]
    again = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assert again.refresh().reason == "unchanged" and len(again.sources()) == 6


def test_a_passage_repeated_in_another_source_is_one_result_with_also_in(
    sources: Path, store_url: str | None, tmp_path: Path, fake_embedder
) -> None:
    line = next(l for l in (sources / "000_b4efa6d47b194183.txt").read_text(encoding="utf-8").splitlines() if "625" in l)
    (sources / "syndicated.txt").write_text(f"Syndicated copy\n\n{line}\n", encoding="utf-8")
    assistant = make_assistant(sources, store_url, tmp_path / "index", fake_embedder)
    assistant.refresh()
    results = assistant.search("Since the Unit was formed allegations of abuse against officers has climbed to 625", k=5).results
    holding = [p for p in results if "climbed to 625" in p.quote.text]
    assert len(holding) == 1
    assert {holding[0].source.id, *(o.source.id for o in holding[0].also_in)} >= {"000_b4efa6d47b194183.txt", "syndicated.txt"}


def test_a_file_that_ran_out_of_time_is_tried_again_by_the_next_build_and_a_broken_one_is_not_reread(
    store_url: str | None, tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = SlowOnceCorpus(tmp_path, fake_embedder, monkeypatch)

    def reopened():  # type: ignore[no-untyped-def]
        """The store as the next process opens it: what the index recorded decides what is read."""
        return make_assistant(corpus.folder, store_url, corpus.index, fake_embedder, settings=corpus.settings)

    first = reopened().refresh()
    assert {f.path: f.reason for f in first.failures} == {"broken.html": "could not be read (KeyError: 'bad')", "slow.txt": TIMED_OUT}
    assert first.documents == 1 and {f.path: f.retry for f in first.failures} == {"broken.html": False, "slow.txt": True}

    corpus.busy, corpus.reads = False, []
    assistant = reopened()
    second = assistant.refresh()
    assert second.changed and second.added == ("slow.txt",) and corpus.reads == ["slow.txt"]
    assert [f.path for f in second.failures] == ["broken.html"] and [f.path for f in assistant.failures()] == ["sources/broken.html"]
    assert assistant.search("harbour board", k=1).results[0].source.id == "slow.txt"

    corpus.reads = []
    assert reopened().refresh().reason == "unchanged" and corpus.reads == []
