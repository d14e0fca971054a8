"""``Assistant``: the one Python API that the CLI, the web app and the evaluation all call."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .budget import time_budget
from .config import Settings
from .embedding import Embedder, SentenceTransformerEmbedder
from .errors import IndexMismatchError, IndexMissingError
from .answerability import judged
from .conversation import search_with_context
from .figures import extract_figures
from .heap import settle
from .indexing import Progress, build_index
from .retrieval import Retriever
from .runtime import MODELS_DIR, build_embedder, ensure_export, question_embedder
from .store import IndexStore, Snapshot
from .sources import corpus_metadata
from .sources.metadata import SourceMeta, form_metadata, read_metadata, save_metadata
from .sources.uploads import MAX_UPLOAD_BYTES, replace_upload, save_upload
from .source_filters import ORDERS, SourceFilter, by_date, check_filter, check_order, check_where, matching_sources, publishers
from .citation_styles import CITATION_STYLES, styled_citation
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
from .watcher import SourceWatcher


WARM_UP_QUESTION = "What happened?"  # any question: it loads the encoder and touches every step of a search

# What the shells build requests and citations with, reached through the facade (tests/test_imports.py).
__all__ = [
    "Assistant", "CITATION_STYLES", "MAX_UPLOAD_BYTES", "ORDERS", "SourceFilter", "SourceMeta",
    "check_filter", "check_order", "default_index_dir", "default_sources_dir", "publishers", "styled_citation",
]  # fmt: skip

if TYPE_CHECKING:
    from .links import PassageLink, Resolution


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
        # Builds and questions embed with the ONNX export when there is one, else with torch (runtime.py). An
        # embedder given is used for everything, and nothing is exported.
        self._model = embedder or SentenceTransformerEmbedder(self.settings.model)
        self._build_embedder = self._model
        self._question_embedder = embedder
        owns_model = embedder is None and isinstance(self.store, FileStore)
        self._models_dir = self.store.folder / MODELS_DIR if owns_model else None
        self._retriever: Retriever | None = None
        self._write_lock = threading.Lock()
        self._export_lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        """What encodes questions (and quote sentences); chosen on first use, so after a build's export."""
        if self._question_embedder is None:
            self._question_embedder = question_embedder(self._models_dir, self.settings.model, self._model)
        return self._question_embedder

    @embedder.setter
    def embedder(self, embedder: Embedder) -> None:
        self._question_embedder = embedder  # what encodes questions from now on; builds keep their model

    # -- index ----------------------------------------------------------------------------------

    def refresh(
        self, *, progress: bool = False, on_progress: Progress | None = None, export: bool = True
    ) -> BuildReport:
        """Index new and changed sources, drop deleted ones; a no-op when nothing changed.

        ``on_progress(done, total)`` hears of the chunks embedded; if it raises, the build stops, nothing is
        published and the previous index keeps answering. The ONNX export is written first when missing, unless
        the sources folder is empty, and the build embeds with it (faster than torch: ``runtime.py``);
        ``export=False`` leaves it to a later ``export_model()`` (the app runs it in the background, so it does
        not delay serving), and until then builds embed with torch.
        """
        with self._write_lock:
            if export and self.sources_dir.is_dir() and any(self.sources_dir.iterdir()):
                self.export_model()
            self._build_embedder = build_embedder(self._models_dir, self.settings.model, self._build_embedder, self._model)
            loaded = self._retriever.snapshot if self._retriever is not None else None
            report, snapshot = build_index(
                self.sources_dir, self.store, self._build_embedder, self.settings,
                progress=progress, loaded=loaded, on_progress=on_progress,
            )  # fmt: skip
            if snapshot is not None:
                self._adopt(snapshot)
            return report

    def export_model(self) -> None:
        """Write the ONNX export of the model for later cold starts, unless it exists (``runtime.ensure_export``).

        A no-op without a models folder, or while another thread is exporting. Questions in this process keep
        the encoder they have: the export's vectors are the same, it only spares the next process torch.
        """
        if self._models_dir is None or not self._export_lock.acquire(blocking=False):
            return
        try:
            ensure_export(self._models_dir, self.settings.model)
        finally:
            self._export_lock.release()

    def warm_up(self) -> None:
        """Open the index and answer one question, so that loading the model and reading the index's files
        are not the first user's wait. Does nothing on an empty index."""
        if self.snapshot.documents:
            self.search(WARM_UP_QUESTION)

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
                    self._adopt(snapshot)
                retriever = self._retriever
        return retriever

    def _adopt(self, snapshot: Snapshot) -> None:
        """Search ``snapshot`` from now on; the one it replaces is freed as its last search ends."""
        self._retriever = Retriever(snapshot, self.embedder, self.settings.search)
        settle()

    def _fingerprint(self) -> str:
        return self.settings.fingerprint_hash(self._model.name, self._model.max_tokens)

    # -- search ---------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 5,
        sources: Sequence[str] | None = None,
        mode: str | None = None,
        *,
        where: SourceFilter | None = None,
        order: str | None = None,
    ) -> SearchResult:
        """The k best passages for ``query``, best first, each with its quote and citation data.

        ``where`` keeps to the sources whose metadata it admits (date range, publishers); ``order="date"``
        lists the passages newest source first, undated last (the ranks stay those of relevance).

        Raises:
            InputError: an argument has the wrong type, is not valid text or is out of range (validation.py).
        """
        args = check_search(query, k, sources, mode, self.settings.requests)
        return self._answer(args, check_where(where), check_order(order), self._search)

    def ask(
        self,
        question: str,
        history: Sequence[Exchange] = (),
        *,
        k: int = 5,
        sources: Sequence[str] | None = None,
        mode: str | None = None,
        where: SourceFilter | None = None,
        order: str | None = None,
    ) -> SearchResult:
        """``search``, in a conversation: a follow-up ("and when did she resign?") is searched with the subject
        of the turn it continues (see conversation.py). The result's ``query`` is the text searched, resolved
        or as asked.

        Raises:
            InputError: as ``search``; the question is checked as asked, not joined to its context.
        """
        args = check_search(question, k, sources, mode, self.settings.requests)

        def in_conversation(narrowed: SearchArgs) -> SearchResult:
            search = lambda text: self._search(replace(narrowed, query=text))  # noqa: E731
            return judged(search_with_context(search, narrowed.query, history), self.settings.answer)

        return self._answer(args, check_where(where), check_order(order), in_conversation)

    def _answer(
        self, args: SearchArgs, where: SourceFilter, order: str, search: Callable[[SearchArgs], SearchResult]
    ) -> SearchResult:
        """``search`` over the sources ``where`` admits, its passages in ``order``; judged before reordering, so
        "nothing answers" is the verdict of the best passages, whatever order they are shown in."""
        metadata = self.metadata() if where.active or order == "date" else {}
        if where.active:
            allowed = matching_sources(args.sources or sorted(self.snapshot.documents), metadata, where)
            if not allowed:
                reason = f"No source matches the filter ({where.describe()})."
                return SearchResult(args.query, args.mode or self.settings.search.mode, (), False, reason)
            args = replace(args, sources=tuple(allowed))
        result = search(args)
        if order == "date":
            result = replace(result, results=tuple(by_date(result.results, metadata)))
        return result

    def _search(self, args: SearchArgs) -> SearchResult:
        retriever = self._current()
        mode = args.mode or self.settings.search.mode
        # The verdict weighs the first `answer.within` passages however few are asked for, so `ask -k 1` and the
        # app's five cards say the same of one question (and show the same first passage).
        depth = max(args.k, self.settings.answer.within)
        with retriever.snapshot.reading():  # one index version from the first candidate to the last quote
            passages = retriever.search(args.query, k=depth, sources=args.sources, mode=mode)
        result = judged(SearchResult(query=args.query, mode=mode, results=tuple(passages)), self.settings.answer)
        return replace(result, results=result.results[: args.k])

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

        return corroborate(passage, self._current().snapshot, self.embedder, self.settings)

    # -- sources --------------------------------------------------------------------------------

    def metadata(self) -> dict[str, SourceMeta]:
        """Each indexed source's metadata: its ``sources.toml`` entry, read now (an edit counts at once), with each
        field the entry leaves empty from the index (the title and publisher indexed, and the author, date and
        URL the file states about itself). A broken metadata file reads as no entries; the build reports it."""
        entries, _ = corpus_metadata(self.sources_dir)
        return {
            sid: entries.get(sid, SourceMeta()).filled_from(
                SourceMeta(title=e.title, publisher=e.publisher, author=e.author, published=e.published, url=e.url)
            )
            for sid, e in self.snapshot.manifest.sources.items()
        }

    def document(self, source_id: str) -> Document:
        try:
            return self.snapshot.documents[source_id]
        except KeyError:
            raise IndexMissingError(f"no indexed source named {source_id!r}") from None

    def resolve_link(self, link: PassageLink) -> Resolution:
        """Where a passage link lands in the live index: exact, moved, changed (the nearest text) or gone."""
        from .links import resolve

        return resolve(link, self.snapshot.documents, self.settings.links)

    def sources(self) -> list[SourceInfo]:
        return [
            SourceInfo(sid, e.title, e.publisher, shown_path(e.path, sid), e.bytes, e.chunks, e.indexed)
            for sid, e in sorted(self.snapshot.manifest.sources.items())
        ]

    def add_source(self, upload: Path, original_name: str) -> Path:
        """Check ``upload`` with the loaders and save it into the sources folder under a safe, unused name
        derived from ``original_name``; ``refresh`` then indexes it. Raises UploadError naming the file and why."""
        return save_upload(Path(upload), original_name, self.sources_dir)

    def replace_source(self, source_id: str, upload: Path) -> Path:
        """Check ``upload`` with the loaders and put it in place of ``source_id``'s file (same name and type);
        ``refresh`` then re-indexes it. Raises UploadError naming the file and why, and changes nothing then."""
        self._check_known(source_id)
        return replace_upload(Path(upload), self.sources_dir / source_id)

    def delete_source(self, source_id: str) -> BuildReport:
        """Remove an indexed (or failed) source's file from the sources folder and re-index."""
        self._check_known(source_id)
        (self.sources_dir / source_id).unlink(missing_ok=True)
        return self.refresh()

    def _check_known(self, source_id: str) -> None:
        known = set(self.snapshot.documents) | {f.source_id for f in self.snapshot.manifest.failures if f.source_id}
        if source_id not in known:
            raise IndexMissingError(f"no source named {source_id!r}; sources: {', '.join(sorted(known))}")

    def source_metadata(self, source_id: str) -> SourceMeta:
        """``source_id``'s entry in ``sources.toml`` (empty when it has none)."""
        self._check_known(source_id)
        return read_metadata(self.sources_dir).get(source_id, SourceMeta())

    def update_metadata(self, source_id: str, values: Mapping[str, str | None]) -> None:
        """Save ``source_id``'s metadata (title, publisher, author, published, url; blank = not given) to
        ``sources.toml``, keeping its comments; ``refresh`` then re-indexes the source so citations use it.

        Raises:
            LoadError: a value is not valid (named, with what it must be), or the file cannot be written.
        """
        self._check_known(source_id)
        save_metadata(self.sources_dir, source_id, form_metadata(values, f"{self.sources_dir.name}/{source_id}"))

    def watch(self, refresh: Callable[[], object] | None = None) -> SourceWatcher:
        """Start a thread that calls ``refresh`` (default: ``refresh(export=False)``) a moment after files in the
        sources folder are added, changed or removed by any means (``Settings.watch``); ``stop()`` ends it."""
        return SourceWatcher(self.sources_dir, refresh or (lambda: self.refresh(export=False)), self.settings.watch).start()

    def failures(self) -> list[LoadFailure]:
        """The sources the live index could not read, and why."""
        # A failure's path is relative to the sources folder (the scan names what it skipped that way); shown
        # like an answer's source, from the folder's name down.
        return [
            replace(f.failure(), path=shown_path(str(self.sources_dir / f.path), f.source_id or f.path))
            for f in self.snapshot.manifest.failures
        ]
