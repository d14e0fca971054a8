"""The app in a real browser: ask and see the quote, copy and export citations, read the source,
upload files, and show a hostile document as text. Screenshots land in tests/screenshots/
(git-ignored; ASSISTANT_UPDATE_SCREENSHOTS=1 writes the README's copies in docs/screenshots/)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'


def ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    """Type a question, send it, and wait for its answer to appear."""
    turns = page.locator("#conversation section.turn")
    before = turns.count()
    page.fill("#question textarea", question)
    page.click("#ask-button")
    page.wait_for_function("n => document.querySelectorAll('#conversation section.turn').length > n", arg=before)


def last_turn(page):  # type: ignore[no-untyped-def]
    return page.locator("#conversation section.turn").last


def test_a_question_shows_ranked_cards_with_the_right_quote_highlighted(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    ask(page, "How many allegations is the unit investigating?")
    first = last_turn(page).locator("article.card").first
    assert "625" in first.locator("mark.quote").inner_text()
    header = first.locator("header").inner_text()
    assert "para" in header and "score" not in header  # raw scores sit behind the card's Details toggle
    first.locator("details.scores summary").click()
    assert "rank score" in first.locator("details.scores").inner_text()
    assert last_turn(page).locator("article.card").count() == 5
    page.screenshot(path=str(screenshots / "ask.png"))
    assert page.page_errors == []


def test_copy_gathers_a_ready_to_paste_citation_that_exports_as_markdown_and_csv(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    ask(page, "How many allegations is the unit investigating?")
    copy = last_turn(page).locator("article.card").first.locator("button.copy")
    expected = copy.get_attribute("data-cite")
    quote = last_turn(page).locator("article.card").first.locator("mark.quote").inner_text()
    copy.click()
    page.wait_for_function("b => b.textContent.startsWith('Copied')", arg=copy.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert expected.startswith(f"“{quote}” — ") and ", para " in expected

    page.click("#tab-citations-button")
    page.locator("#citations ol.citations li").wait_for()
    assert page.locator("#citations ol.citations li").count() == 1
    shown = page.locator("#citations ol.citations li .cite").inner_text()
    assert shown.startswith(f"“{quote}” — ") and ", para " in shown  # in the style chosen (house by default)
    page.screenshot(path=str(screenshots / "citations.png"))
    with page.expect_download() as markdown:
        page.click("#download-md")
    assert shown in Path(markdown.value.path()).read_text(encoding="utf-8")
    with page.expect_download() as table:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(table.value.path()).read_text(encoding="utf-8-sig"))))
    assert [r["quote"] for r in rows] == [quote]
    assert rows[0]["question"] == "How many allegations is the unit investigating?"


def test_open_in_source_shows_the_document_with_the_quote_marked_and_in_view(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    ask(page, "Who is the new commissioner of the Met?")
    card = last_turn(page).locator("article.card").first
    quote = card.locator("mark.quote").inner_text()
    card.locator("button.open").click()
    page.wait_for_selector("#tab-reader-button[aria-selected='true']")
    mark = page.locator("#reader mark.quote")
    mark.wait_for()
    assert mark.inner_text() == quote
    page.wait_for_function(
        """() => {
            const m = document.querySelector('#reader mark.quote').getBoundingClientRect();
            const box = document.querySelector('#reader .reader-text').getBoundingClientRect();
            return m.top >= box.top && m.bottom <= box.bottom && m.top >= 0 && m.bottom <= window.innerHeight;
        }"""
    )
    page.screenshot(path=str(screenshots / "reader.png"))


def test_an_also_in_source_opens_at_its_own_copy_of_the_quote(page) -> None:  # type: ignore[no-untyped-def]
    ask(page, "What did the commissioner say about getting rid of bad officers?")  # the articles repeat his words
    link = last_turn(page).locator(".also-in button.link").first
    label = link.inner_text()
    link.click()
    page.wait_for_selector("#tab-reader-button[aria-selected='true']")
    page.locator("#reader mark.quote").wait_for()
    assert label.startswith(page.locator("#reader h3.title").inner_text().split(" (")[0])


def test_a_follow_up_is_answered_in_the_context_of_the_chat(page) -> None:  # type: ignore[no-untyped-def]
    ask(page, "Who is the new commissioner of the Met?")
    ask(page, "and what did his predecessor do?")
    turn = last_turn(page)
    assert "searched with the conversation as" in turn.locator(".context").inner_text()
    # Dame Cressida Dick resigned: among the first cards, not necessarily first, since the follow-up carries the
    # previous turn's subject ("new commissioner Met"), whose own answer can rank first (eval/follow-ups.md measures it).
    assert "Dick" in " ".join(turn.locator("article.card").nth(i).inner_text() for i in range(3))


def test_a_question_the_sources_do_not_answer_says_so_and_marks_the_nearest_as_weak(page) -> None:  # type: ignore[no-untyped-def]
    ask(page, "What is the capital of France?")
    turn = last_turn(page)
    assert "No passage in the sources answers this closely." in turn.locator(".abstain").inner_text()
    assert turn.locator("article.card.weak").count() == turn.locator("article.card").count() > 0


def test_an_uploaded_file_is_indexed_and_found_and_a_bad_one_is_refused(
    page, served, tmp_path: Path, screenshots: Path
) -> None:  # type: ignore[no-untyped-def]
    _, assistant = served
    good = tmp_path / "harbour report.txt"
    good.write_text(
        "Harbour safety review\nThe harbour master logged 37 near misses involving pleasure boats last summer.",
        encoding="utf-8",
    )
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00binary")
    page.click("#tab-sources-button")
    page.set_input_files("#upload input[type=file]", [str(good), str(bad)])
    status = page.locator("#upload-status")
    status.locator(".ok").wait_for(timeout=60_000)
    assert "Added harbour_report.txt" in status.inner_text()
    assert "Refused tool.exe: unsupported file type '.exe'" in status.inner_text()
    assert "Harbour safety review" in page.locator("#sources-table table.sources").inner_text()
    assert not (assistant.sources_dir / "tool.exe").exists()
    page.screenshot(path=str(screenshots / "sources.png"), full_page=True)

    page.click("#tab-ask-button")
    ask(page, "How many near misses did the harbour master log?")
    first = last_turn(page).locator("article.card").first
    assert "Harbour safety review" in first.locator("header").inner_text()
    assert "37 near misses" in first.locator("mark.quote").inner_text()


def test_a_hostile_document_and_question_are_shown_as_text_and_run_nothing(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        f"{PAYLOAD} Lighthouse notice\nThe lighthouse keeper reported {PAYLOAD} nine broken lamps on the pier.",
        encoding="utf-8",
    )
    page.click("#tab-sources-button")
    page.set_input_files("#upload input[type=file]", [str(hostile)])
    page.locator("#upload-status .ok").wait_for(timeout=60_000)
    assert PAYLOAD in page.locator("#sources-table").inner_text()  # the title, shown as text

    page.click("#tab-ask-button")
    ask(page, f"How many broken lamps did the lighthouse keeper report? {PAYLOAD}")
    turn = last_turn(page)
    assert PAYLOAD in turn.locator(".question").inner_text()
    card = turn.locator("article.card").first
    assert PAYLOAD in card.inner_text()
    card.locator("button.copy").click()
    card.locator("button.open").click()
    page.locator("#reader mark.quote").wait_for()
    assert PAYLOAD in page.locator("#reader .reader-text").inner_text()
    page.click("#tab-citations-button")
    page.locator("#citations ol.citations").wait_for()
    assert PAYLOAD in page.locator("#citations").inner_text()

    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("#conversation img, #reader img, #citations img, #sources-table img").count() == 0
    assert page.page_errors == []
