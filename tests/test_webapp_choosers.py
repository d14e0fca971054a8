"""Every update that sets a source or publisher dropdown's value gives its choices with it: Gradio warns "not in
the list of choices" otherwise, and the page's listing, which fills them, comes in no set order with a restored
session or an opened link (and before none when a card opens the reader)."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr
import pytest

from assistant.answer_links import AnswerLink
from assistant.links import PassageLink
from assistant.service import Assistant
from assistant.source_filters import SourceFilter
from assistant.webapp import build_app, reader
from assistant.webapp.saved import stored
from assistant.webapp.session import Preferences, Session
from tests.test_webapp_app import handler

pytestmark = pytest.mark.filterwarnings("error:The value passed into gr.Dropdown:UserWarning")

SOURCES = Path(__file__).resolve().parent.parent / "sources"
CLARK = "000_b4efa6d47b194183.txt"
ITV = "001_3bd223bcd275ebfb.txt"


@pytest.fixture
def library(tmp_path: Path, fake_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    shutil.copytree(SOURCES, tmp_path / "sources")
    assistant = Assistant(tmp_path / "sources", tmp_path / "index", embedder=fake_embedder)
    assistant.refresh()
    return assistant


def ids(dropdown: gr.Dropdown) -> list[str]:
    return [value for _, value in dropdown.choices]


def test_the_reader_opened_from_a_card_or_a_link_chooses_its_document_among_every_source(library: Assistant) -> None:
    doc = library.document(CLARK)
    every = [s.id for s in library.sources()]
    _, from_card = reader.opened(library, CLARK, (0, 20), doc.text[:20], None)
    _, from_link = reader.linked(library, PassageLink.of(doc, 0, 20))
    for choice in (from_card, from_link):
        assert choice.value == CLARK and ids(choice) == every


def test_a_restored_session_sets_its_filters_with_their_choices_and_leaves_out_a_removed_source(library: Assistant) -> None:
    preferences = Preferences(sources=(CLARK, "removed.txt"), publishers=("ITV News", "Gone Gazette"))
    outputs = handler(build_app(library), "restore")(stored({}, "", Session(preferences=preferences)), gr.Request())
    sources, publishers = (o for o in outputs if isinstance(o, gr.Dropdown))
    assert sources.value == [CLARK] and ids(sources) == [s.id for s in library.sources()]
    assert publishers.value == ["ITV News", "Gone Gazette"] and {"ITV News", "Gone Gazette"} <= set(ids(publishers))


def test_an_answer_link_sets_its_source_and_publisher_filters_with_their_choices(library: Assistant) -> None:
    link = AnswerLink("Who leads the unit?", sources=(ITV,), where=SourceFilter(publishers=("ITV News",)))
    outputs = handler(build_app(library), "open_address")(link.to_url())
    sources, publishers = (o for o in outputs if isinstance(o, gr.Dropdown))
    assert sources.value == [ITV] and ITV in ids(sources)
    assert publishers.value == ["ITV News"] and "ITV News" in ids(publishers)
