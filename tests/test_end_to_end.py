"""Questions over the real articles with the real model: what a briefing writer relies on."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.citations import format_citation
from assistant.config import FUSIONS
from assistant.evaluation.experiment import with_fusion

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("fusion", FUSIONS)
def test_the_count_of_allegations_is_answered_with_a_quote_of_625_first(articles: Assistant, fusion: str) -> None:
    top = with_fusion(articles, fusion).search("How many allegations is the unit investigating?").results[0]
    assert "625" in top.quote.text


def test_quotes_and_passages_are_the_sources_own_text(articles: Assistant) -> None:
    for question in ("Who leads the Daso unit?", "What did the watchdog find about 999 calls?", "Why did Cressida Dick resign?"):
        for p in articles.search(question, k=5).results:
            text = articles.document(p.source.id).text
            assert text[p.start : p.end] == p.text and text[p.quote.start : p.quote.end] == p.quote.text
            for other in p.also_in:
                assert articles.document(other.source.id).text[other.quote.start : other.quote.end] == other.quote.text


def test_a_quote_repeated_across_articles_is_one_result_listing_the_others(articles: Assistant) -> None:
    results = articles.search("we need to get rid of them", k=5).results
    carrying = [p for p in results if "get rid of them" in p.quote.text]
    assert len(carrying) == 1
    assert len(carrying[0].also_in) >= 1
    sources = {carrying[0].source.id} | {o.source.id for o in carrying[0].also_in}
    assert {"000_b4efa6d47b194183.txt", "002_91d102806b45131f.txt"} <= sources


def test_the_citation_names_title_publisher_and_paragraph(articles: Assistant) -> None:
    top = articles.search("How many complaints were upheld between 2012 and 2018?", k=1).results[0]
    assert top.source.publisher == "The Observer"
    assert format_citation(top) == f"“{top.quote.text}” — {top.source.title} (The Observer), para {top.paragraph}"
    assert "119" in top.quote.text


def test_a_source_filter_answers_from_that_source_only(articles: Assistant) -> None:
    results = articles.search("What did Mark Rowley promise?", k=5, sources=["001_3bd223bcd275ebfb.txt"]).results
    assert results and all(p.source.id == "001_3bd223bcd275ebfb.txt" for p in results)


def test_a_ten_thousand_character_question_still_answers(articles: Assistant) -> None:
    question = ("How many allegations is the Daso unit investigating against Met officers? " * 140)[:10_000]
    assert len(question) == 10_000
    assert articles.search(question, k=3).results


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_mode_finds_the_upheld_complaints(articles: Assistant, mode: str) -> None:
    results = articles.search("119 complaints upheld", k=5, mode=mode).results
    assert any(p.source.id.startswith("004") for p in results)
