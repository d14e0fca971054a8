"""Each file's work is bounded in time and depth, and whatever it raises stops that file only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_sources import make_pdf

from assistant import Assistant, Settings
from assistant import sources as sources_module
from assistant.config import SourceSettings
from assistant.errors import LoadError
from assistant.sources import limits, load_document


def nested_html(depth: int) -> bytes:
    return ("<div>" * depth + "Deep text." + "</div>" * depth).encode()


def test_html_deeper_than_the_setting_is_refused_by_name_and_shallower_loads() -> None:
    limits = SourceSettings(max_html_depth=50)
    assert load_document(Path("ok.html"), "ok.html", data=nested_html(50), limits=limits).text == "Deep text."
    with pytest.raises(LoadError, match="nested deeper than 50 elements"):
        load_document(Path("deep.html"), "deep.html", data=nested_html(51), limits=limits)


def test_a_file_over_its_time_budget_is_stopped_with_the_limit_named() -> None:
    pdf = make_pdf([f"Page {n}." for n in range(5)])
    with pytest.raises(LoadError, match=r"took longer than the 1e-09 s limit per file"):
        load_document(Path("slow.pdf"), "slow.pdf", data=pdf, limits=SourceSettings(seconds_per_file=1e-9))


def test_a_pdf_over_the_page_limit_is_refused() -> None:
    with pytest.raises(LoadError, match="3 pages is over the 2 page limit"):
        load_document(Path("long.pdf"), "long.pdf", data=make_pdf(["a", "b", "c"]), limits=SourceSettings(max_pdf_pages=2))


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (RecursionError("maximum recursion depth exceeded"), "too deeply nested to read (the parser ran out of stack)"),
        (MemoryError(), "too large to read in the memory available"),
        (KeyError("bad"), "could not be read (KeyError: 'bad')"),
    ],
)
def test_any_error_inside_a_parser_is_that_files_failure_and_the_build_goes_on(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch, raised: Exception, reason: str  # type: ignore[no-untyped-def]
) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "page.html").write_bytes(b"<p>Broken parser.</p>")
    (folder / "note.txt").write_text("The harbour board met.", encoding="utf-8")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise raised

    monkeypatch.setattr(sources_module, "load_html", broken)
    report = Assistant(sources_dir=folder, index_dir=tmp_path / "index", embedder=fake_embedder).refresh()
    assert report.documents == 1 and [(f.path, f.reason) for f in report.failures] == [("page.html", reason)]


def test_a_chunking_run_over_the_time_budget_is_reported_for_that_file(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "run.txt").write_text("a" * 100_000, encoding="utf-8")
    settings = Settings(sources=SourceSettings(seconds_per_file=1e-9))
    assistant = Assistant(sources_dir=folder, index_dir=tmp_path / "index", embedder=fake_embedder, settings=settings)
    report = assistant.refresh()
    assert report.documents == 0 and "took longer than" in report.failures[0].reason


def test_a_file_refused_under_one_limit_is_read_again_when_the_limit_changes(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "deep.html").write_bytes(nested_html(60))
    (folder / "note.txt").write_text("The harbour board met.", encoding="utf-8")

    def build(depth: int):  # type: ignore[no-untyped-def]
        settings = Settings(sources=SourceSettings(max_html_depth=depth))
        return Assistant(sources_dir=folder, index_dir=tmp_path / "index", embedder=fake_embedder, settings=settings).refresh()

    assert [f.path for f in build(50).failures] == ["deep.html"]
    assert [f.path for f in build(50).failures] == ["deep.html"]
    raised = build(100)
    assert raised.failures == () and raised.documents == 2


def test_loading_the_model_is_not_charged_to_the_first_files_time_budget(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in ("first.txt", "second.txt"):
        (folder / name).write_text("\n\n".join(f"The harbour board met on day {n}." for n in range(300)), encoding="utf-8")
    clock = [0.0]
    monkeypatch.setattr(limits.time, "monotonic", lambda: clock[0])
    count = fake_embedder.count_tokens

    def loads_the_model_first(text: str) -> int:
        if not getattr(loads_the_model_first, "loaded", False):
            loads_the_model_first.loaded = True  # type: ignore[attr-defined]
            clock[0] += 1_000  # the model's load, far past any file's budget
        return count(text)

    monkeypatch.setattr(fake_embedder, "count_tokens", loads_the_model_first)
    settings = Settings(sources=SourceSettings(seconds_per_file=60))
    report = Assistant(sources_dir=folder, index_dir=tmp_path / "index", embedder=fake_embedder, settings=settings).refresh()
    assert report.failures == () and report.documents == 2


class SlowOnceCorpus:
    """A folder where ``slow.txt`` runs past its 60 s budget while ``busy`` (a fake clock jumps as it is read)
    and ``broken.html`` fails by its content every time; ``reads`` names each file a loader is given."""

    def __init__(self, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
        self.folder = tmp_path / "sources"
        self.folder.mkdir()
        (self.folder / "slow.txt").write_text("The harbour board met at dawn. It voted twice.", encoding="utf-8")
        (self.folder / "broken.html").write_bytes(b"<p>Broken parser.</p>")
        (self.folder / "note.txt").write_text("The ferry left at noon.", encoding="utf-8")
        self.index = tmp_path / "index"
        self.embedder = embedder
        self.busy = True
        self.reads: list[str] = []
        clock = [0.0]
        monkeypatch.setattr(limits.time, "monotonic", lambda: clock[0])
        load_text = sources_module.load_text

        def text(shown: str, data: bytes) -> tuple[str, str]:
            self.reads.append(Path(shown).name)
            if self.busy and shown.endswith("slow.txt"):
                clock[0] += 1_000
            return load_text(shown, data)

        def broken(shown: str, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.reads.append(Path(shown).name)
            raise KeyError("bad")

        monkeypatch.setattr(sources_module, "load_text", text)
        monkeypatch.setattr(sources_module, "load_html", broken)

    settings = Settings(sources=SourceSettings(seconds_per_file=60))

    def assistant(self) -> Assistant:
        """A new Assistant on the same folder and index, as the next process would open them."""
        return Assistant(sources_dir=self.folder, index_dir=self.index, embedder=self.embedder, settings=self.settings)


TIMED_OUT = "took longer than the 60 s limit per file (SourceSettings.seconds_per_file); it will be tried again on the next build"


def test_a_file_that_runs_out_of_time_again_on_its_retry_is_kept_as_failed_until_it_changes(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    corpus = SlowOnceCorpus(tmp_path, fake_embedder, monkeypatch)
    corpus.assistant().refresh()
    corpus.reads = []
    retried = corpus.assistant().refresh()
    assert corpus.reads == ["slow.txt"]  # the broken file is not read again
    assert {f.path: f.reason for f in retried.failures}["slow.txt"] == (
        "took longer than the 60 s limit per file (SourceSettings.seconds_per_file) twice in a row;"
        " it will be tried again when it changes"
    )

    corpus.reads = []
    corpus.busy = False
    third = corpus.assistant().refresh()
    assert not third.changed and corpus.reads == []  # neither failed file is read again
    (corpus.folder / "slow.txt").write_text("The harbour board met at noon.", encoding="utf-8")
    assert corpus.assistant().refresh().added == ("slow.txt",)


def test_a_file_an_older_index_lists_as_timed_out_is_tried_again(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    corpus = SlowOnceCorpus(tmp_path, fake_embedder, monkeypatch)
    corpus.assistant().refresh()
    # Rewritten as builds before retries recorded it: with its key, no retry flag, the reason without the promise.
    manifest_file = corpus.index / "snapshots" / (corpus.index / "CURRENT").read_text(encoding="utf-8").strip() / "manifest.json"
    data = json.loads(manifest_file.read_text(encoding="utf-8"))
    for failure in data["failures"]:
        if failure["path"] == "slow.txt":
            assert failure.pop("retry") is True and failure["key"]
            failure["reason"] = "took longer than the 60 s limit per file (SourceSettings.seconds_per_file)"
    manifest_file.write_text(json.dumps(data), encoding="utf-8")

    corpus.busy = False
    assert corpus.assistant().refresh().added == ("slow.txt",)
