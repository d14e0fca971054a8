"""A BEIR-format folder is indexed into a temporary index and scored with the gold set's code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Settings
from assistant.evaluation import beir, cli

CORPUS = [
    {"_id": "d1", "title": "Tides", "text": "The moon's gravity pulls the oceans and raises the tides twice a day."},
    {
        "_id": "d2",
        "title": "Bread",
        "text": "Yeast ferments the sugars in dough, and the carbon dioxide makes bread rise.",
    },
    {
        "_id": "d3",
        "title": "",
        "text": "Volcanoes erupt when magma from the mantle forces its way up through the crust.",
    },
    {"_id": "d4", "title": "Bees", "text": "Honey bees dance to tell the hive where the flowers with nectar are."},
    {"_id": "d5", "title": "Rust", "text": "Iron rusts when it reacts with oxygen and water to form iron oxide."},
]
QUERIES = {
    "q1": "What makes bread dough rise?",
    "q2": "Why do the tides rise and fall?",
    "q3": "How do bees find flowers?",
}
QRELS = [("q1", "d2", 1), ("q2", "d1", 1), ("q3", "d4", 2)]


def write_sample(folder: Path) -> Path:
    """A five-document BEIR folder, built here rather than downloaded."""
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in CORPUS), encoding="utf-8")
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in {**QUERIES, "q9": "unjudged"}.items()),
        encoding="utf-8",
    )
    lines = ["query-id\tcorpus-id\tscore", *(f"{q}\t{d}\t{s}" for q, d, s in QRELS)]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_loading_keeps_the_judged_queries_and_skips_the_header(tmp_path: Path) -> None:
    data = beir.load_beir(write_sample(tmp_path / "sample"))
    assert data.queries == QUERIES
    assert data.qrels == {"q1": {"d2": 1}, "q2": {"d1": 1}, "q3": {"d4": 2}}


def test_each_corpus_line_becomes_a_document_with_its_title_first(tmp_path: Path) -> None:
    docs = list(beir.iter_corpus(write_sample(tmp_path / "sample") / "corpus.jsonl"))
    assert [d.id for d in docs] == ["d1", "d2", "d3", "d4", "d5"]
    assert docs[0].text.startswith("Tides\n\nThe moon's gravity") and docs[0].title == "Tides"
    assert docs[2].text == CORPUS[2]["text"] and docs[2].title == "d3"


def test_a_folder_without_judgements_is_refused_by_name(tmp_path: Path) -> None:
    folder = write_sample(tmp_path / "sample")
    (folder / "qrels" / "test.tsv").unlink()
    with pytest.raises(beir.BeirError, match="qrels/test.tsv: missing"):
        beir.load_beir(folder)


def test_a_malformed_judgement_line_is_refused_with_its_line_number(tmp_path: Path) -> None:
    folder = write_sample(tmp_path / "sample")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\thigh\n", encoding="utf-8")
    with pytest.raises(beir.BeirError, match="test.tsv:2: expected"):
        beir.load_beir(folder)


def test_a_corpus_line_without_an_id_is_refused_with_its_line_number(tmp_path: Path) -> None:
    folder = write_sample(tmp_path / "sample")
    with open(folder / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "no id"}) + "\n")
    with pytest.raises(beir.BeirError, match="corpus.jsonl:6: needs string fields _id, text"):
        list(beir.iter_corpus(folder / "corpus.jsonl"))


def test_the_sample_indexes_through_the_core_build_and_bm25_finds_every_answer(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    data = beir.load_beir(write_sample(tmp_path / "sample"))
    assistant = beir.index_corpus(data, tmp_path / "index", fake_embedder, Settings(), progress=False)
    assert sorted(assistant.snapshot.documents) == ["d1", "d2", "d3", "d4", "d5"]
    chunk_texts = [c.text for c in assistant.snapshot.chunks]
    assert sorted(t for t in fake_embedder.calls if t in chunk_texts) == sorted(chunk_texts)  # every chunk embedded once
    assert assistant.is_current() and assistant.sources()[1].title == "Bread"
    figures = beir.evaluate(assistant, data, "bm25", progress=False)
    assert figures.queries == 3
    assert figures.ranking["recall@1"] == 1.0 and figures.ranking["ndcg@10"] == 1.0


@pytest.mark.integration
def test_the_cli_scores_a_beir_folder_with_the_real_model(tmp_path: Path, real_embedder, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "_embedder", lambda: real_embedder)
    folder = write_sample(tmp_path / "sample")
    out = tmp_path / "figures.json"
    assert cli.main(["--beir", str(folder), "--mode", "dense", "--mode", "hybrid", "--json", str(out), "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "| dense" in table and "| hybrid" in table
    runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert [r["mode"] for r in runs] == ["dense", "hybrid"]
    assert all(r["ranking"]["recall@5"] == 1.0 for r in runs)
    assert runs[0]["chunk"]["max_tokens"] == Settings().chunk.max_tokens
