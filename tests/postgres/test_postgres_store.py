"""What only the PostgreSQL store has: its schema, the publish lock, replicas and how it shows URLs."""

from __future__ import annotations

import logging
import time

import psycopg
import pytest

from assistant.errors import IndexFormatError
from assistant.store import pg_publish, pg_schema
from assistant.store.postgres import DatabaseUnavailableError, PostgresStore, redact

from .conftest import make_assistant, on_server


def test_a_new_database_gets_the_current_schema_and_an_older_one_is_upgraded(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        pg_schema.upgrade(conn, target=1)  # as the first release left it
        assert pg_schema.installed_version(conn) == 1
    assert PostgresStore(pg_url).manifest() is None  # opening it upgrades it
    with psycopg.connect(pg_url) as conn:
        assert pg_schema.installed_version(conn) == pg_schema.SCHEMA_VERSION
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'assistant'")}
    assert "postings_term_covering" in indexes and "postings_term" not in indexes


def test_a_database_of_a_newer_schema_is_refused_with_the_reason(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        pg_schema.upgrade(conn)
        conn.execute("UPDATE assistant.schema_version SET version = %s", (pg_schema.SCHEMA_VERSION + 1,))
    with pytest.raises(IndexFormatError, match="newer than this assistant"):
        PostgresStore(pg_url).manifest()


def test_a_build_while_another_publishes_is_refused_with_a_clear_message(
    pg_url: str, sources, tmp_path, fake_embedder
) -> None:
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder)
    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (pg_publish.BUILD_LOCK,))
        with pytest.raises(pg_publish.IndexBusyError, match="another build is publishing"):
            assistant.refresh()
    assert assistant.refresh().documents == 5


def test_a_search_holds_its_candidates_not_the_corpus(pg_url: str, sources, tmp_path, fake_embedder) -> None:
    from assistant import SearchSettings, Settings
    from assistant.config import AnswerSettings

    # Two passages shown and judged: each side's candidates are max(8, 4 x 2), far fewer than the 51 chunks.
    settings = Settings(search=SearchSettings(candidates=8), answer=AnswerSettings(within=2))
    assistant = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder, settings=settings)
    assistant.refresh()
    reader = make_assistant(sources, pg_url, tmp_path / "index", fake_embedder, settings=settings)
    assert len(reader.search("How many allegations is the unit investigating?", k=2).results) == 2
    chunks = reader.snapshot.chunks
    assert 0 < chunks.cached <= 16 < len(chunks)  # dense + BM25 candidates of 51 chunks


def test_a_replica_answers_searches_and_shows_a_write_once_it_has_replayed_it(
    pg_url: str, pg_replica, sources, tmp_path, fake_embedder
) -> None:
    from assistant import Assistant

    replica_url = on_server(pg_url, pg_replica)
    writer = Assistant(sources_dir=sources, embedder=fake_embedder, store=PostgresStore(pg_url, [replica_url]))
    writer.refresh()
    _wait_for_replica(writer.store, replica_url)
    reader = Assistant(sources_dir=sources, embedder=fake_embedder, store=PostgresStore(pg_url, [replica_url]))
    assert reader.snapshot.server.url == replica_url  # searches go to the replica
    assert reader.search("allegations", k=1).results

    (sources / "upload.txt").write_text("Forty-two herons stood on the quay.\n", encoding="utf-8")
    writer.refresh()  # written to the primary
    _wait_for_replica(writer.store, replica_url)
    assert reader.search("herons quay", k=1, mode="bm25").results[0].source.id == "upload.txt"
    assert reader.snapshot.server.url == replica_url


def _wait_for_replica(store: PostgresStore, replica_url: str) -> None:
    for _ in range(200):
        versions = store.versions()
        if versions[redact(replica_url)] == versions[redact(store.url)]:
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not catch up: {store.versions()}")


def test_a_replica_that_is_down_is_skipped_with_a_warning_that_hides_the_password(
    pg_url: str, sources, tmp_path, fake_embedder, caplog
) -> None:
    from assistant import Assistant
    from assistant.db import free_port

    down = f"postgresql://postgres:s3cret-word@127.0.0.1:{free_port()}/nowhere"
    Assistant(sources_dir=sources, embedder=fake_embedder, store=PostgresStore(pg_url)).refresh()
    reader = Assistant(sources_dir=sources, embedder=fake_embedder, store=PostgresStore(pg_url, [down]))
    with caplog.at_level(logging.WARNING):
        assert reader.search("allegations", k=1).results
    assert "replica skipped" in caplog.text and "s3cret-word" not in caplog.text and "***" in caplog.text


def test_urls_are_shown_without_their_password() -> None:
    assert redact("postgresql://app:pa%40ss@db.example:5433/rag?sslmode=require") == (
        "postgresql://app:***@db.example:5433/rag?sslmode=require"
    )
    assert redact("postgresql://app@db/rag") == "postgresql://app@db/rag"
    with pytest.raises(DatabaseUnavailableError) as error:
        PostgresStore(f"postgresql://app:s3cret-word@127.0.0.1:{__import__('assistant.db').db.free_port()}/x").manifest()
    assert "s3cret-word" not in str(error.value) and "***" in str(error.value)


def test_an_hnsw_index_is_built_with_the_dense_settings_and_answers_like_the_exact_search(
    pg_url: str, sources, tmp_path, fake_embedder
) -> None:
    from assistant import Settings
    from assistant.config import DenseSettings

    exact = make_assistant(sources, None, tmp_path / "index", fake_embedder)
    exact.refresh()
    settings = Settings(dense=DenseSettings(index="hnsw", m=8, ef_construction=40, ef_search=200))
    graph = make_assistant(sources, pg_url, tmp_path / "unused", fake_embedder, settings=settings)
    graph.refresh()
    assert graph.snapshot.manifest.dense == {"index": "hnsw", "m": 8, "ef_construction": 40}
    with psycopg.connect(pg_url) as conn:
        definition = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'chunks_hnsw'").fetchone()[0]
    assert "hnsw" in definition and "m='8'" in definition and "ef_construction='40'" in definition
    question = "How many allegations is the unit investigating?"
    vector = fake_embedder.encode([question])[0]
    ids = [[s.chunks[row].id for row, _ in s.dense_search(vector, 5)] for s in (exact.snapshot, graph.snapshot)]
    assert ids[0] == ids[1]  # 51 vectors: the graph finds the exact neighbours
