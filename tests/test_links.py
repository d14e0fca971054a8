"""Passage links land on their text again after the source is edited, and say how they found it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answer_links import AnswerLink
from assistant.errors import LinkError
from assistant.config import LinkSettings
from assistant.links import PassageLink, resolve, shared_link, text_hash

MIN_SIMILARITY = LinkSettings().min_similarity
from assistant.sources import load_corpus
from assistant.types import Document

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "It was looking into 625 misconduct allegations, ranging from “inappropriate behaviour” to criminal offences, as of 18 August."


@pytest.fixture(scope="module")
def itv() -> Document:
    docs, _ = load_corpus(ROOT / "sources")
    return next(doc for doc in docs if doc.id.startswith("001_"))


@pytest.fixture
def link(itv: Document) -> PassageLink:
    start = itv.text.index(SENTENCE)
    return PassageLink.of(itv, start, start + len(SENTENCE))


def edited(doc: Document, old: str, new: str) -> dict[str, Document]:
    assert old in doc.text
    return {doc.id: replace(doc, text=doc.text.replace(old, new, 1), sha256="edited")}


def test_an_unchanged_source_resolves_exactly(itv: Document, link: PassageLink) -> None:
    found = resolve(link, {itv.id: itv})
    assert (found.status, found.start, found.end, found.text, found.similarity) == ("exact", link.start, link.end, SENTENCE, 100.0)
    assert link.text_hash == text_hash(itv.text)


def test_an_edit_above_the_passage_moves_it_and_the_link_follows(itv: Document, link: PassageLink) -> None:
    docs = edited(itv, "The Metropolitan Police is investigating", "Editor's note: updated.\n\nThe Metropolitan Police is investigating")
    found = resolve(link, docs)
    assert found.status == "moved"
    assert (found.start, found.end) == (link.start + 25, link.end + 25)
    assert docs[itv.id].text[found.start : found.end] == SENTENCE == found.text
    assert "now starts at character" in found.message


def test_an_edit_below_the_passage_leaves_it_exact_and_says_the_source_changed(itv: Document, link: PassageLink) -> None:
    found = resolve(link, edited(itv, "Last week he announced", "Last Tuesday he announced"))
    assert (found.status, found.start, found.text) == ("exact", link.start, SENTENCE)
    assert "changed elsewhere" in found.message


def test_an_edit_inside_the_passage_is_changed_with_the_nearest_text_and_its_similarity(
    itv: Document, link: PassageLink
) -> None:
    new = SENTENCE.replace("625 misconduct allegations", "more than 650 misconduct complaints")
    docs = edited(itv, SENTENCE, new)
    found = resolve(link, docs)
    assert found.status == "changed"
    assert found.text == new == docs[itv.id].text[found.start : found.end]  # type: ignore[index]
    assert MIN_SIMILARITY <= found.similarity < 100
    assert "nearest text" in found.message


def test_a_stricter_similarity_setting_calls_the_same_edit_gone(itv: Document, link: PassageLink) -> None:
    docs = edited(itv, SENTENCE, SENTENCE.replace("625 misconduct allegations", "more than 650 misconduct complaints"))
    lenient, strict = resolve(link, docs), resolve(link, docs, LinkSettings(min_similarity=99.0))
    assert (lenient.status, strict.status, strict.text) == ("changed", "gone", None)
    assert strict.similarity == lenient.similarity


def test_an_edit_above_and_inside_finds_the_changed_passage_at_its_new_place(itv: Document, link: PassageLink) -> None:
    new = SENTENCE.replace("as of 18 August", "as of late August")
    docs = edited(itv, SENTENCE, new)
    docs = edited(docs[itv.id], "Alleged victims include", "A new paragraph of background.\n\nAlleged victims include")
    docs = edited(docs[itv.id], "The Metropolitan Police is investigating", "Update: figures revised.\n\nThe Metropolitan Police is investigating")
    found = resolve(link, docs)
    assert (found.status, found.text) == ("changed", new)


def test_a_deleted_passage_is_gone_and_never_lands_on_other_text(itv: Document, link: PassageLink) -> None:
    found = resolve(link, edited(itv, SENTENCE + "\n", ""))
    assert (found.status, found.start, found.text) == ("gone", None, None)
    assert found.similarity < MIN_SIMILARITY
    assert "no longer in" in found.message


def test_a_deleted_source_is_gone(link: PassageLink) -> None:
    found = resolve(link, {})
    assert (found.status, found.text, found.similarity) == ("gone", None, 0.0)
    assert link.source_id in found.message


def test_of_two_verbatim_copies_the_one_nearest_the_old_place_is_chosen() -> None:
    text = "Alpha beta gamma.\n\nFiller. " * 3 + "Alpha beta gamma."
    doc = Document("a.txt", "a.txt", "A", None, text, "0")
    last = text.rindex("Alpha")
    link = PassageLink.of(doc, last, last + 17)
    found = resolve(link, {"a.txt": replace(doc, text="Intro.\n\n" + text)})
    assert (found.status, found.start) == ("moved", last + 8)


def test_a_passage_link_round_trips_through_its_url(link: PassageLink) -> None:
    tricky = replace(link, source_id="reports/Q&A 2022+.txt", text="A & B = “C”?\n\n+ 100% #1", end=link.start + 23)
    for original in (link, tricky):
        url = original.to_url()
        assert url.startswith("/?doc=") and " " not in url and "+" not in url
        assert PassageLink.from_url(url) == original
        assert PassageLink.from_url("http://127.0.0.1:7860" + url) == original
        assert shared_link(url) == original


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda url: url[:-10], "cut short or edited"),
        (lambda url: url.replace("span=", "span=x"), "span must be START-END"),
        (lambda url: url.replace("rev=", "rev=zz"), "rev must be 16 hexadecimal digits"),
        (lambda url: url.replace("doc=", "doc=x&doc="), "doc is given 2 times"),
        (lambda url: url.replace("&rev=", "&r="), "no rev parameter"),
        (lambda url: url + "%ff", "not valid UTF-8"),
    ],
)
def test_a_damaged_passage_link_is_refused_naming_the_parameter(link: PassageLink, mangle, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LinkError, match=reason):
        PassageLink.from_url(mangle(link.to_url()))


def test_a_link_outside_the_document_cannot_be_made(itv: Document) -> None:
    with pytest.raises(LinkError, match=f"span 10-{len(itv.text) + 1} is outside"):
        PassageLink.of(itv, 10, len(itv.text) + 1)


def test_a_plain_visit_carries_no_link_and_a_question_carries_an_answer_link() -> None:
    assert shared_link("http://127.0.0.1:7860/") is None
    assert shared_link("/?q=who%20leads%20Daso") == AnswerLink("who leads Daso")


def test_each_message_begins_with_its_status_in_words() -> None:
    doc = Document("a.txt", "sources/a.txt", "A", None, "Alpha beta gamma delta.\n", "sha")
    link = PassageLink.of(doc, 0, 10)
    moved = replace(doc, text="New line.\n" + doc.text)
    assert resolve(link, {"a.txt": doc}).message.startswith("Exact: ")
    assert resolve(link, {"a.txt": moved}).message.startswith("Moved: ")
    assert resolve(link, {}).message.startswith("Gone: ")
