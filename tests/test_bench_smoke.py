"""The benchmark runs end to end on a tiny corpus; its figures are printed by ``python -m bench``, never asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report
from bench.corpus import Generator, questions, shipped_texts, train, write_corpus
from bench.run import measure

SOURCES = Path(__file__).resolve().parent.parent / "sources"


@pytest.fixture(scope="module")
def generator() -> Generator:
    return Generator(train(shipped_texts(SOURCES)))


def test_generated_documents_depend_only_on_seed_and_number(generator: Generator) -> None:
    again = Generator(train(shipped_texts(SOURCES)))
    assert generator.document(7) == again.document(7)
    assert generator.document(7) != generator.document(8)
    assert Generator(generator.chain, seed=1).document(7) != generator.document(7)


def test_generated_documents_are_article_length_prose(generator: Generator) -> None:
    docs = [generator.document(n) for n in range(20)]
    assert all(1_500 <= len(d) <= 12_000 for d in docs)
    assert all(len(d.splitlines()) >= 3 for d in docs)  # a headline and paragraphs, one per line
    # Each document has its own cast of names, so the vocabulary keeps growing with the corpus.
    vocab_10 = {w for d in docs[:10] for w in d.split()}
    vocab_20 = {w for d in docs for w in d.split()}
    assert len(vocab_20) > len(vocab_10) * 1.2


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one(tmp_path: Path, generator: Generator) -> None:
    small = write_corpus(tmp_path / "small", 3, generator)
    large = write_corpus(tmp_path / "large", 5, generator)
    assert sorted(p.name for p in small.iterdir()) == sorted(p.name for p in large.iterdir())[:3]
    assert all((small / p.name).read_text() == (large / p.name).read_text() for p in small.iterdir())


def test_questions_are_chat_like_and_deterministic(generator: Generator) -> None:
    docs = [generator.document(n) for n in range(5)]
    asked = questions(docs, 6)
    assert asked == questions(docs, 6)
    assert all(q.endswith("?") and len(q.split()) >= 4 for q in asked)


def test_benchmark_measures_a_tiny_corpus_and_reports_it(tmp_path: Path, generator: Generator, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    sources = write_corpus(tmp_path / "sources", 4, generator)
    run = measure(sources, tmp_path / "index", fake_embedder, None, queries=4, encode_sample=8)

    assert run["documents"] == 4 and run["chunks"] > 4
    assert run["reindex"]["one_embedded_chunks"] >= 1  # the edited document's new text, and only that
    assert run["reindex"]["one_embedded_chunks"] < run["chunks"]
    search = run["search"]
    assert search["queries"] == 4
    for name in ("encode", "dense", "bm25", "fusion", "base_dense", "base_bm25", "full_hybrid", "retrieval_hybrid"):
        assert search[name]["p95"] >= search[name]["p50"] >= 0
    assert set(search["ratios_p50"]) >= {"dense", "bm25", "hybrid", "full_hybrid"}
    assert run["build"]["dense_index"] == "flat"  # the default below Settings.dense.hnsw_from
    hnsw = run["hnsw"]  # the core's HNSW option against its flat option, on the same snapshot
    assert hnsw["graph"] == "built in memory at open" and hnsw["flat"]["p95"] >= hnsw["flat"]["p50"]
    assert all(0.0 <= e["recall_at_10"] <= 1.0 for e in hnsw["by_ef"])

    results = {"machine": {"cores": 2}, "runs": {"4/fake": {"corpus": "4", "embedder": "fake", **run}}}
    assert "| 4 | fake |" in report.tables(results)
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nHand-written text.\n\n<!-- results:start -->\nold\n<!-- results:end -->\n")
    report.write(results, readme)
    text = readme.read_text()
    assert "Hand-written text." in text and "old" not in text and "| 4 | fake |" in text
    assert (tmp_path / "scaling.png").stat().st_size > 0


def test_a_reindex_only_run_measures_the_build_and_edits_and_searches_nothing(tmp_path: Path, generator: Generator, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    sources = write_corpus(tmp_path / "sources", 4, generator)
    run = measure(sources, tmp_path / "index", fake_embedder, None, queries=4, encode_sample=8, search=False)
    assert run["reindex"]["one_embedded_chunks"] >= 1 and run["reindex"]["delete_seconds"] >= 0
    assert run["search"] is None and run["hnsw"] is None
