"""``Assistant``: the one Python API that the CLI, the web app and the evaluation all call."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings
from .embedding import Embedder, SentenceTransformerEmbedder
from .errors import IndexMismatchError, IndexMissingError
from .indexing import BuildReport, build_index
from .retrieval import Retriever
from .store import IndexStore, Snapshot
from .store.choice import store_from
from .store.files import REBUILD_HINT
from .types import Document, SearchResult

if TYPE_CHECKING:
    from .corroboration import Corroboration
    from .types import Passage
    from .verification import Verification



def default_sources_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_SOURCES_DIR", "sources"))


def default_index_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_INDEX_DIR", "index"))


@dataclass(frozen=True)
class SourceInfo:
    """A row of the sources listing."""

    id: str
    title: str
    publisher: str | None
    path: str
    bytes: int
    chunks: int
    indexed: str


class Assistant:
    """Open or build an index and search it.

    Reads are lock-free: a search takes the current ``Retriever`` once and uses that snapshot to the
    end. A build (``refresh``) runs beside searches and swaps the reference when the new snapshot is
    published, so no request sees a half-built index. Builds are serialised by a writer lock.

    Example::

        assistant = Assistant(sources_dir="sources", index_dir="index")
        assistant.refresh()
        for passage in assistant.search("How many allegations is the unit investigating?").results:
            print(passage.rank, passage.quote.text)
    """

    def __init__(
        self,
        sources_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        store: IndexStore | None = None,
    ) -> None:
        self.sources_dir = Path(sources_dir) if sources_dir is not None else default_sources_dir()
        self.settings = settings or Settings()
        self.embedder = embedder or SentenceTransformerEmbedder(self.settings.model.batch_size)
        # No store given: $ASSISTANT_DATABASE_URL's database when set, else the index folder.
        self.store = store or store_from(None, index_dir, self.settings)
        self._retriever: Retriever | None = None
        self._write_lock = threading.Lock()

    # -- index ----------------------------------------------------------------------------------

    def refresh(self, *, progress: bool = False) -> BuildReport:
        """Index new and changed sources, drop deleted ones; a no-op when nothing changed."""
        with self._write_lock:
            loaded = self._retriever.snapshot if self._retriever is not None else None
            report, snapshot = build_index(
                self.sources_dir, self.store, self.embedder, self.settings, progress=progress, loaded=loaded
            )
            if snapshot is not None:
                self._retriever = Retriever(snapshot, self.embedder, self.settings.search)
            return report

    def is_current(self) -> bool:
        """True when an index exists and was built with this model and these settings."""
        manifest = self.store.manifest()
        return manifest is not None and manifest.get("fingerprint") == self._fingerprint()

    @property
    def snapshot(self) -> Snapshot:
        return self._current().snapshot

    def _current(self) -> Retriever:
        retriever = self._retriever
        # Another process (a second app server, an `index` run) may have published since: one cheap check.
        if retriever is None or not self.store.is_current(retriever.snapshot):
            with self._write_lock:
                if self._retriever is retriever:
                    snapshot = self.store.open()
                    if snapshot.manifest.get("fingerprint") != self._fingerprint():
                        raise IndexMismatchError(
                            "the index was built with another model, chunker (settings or code version) or format; " + REBUILD_HINT
                        )
                    self._retriever = Retriever(snapshot, self.embedder, self.settings.search)
                retriever = self._retriever
        return retriever

    def _fingerprint(self) -> str:
        return self.settings.fingerprint_hash(self.embedder.name, self.embedder.max_tokens)

    # -- search ---------------------------------------------------------------------------------

    def search(
        self, query: str, k: int = 5, sources: Sequence[str] | None = None, mode: str | None = None
    ) -> SearchResult:
        """The k best passages for ``query``, best first, each with its quote and citation data."""
        retriever = self._current()
        mode = mode or self.settings.search.mode
        with retriever.snapshot.reading():
            passages = retriever.search(query, k=k, sources=sources, mode=mode)
        return SearchResult(query=query, mode=mode, results=tuple(passages))

    def verify(self, text: str) -> Verification:
        """Exact / altered / not found, with every place, a word diff and citations."""
        from .verification import verify_quote

        return verify_quote(self._current().snapshot, self.embedder, text)

    def reported_also_by(self, passage: Passage) -> list[Corroboration]:
        """Sentences of other sources that state the passage's quote in other words, best first."""
        from .corroboration import corroborate

        retriever = self._current()
        # The retriever has embedded the sentences of every passage it returned: share its cache.
        return corroborate(passage, retriever.snapshot, self.embedder, cache=retriever.sentence_vectors)

    # -- sources --------------------------------------------------------------------------------

    def document(self, source_id: str) -> Document:
        try:
            return self.snapshot.documents[source_id]
        except KeyError:
            raise IndexMissingError(f"no indexed source named {source_id!r}") from None

    def sources(self) -> list[SourceInfo]:
        manifest: dict[str, Any] = self.snapshot.manifest
        return [
            SourceInfo(sid, e["title"], e["publisher"], e["path"], e["bytes"], e["chunks"], e["indexed"])
            for sid, e in sorted(manifest["sources"].items())
        ]

    def failures(self) -> list[dict[str, str]]:
        return [{"path": f["path"], "reason": f["reason"]} for f in self.snapshot.manifest.get("failures", [])]
