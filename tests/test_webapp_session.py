"""A session survives a reload: it is stored in the browser as JSON and read back equal, one per signed-in user;
the Citations tab removes, reorders and clears; citations come in the style chosen, with the source's metadata."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.service import SourceMeta, check_filter
from assistant.webapp import citations_tab
from assistant.webapp.export import CitationRecord, to_csv
from assistant.webapp.plain import from_plain, to_plain
from assistant.webapp.saved import VERSION, restored, secret_for, stored
from assistant.webapp.session import Preferences, Session, Turn

TEXTS = {
    "itv.txt": "Met officers face 625 misconduct allegations.\nThe unit was formed in January.",
    "bbc.txt": "Inside the new Met police unit.\nIts caseload has grown to 625 allegations.",
}
METADATA = '["itv.txt"]\npublisher = "ITV News"\npublished = 2022-08-18\nauthor = "A. Reporter"\nurl = "https://example.org/itv"\n'


@pytest.fixture
def assistant(assistant_over) -> Assistant:  # type: ignore[no-untyped-def]
    return assistant_over(TEXTS, METADATA)


def a_session(assistant: Assistant) -> Session:
    where = check_filter("2022-01-01", "", ["ITV News"])
    result = assistant.ask("How many allegations?", where=where, order="date")
    turn = Turn("How many allegations?", result, extra="<p>figures</p>", k=5, where=where, order="date")
    record = turn.quoted(1).record().described(assistant.metadata()["itv.txt"], date(2026, 11, 30))
    chosen = Preferences(k=7, mode="bm25", published_from="2022-01-01", publishers=("ITV News",), style="full")
    return Session(turns=(turn, Turn("Why?", error="No passage.")), citations=(record,), preferences=chosen)


def test_a_session_goes_through_json_and_comes_back_equal(assistant: Assistant) -> None:
    session = a_session(assistant)
    assert session.turns[0].result is not None and session.turns[0].result.results
    text = json.dumps(to_plain(session))  # what the browser keeps
    assert from_plain(Session, json.loads(text)) == session


def test_each_signed_in_user_gets_back_only_their_own_session(assistant: Assistant) -> None:
    alices = a_session(assistant)
    kept = stored(stored({}, "alice", alices), "bob", Session(preferences=Preferences(k=3)))
    assert restored(kept, "alice") == alices
    assert restored(kept, "bob").preferences.k == 3
    assert restored(kept, "carol") == Session()


def test_a_stored_session_of_another_version_or_shape_starts_afresh(assistant: Assistant) -> None:
    kept = stored({}, "", a_session(assistant))
    assert restored({**kept, "version": VERSION + 1}, "") == Session()
    broken = {"version": VERSION, "users": {"": {"turns": [{"question": 7}]}}}
    assert restored(broken, "") == Session()
    assert restored("not a session", "") == Session()


def test_the_secret_is_made_once_and_kept_in_the_index_folder(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_SESSION_SECRET", raising=False)
    first = secret_for(assistant)
    assert first == secret_for(assistant) and len(first) >= 32
    assert (assistant.store.folder / "session-secret").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("ASSISTANT_SESSION_SECRET", "from-the-environment")
    assert secret_for(assistant) == "from-the-environment"


def test_an_answer_records_the_mode_count_filter_and_order_that_produced_it(assistant: Assistant) -> None:
    turn = a_session(assistant).turns[0]
    assert turn.produced_by == "hybrid · 5 passages · published 2022-01-01 to any date, by ITV News · newest source first"
    assert Turn("Why?", error="No passage.").produced_by == ""


def records(n: int) -> tuple[CitationRecord, ...]:
    return tuple(CitationRecord(f"quote {i}", "T", None, "para 1", f"{i}.txt", f"sources/{i}.txt", 0, 7, "") for i in range(n))


def test_a_citation_is_removed_or_moved_by_its_buttons_and_nothing_else() -> None:
    session = Session(citations=records(3))
    order = lambda s: [r.source for r in s.citations]  # noqa: E731
    assert order(citations_tab.acted(session, "cite-up:1")) == ["1.txt", "0.txt", "2.txt"]
    assert order(citations_tab.acted(session, "cite-down:1")) == ["0.txt", "2.txt", "1.txt"]
    assert order(citations_tab.acted(session, "cite-remove:0")) == ["1.txt", "2.txt"]
    for ignored in ("cite-up:0", "cite-down:2", "cite-remove:3", "cite-remove:-1", "open:0:1:-1", None):
        assert citations_tab.acted(session, ignored) == session


def test_the_list_counts_the_citations_and_offers_up_down_and_remove_except_past_the_ends() -> None:
    html = citations_tab.citations_html(records(2))
    assert "2 citations gathered" in html
    assert 'data-action="cite-up:0" disabled' in html and 'data-action="cite-down:1" disabled' in html
    assert 'data-action="cite-down:0">' in html and 'data-action="cite-remove:1">' in html


def test_a_gathered_citation_carries_the_source_metadata_and_exports_in_the_style_chosen(assistant: Assistant) -> None:
    record = a_session(assistant).citations[0]
    assert (record.author, record.published, record.url, record.accessed) == (
        "A. Reporter", "2022-08-18", "https://example.org/itv", "2026-11-30",
    )  # fmt: skip
    house = record.in_style("house").citation
    full = record.in_style("full").citation
    assert house == f"“{record.quote}” — ITV News, 18 Aug 2022, {record.location}"
    assert full.endswith(f"ITV News, 18 August 2022, {record.location}. https://example.org/itv (accessed 30 November 2026)")
    assert full.startswith(f"“{record.quote}” — A. Reporter, “")
    rows = list(csv.DictReader(io.StringIO(to_csv((record.in_style("full"),)))))
    assert rows[0]["citation"] == full and rows[0]["published"] == "2022-08-18"
    assert full in citations_tab.citations_html((record,), "full")


def test_a_source_without_metadata_is_cited_by_its_indexed_title() -> None:
    record = CitationRecord("q", "A long title", None, "para 2", "a.txt", "sources/a.txt", 0, 1, "").described(SourceMeta())
    assert record.in_style("house").citation == "“q” — A long title, para 2"
