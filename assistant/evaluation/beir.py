"""Score any BEIR-format data set with the same search and metrics as the gold set.

A BEIR folder holds ``corpus.jsonl`` (``{"_id", "title", "text"}`` per line), ``queries.jsonl``
(``{"_id", "text"}``) and ``qrels/<split>.tsv`` (``query-id  corpus-id  score``, tab-separated, with a
header line). Each corpus line becomes a Document (title, a blank line, then the text) that is chunked,
embedded and published into a temporary index by the core's own build path; the queries then go
through ``Assistant.search``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..embedding import Embedder
from ..errors import AssistantError
from ..indexing import index_documents
from ..manifest import SourceEntry, now, source_entry
from ..service import Assistant
from ..store.files import FileStore
from ..types import Document
from .harness import DEPTH
from .metrics import percentiles_ms, ranking
from .qrels import Qrels, document_run

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


def index_corpus(
    beir: BeirSet, index_dir: Path, embedder: Embedder, settings: Settings, *, progress: bool = True
) -> Assistant:
    """Index the corpus through the core's one build path (``indexing.index_documents``) and return an
    Assistant over it. Memory holds the documents, the chunk table and the vectors, what any index of
    the corpus holds; the model embeds in slices.
    """
    documents = list(iter_corpus(beir.corpus))
    if not documents:
        raise BeirError(f"{beir.corpus}: no text to index")
    stamp = now()

    def entry(doc: Document, chunks: int) -> SourceEntry:
        return source_entry(doc, chunks, key=doc.sha256, size=len(doc.text.encode()), indexed=stamp)

    store = FileStore(index_dir, dense=settings.dense)  # a scratch index: never $ASSISTANT_DATABASE_URL's
    snapshot, _ = index_documents(documents, store, embedder, settings, entry, progress=progress)
    if not snapshot.chunks:
        raise BeirError(f"{beir.corpus}: no text to index")
    return Assistant(sources_dir=beir.folder, settings=settings, embedder=embedder, store=store)


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
