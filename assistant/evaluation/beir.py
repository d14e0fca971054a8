"""Score any BEIR-format data set with the same search and metrics as the gold set.

A BEIR folder holds ``corpus.jsonl`` (``{"_id", "title", "text"}`` per line), ``queries.jsonl``
(``{"_id", "text"}``) and ``qrels/<split>.tsv`` (``query-id  corpus-id  score``, tab-separated, with a
header line). Each corpus line becomes a Document (title, a blank line, then the text) that is chunked
with the core's chunker, embedded in batches as the corpus streams past, and published through the
core's file store into a temporary index; the queries then go through ``Assistant.search``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..chunking import chunk_document, tiktoken_counter
from ..config import Settings
from ..embedding import Embedder
from ..errors import AssistantError
from ..service import Assistant
from ..store import IndexData
from ..store.files import FileStore
from ..types import Chunk, Document
from .harness import DEPTH
from .metrics import percentiles_ms, ranking
from .qrels import Qrels, document_run

EMBED_BATCH = 512  # chunks embedded at a time: bounds the texts held for the model, not the index


class BeirError(AssistantError):
    """The folder is not a readable BEIR data set."""


@dataclass(frozen=True)
class BeirSet:
    folder: Path
    queries: dict[str, str]  # only the queries that have judgements
    qrels: Qrels

    @property
    def corpus(self) -> Path:
        return self.folder / "corpus.jsonl"


@dataclass(frozen=True)
class BeirFigures:
    mode: str
    ranking: dict[str, float]
    p50_ms: float
    p95_ms: float
    queries: int


def load_beir(folder: Path | str, split: str = "test") -> BeirSet:
    """Read the queries and judgements; the corpus is streamed later, never held twice."""
    folder = Path(folder)
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise BeirError(
                f"{folder / name}: missing; a BEIR folder needs corpus.jsonl, queries.jsonl and qrels/{split}.tsv"
            )
    qrels = _read_qrels(folder / "qrels" / f"{split}.tsv")
    texts = {row["_id"]: row["text"] for row in _jsonl(folder / "queries.jsonl", ("_id", "text"))}
    missing = sorted(set(qrels) - set(texts))
    if missing:
        raise BeirError(f"{folder / 'queries.jsonl'}: no text for judged queries {', '.join(missing[:5])}")
    return BeirSet(folder, {qid: texts[qid] for qid in qrels}, qrels)


def _read_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for line_no, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or (line_no == 1 and row[0] == "query-id"):
                continue
            try:
                qid, doc_id, grade = row[0], row[1], int(row[2])
            except (IndexError, ValueError):
                raise BeirError(f"{path}:{line_no}: expected 'query-id<TAB>corpus-id<TAB>integer score'") from None
            qrels.setdefault(qid, {})[doc_id] = grade
    if not qrels:
        raise BeirError(f"{path}: no judgements")
    return qrels


def _jsonl(path: Path, required: Sequence[str]) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise BeirError(f"{path}:{line_no}: not JSON ({error.msg})") from None
            if not isinstance(row, dict) or any(not isinstance(row.get(key), str) for key in required):
                raise BeirError(f"{path}:{line_no}: needs string fields {', '.join(required)}")
            yield row


def iter_corpus(path: Path) -> Iterator[Document]:
    """One Document per corpus line, in file order."""
    for row in _jsonl(path, ("_id", "text")):
        title = row.get("title") or ""
        text = f"{title}\n\n{row['text']}" if title else row["text"]
        yield Document(
            id=row["_id"],
            path=f"{path.name}#{row['_id']}",
            title=title or row["_id"],
            publisher=None,
            text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )


def build_index(
    beir: BeirSet, index_dir: Path, embedder: Embedder, settings: Settings, *, progress: bool = True
) -> Assistant:
    """Chunk and embed the corpus as it streams, publish it as an index, and return an Assistant over it.

    Memory holds the documents, the chunk table and the vectors (what any index of the corpus holds)
    plus at most ``EMBED_BATCH`` chunks waiting for the model.
    """
    from tqdm import tqdm

    counter = tiktoken_counter(settings.chunk.encoding)
    documents: list[Document] = []
    chunks: list[Chunk] = []
    parts: list[np.ndarray] = []
    pending: list[str] = []
    with open(beir.corpus, encoding="utf-8") as handle:
        total = sum(1 for line in handle if line.strip())
    with tqdm(total=total, unit="doc", desc="indexing", disable=not progress) as bar:
        for doc in iter_corpus(beir.corpus):
            documents.append(doc)
            new = chunk_document(doc, settings.chunk, counter, embedder.count_tokens, embedder.max_tokens)
            chunks.extend(new)
            pending.extend(c.text for c in new)
            if len(pending) >= EMBED_BATCH:
                parts.append(embedder.encode(pending))
                pending = []
            bar.update()
    if pending:
        parts.append(embedder.encode(pending))
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    if not chunks:
        raise BeirError(f"{beir.corpus}: no text to index")
    FileStore(index_dir).publish(
        IndexData(_manifest(settings, embedder, documents, chunks), documents, chunks, vectors)
    )
    return Assistant(sources_dir=beir.folder, index_dir=index_dir, settings=settings, embedder=embedder)


def _manifest(settings: Settings, embedder: Embedder, documents: list[Document], chunks: list[Chunk]) -> dict[str, Any]:
    """What ``Assistant`` checks when it opens an index (the fingerprint) and lists as its sources."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    per_source: dict[str, int] = {}
    for chunk in chunks:
        per_source[chunk.source_id] = per_source.get(chunk.source_id, 0) + 1
    return {
        "created": now,
        "fingerprint": settings.fingerprint_hash(embedder.name, embedder.max_tokens),
        **settings.index_fingerprint(),
        "model": {"name": embedder.name, "dim": embedder.dim, "max_tokens": embedder.max_tokens, "normalized": True},
        "sources": {
            d.id: {
                "sha256": d.sha256,
                "key": d.sha256,
                "bytes": len(d.text.encode()),
                "title": d.title,
                "publisher": None,
                "path": d.path,
                "chunks": per_source.get(d.id, 0),
                "indexed": now,
            }
            for d in documents
        },
        "failures": [],
    }


def evaluate(assistant: Assistant, beir: BeirSet, mode: str, *, k: int = DEPTH, progress: bool = True) -> BeirFigures:
    """Ask every judged query and score the documents the passages come from."""
    from tqdm import tqdm

    results, seconds = {}, []
    for qid, text in tqdm(beir.queries.items(), desc=f"searching ({mode})", unit="query", disable=not progress):
        began = time.perf_counter()
        results[qid] = assistant.search(text, k=k, mode=mode)
        seconds.append(time.perf_counter() - began)
    p50, p95 = percentiles_ms(seconds)
    return BeirFigures(mode, ranking(beir.qrels, document_run(results)), p50, p95, len(results))
