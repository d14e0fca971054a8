"""The quote desk in a real browser: verify a quote with a changed number and see it marked, add it to the
citations with its verdict, and read the figures and "reported also by" under an answer. Screenshots land in
tests/screenshots/ (git-ignored; ASSISTANT_UPDATE_SCREENSHOTS=1 writes the README's copies in docs/screenshots/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_browser import PAYLOAD, ask, last_turn

pytestmark = pytest.mark.browser

CHANGED = "…allegations of abuse against officers has climbed to 652."


def verify(page, quote: str) -> None:  # type: ignore[no-untyped-def]
    """Open the quote desk, paste a quote, verify it, and wait for the verdict on it."""
    page.click("#tab-verify-button")
    page.fill("#verify-quote textarea", quote)
    page.click("#verify-button")
    page.wait_for_function(
        "q => (document.querySelector('#verification .checked') || {}).textContent === `Checked: “${q}”`", arg=quote
    )


def settled(page, root: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until Gradio has faded the component back in after an update, so a screenshot shows it as read."""
    page.wait_for_function(
        "r => [...document.querySelectorAll(r + ' .html-container')].every(e => getComputedStyle(e).opacity === '1')",
        arg=root,
    )


def test_a_changed_number_is_altered_marked_and_cited_with_its_verdict(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    verify(page, CHANGED)
    desk = page.locator("#verification")
    assert desk.locator(".verdict").inner_text().startswith("ALTERED")
    changed = desk.locator(".diff .changed.number")
    assert (changed.locator("del").inner_text(), changed.locator("ins").inner_text()) == ("625", "652")
    assert "climbed to 625." in desk.locator("blockquote.source-text").inner_text()  # the source's own text
    settled(page, "#verification")
    page.screenshot(path=str(screenshots / "verify.png"), full_page=True)

    add = desk.locator("button.cite").first
    add.click()
    page.wait_for_function("b => b.textContent.startsWith('Added to citations')", arg=add.element_handle())
    page.click("#tab-citations-button")
    item = page.locator("#citations ol.citations li").last
    item.wait_for()
    assert "has climbed to 625.” — " in item.inner_text()
    assert "altered (similarity 0.98): source “625”, quote “652”" in item.inner_text()
    assert page.page_errors == []


def test_a_verified_place_opens_in_the_reader_at_its_span(page) -> None:  # type: ignore[no-untyped-def]
    verify(page, CHANGED)
    page.locator("#verification button.open").first.click()
    page.wait_for_selector("#tab-reader-button[aria-selected='true']")
    mark = page.locator("#reader mark.quote")
    mark.wait_for()
    assert mark.inner_text() == "allegations of abuse against officers has climbed to 625."


def test_an_empty_quote_gets_a_clear_message_and_nothing_breaks(page) -> None:  # type: ignore[no-untyped-def]
    page.click("#tab-verify-button")
    page.click("#verify-button")
    page.locator("#verification .error").wait_for()
    assert "Paste the quote to verify first." in page.locator("#verification").inner_text()
    assert page.page_errors == []


def test_the_figures_under_an_answer_show_625_with_its_sources_and_open_its_span(page, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    ask(page, "How many allegations is the unit investigating?")
    figures = last_turn(page).locator("section.figures")
    row = figures.locator("tr", has_text="625 allegations")
    assert "source" in row.inner_text()
    reported = last_turn(page).locator("details.reported").first
    reported.locator("summary").click()
    assert reported.locator(".rep-quote").first.is_visible()
    figures.scroll_into_view_if_needed()
    settled(page, "#conversation")
    page.screenshot(path=str(screenshots / "figures.png"), full_page=True)

    row.locator("button.figure-text").click()
    page.wait_for_selector("#tab-reader-button[aria-selected='true']")
    mark = page.locator("#reader mark.quote")
    mark.wait_for()
    assert mark.inner_text().startswith("625")


def test_a_sentence_reported_also_by_another_source_is_copied_with_its_citation(page) -> None:  # type: ignore[no-untyped-def]
    ask(page, "How many allegations is the unit investigating?")
    reported = last_turn(page).locator("details.reported").first
    reported.locator("summary").click()
    copy = reported.locator("button.rep-copy").first
    expected = copy.get_attribute("data-cite")
    copy.click()
    page.wait_for_function("b => b.textContent.startsWith('Copied')", arg=copy.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == expected
    page.click("#tab-citations-button")
    page.locator("#citations ol.citations li").first.wait_for()
    quoted, _, _ = expected.partition(" — ")  # the list shows the citation in the style chosen (house by default)
    assert f"{quoted} — BBC, para " in page.locator("#citations").inner_text()


def test_a_hostile_quote_is_shown_as_text_and_runs_nothing(page) -> None:  # type: ignore[no-untyped-def]
    verify(page, PAYLOAD)
    assert PAYLOAD in page.locator("#verification .checked").inner_text()
    assert page.locator("#verification img, #verification script").count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.page_errors == []
