"""Links in a real browser: an answer's link asks the same question again in a new browser; a passage link still
lands on its text after its source is edited above it, and says "changed" (with the nearest text) after the
passage itself is edited; a PDF's citation opens the reader at its page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from assistant.links import PassageLink
from assistant.service import Assistant

pytestmark = pytest.mark.browser

OPENING = "The harbour board met on Tuesday evening in the old customs hall.\n\n"
PASSAGE = (
    "Ferry wardens in Ulverston counted 4,312 bicycles crossing the estuary footbridge during the spring survey, "
    "nearly double the figure recorded three years earlier.\n"
)


def fresh_page(chromium, url: str):  # type: ignore[no-untyped-def]
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    context.set_default_timeout(60_000)  # patient on a loaded machine; no test measures time
    page = context.new_page()
    page.page_errors = []
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.goto(url)
    return page


def ask(page, question: str):  # type: ignore[no-untyped-def]
    page.wait_for_selector("#conversation .intro")
    page.fill("#question textarea", question)
    page.click("#ask-button")
    page.wait_for_selector("#conversation section.turn article.card")
    return page.locator("#conversation section.turn").last


def absolute(served: tuple[str, Assistant], link: str) -> str:
    return served[0].rstrip("/") + link


def test_an_answer_link_asks_the_same_question_again_in_a_new_browser(chromium, served, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    first = fresh_page(chromium, served[0])
    turn = ask(first, "How many allegations is the unit investigating?")
    quotes = turn.locator("mark.quote").all_inner_texts()
    button = turn.locator(".answer-link button")
    link = button.get_attribute("data-link")
    assert link.startswith("/?q=How%20many%20allegations") and "&k=5" in link and "&mode=hybrid" in link
    button.click()
    first.wait_for_function("() => document.querySelector('.answer-link button').textContent === 'Link copied ✓'")
    assert first.evaluate("navigator.clipboard.readText()") == absolute(served, link)  # a whole address to paste
    first.context.close()

    second = fresh_page(chromium, absolute(served, link))
    second.wait_for_selector("#conversation section.turn article.card")
    again = second.locator("#conversation section.turn").last
    assert again.locator("p.question").inner_text() == "How many allegations is the unit investigating?"
    assert again.locator("mark.quote").all_inner_texts() == quotes
    assert second.evaluate("window.location.search") == ""  # a reload does not ask it once more
    second.screenshot(path=str(screenshots / "answer-link.png"))
    assert second.page_errors == []
    second.context.close()


def passage_link(chromium, served, question: str) -> str:  # type: ignore[no-untyped-def]
    page = fresh_page(chromium, served[0])
    card = ask(page, question).locator("article.card").first
    assert "4,312 bicycles" in card.locator("p.passage").inner_text()
    link = card.locator("button.copy-link").get_attribute("data-link")
    page.context.close()
    return link


def open_passage_link(chromium, served, link: str):  # type: ignore[no-untyped-def]
    page = fresh_page(chromium, absolute(served, link))
    page.wait_for_selector("#reader .link-status")
    return page


def test_a_passage_link_lands_on_its_text_after_an_edit_above_it_and_says_changed_after_an_edit_in_it(
    chromium, served, screenshots: Path
) -> None:  # type: ignore[no-untyped-def]
    url, assistant = served
    source = assistant.sources_dir / "estuary-survey.txt"
    source.write_text(OPENING + PASSAGE, encoding="utf-8")
    assistant.refresh()
    link = passage_link(chromium, served, "How many bicycles crossed the estuary footbridge?")

    page = open_passage_link(chromium, served, link)
    assert page.locator("#reader .link-status").get_attribute("class") == "link-status exact"
    linked = page.locator("#reader mark.quote").inner_text()
    assert "4,312 bicycles" in linked
    page.context.close()

    source.write_text("A new first paragraph, added later, about the tide tables.\n\n" + OPENING + PASSAGE, "utf-8")
    assistant.refresh()
    page = open_passage_link(chromium, served, link)
    status = page.locator("#reader .link-status")
    assert status.get_attribute("class") == "link-status moved" and status.inner_text().startswith("Moved:")
    assert page.locator("#reader mark.quote").inner_text() == linked  # the same text, found where it went
    here = PassageLink.from_url(page.locator("#reader button.copy-link").get_attribute("data-link"))
    assert here.start > PassageLink.from_url(link).start and here.text == PassageLink.from_url(link).text
    page.context.close()

    source.write_text(OPENING + PASSAGE.replace("4,312", "4,913").replace("nearly double", "almost twice"), "utf-8")
    assistant.refresh()
    page = open_passage_link(chromium, served, link)
    status = page.locator("#reader .link-status")
    assert status.get_attribute("class") == "link-status changed"
    assert status.inner_text().startswith("Changed: the passage was edited since the link was made; here is the nearest text")
    marked = page.locator("#reader mark.quote").inner_text()
    assert "4,913 bicycles" in marked and "almost twice" in marked  # the text as it is now, marked
    assert "4,312" in page.locator("#reader blockquote.linked-text").inner_text()  # and what the link was made for
    page.screenshot(path=str(screenshots / "passage-link-changed.png"))
    assert page.page_errors == []
    page.context.close()

    source.write_text(OPENING, "utf-8")
    assistant.refresh()
    page = open_passage_link(chromium, served, link)
    assert page.locator("#reader .link-status").get_attribute("class") == "link-status gone"
    assert page.locator("#reader mark.quote").count() == 0  # never other text without saying so
    page.context.close()


def test_a_pdf_citation_opens_the_reader_at_its_page(chromium, served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    pages = [
        "Annual report of the lighthouse trust. This page describes the trust and its board.",
        "The keepers logged 1,874 hours of fog signals at Skerryvore during the winter months.",
        "Accounts and appendices follow on this page, with the auditors' statement.",
    ]
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    url, assistant = served
    pdf.output(str(assistant.sources_dir / "lighthouse-report.pdf"))
    assistant.refresh()

    page = fresh_page(chromium, url)
    card = ask(page, "How many hours of fog signals did the keepers log?").locator("article.card").first
    assert "p. 2" in card.locator("header").inner_text()
    card.locator("button.open").click()
    page.wait_for_selector("#reader mark.quote")
    assert page.locator("#reader section.page").count() == 3
    page_two = page.locator('#reader section.page[data-page="2"]')
    assert page_two.locator("p.page-number").inner_text().strip().lower() == "page 2"
    assert "1,874 hours" in page_two.locator("mark.quote").first.inner_text()
    page_two.locator("mark.quote").first.wait_for(state="visible")
    page.wait_for_function(  # scrolled to its page: the marked quote is inside the reader's visible box
        """() => { const box = document.querySelector('#reader .reader-text').getBoundingClientRect();
                   const mark = document.querySelector('#reader mark.quote').getBoundingClientRect();
                   return mark.top >= box.top && mark.bottom <= box.bottom; }"""
    )
    assert "cited: p. 2" in page.locator("#reader p.meta").inner_text()
    page.context.close()


def test_a_bad_link_is_answered_with_what_is_wrong_shown_as_text(chromium, served) -> None:  # type: ignore[no-untyped-def]
    hostile = '<img src=x onerror="window.pwned=1">'
    page = fresh_page(chromium, absolute(served, f"/?q=Who%3F&k={quote(hostile)}"))
    toast = page.locator(".toast-body", has_text="This link cannot be opened")
    toast.wait_for()
    assert "link parameter k must be a whole number from 1 to 100" in toast.inner_text()
    assert hostile in toast.inner_text()  # the value shown as characters, not built into the page
    assert page.evaluate("window.pwned === undefined") and page.page_errors == []
    assert page.locator("#conversation section.turn").count() == 0
    page.context.close()
