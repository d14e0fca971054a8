"""Reported also by: paraphrases in other sources, linked above a threshold measured on labelled pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant, AssistantError
from assistant.config import DeskSettings
from assistant.citations import corroboration_citation
from assistant.corroboration import corroborate, link_score
from assistant.render import corroborations_to_json, corroborations_to_text
from assistant.evaluation.corroboration_calibration import PAIRS, Operating, choose, load_pairs, measure, sweep
from assistant.types import Document

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD, FIGURE_WEIGHT = DeskSettings().link_threshold, DeskSettings().figure_weight
ITV = "001_3bd223bcd275ebfb.txt"
BBC = "003_7582e51dae7e9a11.txt"


def test_sweep_counts_links_at_or_above_each_threshold() -> None:
    (low, high) = sweep([0.9, 0.7, 0.6, 0.2], [True, False, True, False], [0.5, 0.8])
    assert (low.precision, low.recall) == pytest.approx((2 / 3, 1.0))
    assert (high.precision, high.recall) == (1.0, 0.5)


def test_the_best_f1_wins_and_a_tie_goes_to_the_higher_threshold() -> None:
    rows = [Operating(0.1, 0.6, 0.8, 0.8, 0.8), Operating(0.0, 0.5, 0.8, 0.8, 0.8), Operating(0.0, 0.6, 0.8, 0.8, 0.8)]
    assert choose(rows) == Operating(0.0, 0.6, 0.8, 0.8, 0.8)


def test_a_pair_sentence_that_is_not_verbatim_is_refused_with_its_line(tmp_path: Path) -> None:
    doc = Document("a.txt", "sources/a.txt", "A", None, "The unit investigates 625 allegations.", "0")
    other = Document("b.txt", "sources/b.txt", "B", None, "Over 600 allegations are investigated.", "0")
    path = tmp_path / "pairs.jsonl"
    good = {"a": {"source": "a.txt", "text": "The unit investigates 625 allegations."},
            "b": {"source": "b.txt", "text": "Over 600 allegations are investigated."}, "same": True}  # fmt: skip
    bad = {**good, "b": {"source": "b.txt", "text": "Over 650 allegations are investigated."}}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(AssistantError, match=r"pairs\.jsonl:2: the sentence is not verbatim in b\.txt"):
        load_pairs(path, {"a.txt": doc, "b.txt": other})


@pytest.mark.integration
def test_the_labelled_pairs_are_verbatim_cross_source_and_enough(articles: Assistant) -> None:
    pairs = load_pairs(ROOT / PAIRS, dict(articles.snapshot.documents))
    assert len(pairs) >= 30
    assert sum(p.same for p in pairs) >= 10 and sum(not p.same for p in pairs) >= 10
    assert all(p.a_source != p.b_source for p in pairs)


@pytest.mark.integration
def test_the_threshold_and_weight_in_the_settings_are_the_ones_the_pairs_choose(articles: Assistant) -> None:
    pairs = load_pairs(ROOT / PAIRS, dict(articles.snapshot.documents))
    chosen = choose(measure(pairs, articles.snapshot, articles.embedder))
    assert (chosen.weight, chosen.threshold) == (FIGURE_WEIGHT, THRESHOLD)
    assert chosen.precision >= 0.9 and chosen.recall >= 0.75


def test_a_shared_figure_raises_the_link_score_and_a_different_one_lowers_it() -> None:
    assert link_score(0.5, "It is looking into 625 allegations.", "The caseload has grown to 625 allegations.", FIGURE_WEIGHT) == 0.5 + FIGURE_WEIGHT
    assert link_score(0.5, "It is looking into 625 allegations.", "At least 1,600 allegations were investigated.", FIGURE_WEIGHT) == 0.5 - FIGURE_WEIGHT
    assert link_score(0.5, "It is looking into 625 allegations.", "Bibaa Henry, 46, was killed.", FIGURE_WEIGHT) == 0.5


@pytest.mark.integration
def test_a_result_is_corroborated_by_other_sources_in_their_own_words(articles: Assistant) -> None:
    result = articles.search("How many allegations is the unit investigating?", k=5, sources=[ITV])
    passage = result.results[0]
    assert "625" in passage.quote.text
    links = corroborate(passage, articles.snapshot, articles.embedder)
    assert BBC in {c.source.id for c in links}
    assert all(c.source.id != ITV and c.similarity >= THRESHOLD for c in links)
    for c in links:
        assert articles.document(c.source.id).text[c.quote.start : c.quote.end] == c.quote.text
    bbc = next(c for c in links if c.source.id == BBC)
    assert "625 allegations" in bbc.quote.text
    assert corroboration_citation(bbc).endswith(f"— {bbc.source.title} (BBC), para {bbc.paragraph}")


@pytest.mark.integration
def test_sources_already_listed_as_also_in_are_not_repeated(articles: Assistant) -> None:
    result = articles.search("Over 600 domestic and sexual abuse allegations are being investigated", k=3)
    for passage in result.results:
        shown = {passage.source.id, *(o.source.id for o in passage.also_in)}
        assert not shown & {c.source.id for c in corroborate(passage, articles.snapshot, articles.embedder)}


class _Counting:
    """Delegates to the real model and records what it was asked to embed."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.texts = inner, []
        self.name, self.dim = inner.name, inner.dim

    def encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self.inner.encode(texts, **kwargs)


@pytest.mark.integration
def test_links_are_found_without_a_model_call(articles: Assistant) -> None:
    passage = articles.search("Why did Cressida Dick resign?", k=1).results[0]
    counting = _Counting(articles.embedder)
    assert corroborate(passage, articles.snapshot, counting) == corroborate(passage, articles.snapshot, articles.embedder)  # type: ignore[arg-type]
    assert counting.texts == []


@pytest.mark.integration
def test_links_render_as_json_with_citations_and_as_one_line(articles: Assistant) -> None:
    passage = articles.search("How many allegations is the unit investigating?", k=1, sources=[ITV]).results[0]
    links = corroborate(passage, articles.snapshot, articles.embedder)
    rows = corroborations_to_json(links)
    assert [r["source"]["id"] for r in rows] == [c.source.id for c in links]
    assert all(r["citation"] == corroboration_citation(c) for r, c in zip(rows, links, strict=True))
    assert corroborations_to_text(links).startswith("Reported also by: ")
    assert corroborations_to_text([]) == ""


@pytest.mark.integration
def test_the_assistant_reports_the_same_links_from_the_stored_sentences(
    articles: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    passage = articles.search("How many allegations is the unit investigating?", k=1, sources=[ITV]).results[0]
    expected = corroborate(passage, articles.snapshot, articles.embedder)
    counting = _Counting(articles.embedder)
    monkeypatch.setattr(articles, "embedder", counting)
    assert articles.reported_also_by(passage) == expected
    assert counting.texts == []  # the index stored every sentence's vector
