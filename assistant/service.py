"""``Assistant``: the one Python API that the CLI, the web app and the evaluation all call."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .budget import time_budget
from .config import Settings
from .embedding import Embedder, SentenceTransformerEmbedder
from .errors import IndexMismatchError, IndexMissingError
from .answerability import judged
from .conversation import search_with_context
from .figures import extract_figures
from .indexing import Progress, build_index
from .retrieval import Retriever
from .runtime import MODELS_DIR, ensure_export, question_embedder
from .store import IndexStore, Snapshot
from .sources.uploads import MAX_UPLOAD_BYTES, save_upload
from .store.choice import DATABASE_URL_ENV, REPLICAS_ENV, store_from
from .store.files import REBUILD_HINT, FileStore
from .types import (
    BuildReport,
    Corroboration,
    Document,
    Exchange,
    Figure,
    LoadFailure,
    Passage,
    SearchResult,
    SourceInfo,
    Verification,
    shown_path,
)
from .validation import SearchArgs, check_quote, check_search


def default_sources_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_SOURCES_DIR", "sources"))


def default_index_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_INDEX_DIR", "index"))


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
        *,
        store_url: str | None = None,
        replica_urls: Sequence[str] = (),
    ) -> None:
        self.sources_dir = Path(sources_dir) if sources_dir is not None else default_sources_dir()
        self.settings = settings or Settings()
        # No store given: the database of store_url (else $ASSISTANT_DATABASE_URL) when set, else the index folder.
        self.store = store or store_from(
            store_url, index_dir if index_dir is not None else default_index_dir(), self.settings, replica_urls
        )
        # Builds embed with torch; questions with the ONNX export when there is one (runtime.py). An
        # embedder given is used for everything, and nothing is exported.
        self._build_embedder = embedder or SentenceTransformerEmbedder(self.settings.model)
        self._question_embedder = embedder
        owns_model = embedder is None and isinstance(self.store, FileStore)
        self._models_dir = self.store.folder / MODELS_DIR if owns_model else None
        self._retriever: Retriever | None = None
        self._write_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        """What encodes questions (and quote sentences); chosen on first use, so after a build's export."""
        if self._question_embedder is None:
            self._question_embedder = question_embedder(self._models_dir, self.settings.model, self._build_embedder)
        return self._question_embedder

    @embedder.setter
    def embedder(self, embedder: Embedder) -> None:
        self._question_embedder = embedder  # what encodes questions from now on; builds keep their model

    # -- index ----------------------------------------------------------------------------------

    def refresh(self, *, progress: bool = False, on_progress: Progress | None = None) -> BuildReport:
        """Index new and changed sources, drop deleted ones; a no-op when nothing changed.

        ``on_progress(done, total)`` hears of the chunks embedded; if it raises, the build stops, nothing is
        published and the previous index keeps answering.
        """
        with self._write_lock:
            loaded = self._retriever.snapshot if self._retriever is not None else None
            report, snapshot = build_index(
                self.sources_dir, self.store, self._build_embedder, self.settings,
                progress=progress, loaded=loaded, on_progress=on_progress,
            )  # fmt: skip
            if self._models_dir is not None and report.documents:  # an empty index has nothing to ask
                ensure_export(self._models_dir, self.settings.model)
            if snapshot is not None:
                self._retriever = Retriever(snapshot, self.embedder, self.settings.search)
            return report

    def is_current(self) -> bool:
        """True when an index exists and was built with this model and these settings."""
        manifest = self.store.manifest()
        return manifest is not None and manifest.fingerprint == self._fingerprint()

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
                    if snapshot.manifest.fingerprint != self._fingerprint():
                        raise IndexMismatchError(
                            "the index was built with another model, chunker (settings or code version) or format; " + REBUILD_HINT
                        )
                    self._retriever = Retriever(snapshot, self.embedder, self.settings.search)
                retriever = self._retriever
        return retriever

    def _fingerprint(self) -> str:
        return self.settings.fingerprint_hash(self._build_embedder.name, self._build_embedder.max_tokens)

    # -- search ---------------------------------------------------------------------------------

    def search(
        self, query: str, k: int = 5, sources: Sequence[str] | None = None, mode: str | None = None
    ) -> SearchResult:
        """The k best passages for ``query``, best first, each with its quote and citation data.

        Raises:
            InputError: an argument has the wrong type, is not valid text or is out of range (validation.py).
        """
        return self._search(check_search(query, k, sources, mode, self.settings.requests))

    def ask(
        self,
        question: str,
        history: Sequence[Exchange] = (),
        *,
        k: int = 5,
        sources: Sequence[str] | None = None,
        mode: str | None = None,
    ) -> SearchResult:
        """``search``, in a conversation: a follow-up ("and when did she resign?") is searched with the subject
        of the turn it continues (see conversation.py). The result's ``query`` is the text searched, resolved
        or as asked.

        Raises:
            InputError: as ``search``; the question is checked as asked, not joined to its context.
        """
        args = check_search(question, k, sources, mode, self.settings.requests)
        result = search_with_context(lambda text: self._search(replace(args, query=text)), args.query, history)
        return judged(result, self.settings.answer)

    def _search(self, args: SearchArgs) -> SearchResult:
        retriever = self._current()
        mode = args.mode or self.settings.search.mode
        with retriever.snapshot.reading():  # one index version from the first candidate to the last quote
            passages = retriever.search(args.query, k=args.k, sources=args.sources, mode=mode)
        return judged(SearchResult(query=args.query, mode=mode, results=tuple(passages)), self.settings.answer)

    def figures(self, result: SearchResult) -> list[Figure]:
        """The figures the result's quotes state, grouped across sources, in order of first mention."""
        return extract_figures(result.results)

    def verify(self, text: str) -> Verification:
        """Exact / altered / not found, with every place, a word diff and citations.

        Raises:
            InputError: the quote is not text, not valid text or over ``settings.requests.quote_chars``.
            BudgetExceeded: the verification ran past ``settings.requests.verify_seconds``.
        """
        from .verification import verify_quote

        quote = check_quote(text, self.settings.requests)
        with time_budget(self.settings.requests.verify_seconds, "verifying the quote"):
            return verify_quote(self._current().snapshot, self.embedder, quote, self.settings)

    def reported_also_by(self, passage: Passage) -> list[Corroboration]:
        """Sentences of other sources that state the passage's quote in other words, best first."""
        from .corroboration import corroborate

        retriever = self._current()
        # The retriever has embedded the sentences of every passage it returned: share its cache.
        return corroborate(
            passage, retriever.snapshot, self.embedder, self.settings, cache=retriever.sentence_vectors
        )

    # -- sources --------------------------------------------------------------------------------

    def document(self, source_id: str) -> Document:
        try:
            return self.snapshot.documents[source_id]
        except KeyError:
            raise IndexMissingError(f"no indexed source named {source_id!r}") from None

    def sources(self) -> list[SourceInfo]:
        return [
            SourceInfo(sid, e.title, e.publisher, shown_path(e.path, sid), e.bytes, e.chunks, e.indexed)
            for sid, e in sorted(self.snapshot.manifest.sources.items())
        ]

    def add_source(self, upload: Path, original_name: str) -> Path:
        """Check ``upload`` with the loaders and save it into the sources folder under a safe, unused name
        derived from ``original_name``; ``refresh`` then indexes it. Raises UploadError naming the file and why."""
        return save_upload(Path(upload), original_name, self.sources_dir)

    def delete_source(self, source_id: str) -> BuildReport:
        """Remove an indexed (or failed) source's file from the sources folder and re-index."""
        known = set(self.snapshot.documents) | {f.source_id for f in self.snapshot.manifest.failures if f.source_id}
        if source_id not in known:
            raise IndexMissingError(f"no source named {source_id!r}; sources: {', '.join(sorted(known))}")
        (self.sources_dir / source_id).unlink(missing_ok=True)
        return self.refresh()

    def failures(self) -> list[LoadFailure]:
        """The sources the live index could not read, and why."""
        # A failure's path is relative to the sources folder (the scan names what it skipped that way); shown
        # like an answer's source, from the folder's name down.
        return [
            LoadFailure(shown_path(str(self.sources_dir / f.path), f.source_id or f.path), f.reason)
            for f in self.snapshot.manifest.failures
        ]
