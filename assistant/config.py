"""Settings: one frozen, validated object whose fingerprint is stored with the index."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from .errors import SettingsError

FORMAT_VERSION = 1
# Bump when a change to segmentation.py or chunking.py moves chunk edges: settings alone do not show it,
# and an index chunked by the old code would otherwise be reused with offsets the new code never made.
CHUNKER_VERSION = 1
MODES = ("hybrid", "dense", "bm25")
FUSIONS = ("rrf", "blend")
DENSE_INDEXES = ("flat", "hnsw", "auto")


@dataclass(frozen=True)
class ChunkSettings:
    """Token windows measured with tiktoken's cl100k, cut on sentence boundaries."""

    encoding: str = "cl100k_base"
    max_tokens: int = 128
    overlap_tokens: int = 32

    def __post_init__(self) -> None:
        if self.max_tokens < 16:
            raise SettingsError(f"chunk max_tokens must be at least 16, got {self.max_tokens}")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise SettingsError(
                f"chunk overlap_tokens must be in [0, max_tokens={self.max_tokens}), got {self.overlap_tokens}"
            )


# The models the embedder can load offline: each ships inside a package (see embedding.py).
MODELS = ("all-MiniLM-L6-v2",)


@dataclass(frozen=True)
class ModelSettings:
    name: str = "all-MiniLM-L6-v2"  # chooses the model; recorded in the index fingerprint
    batch_size: int = 32

    def __post_init__(self) -> None:
        if self.name not in MODELS:
            raise SettingsError(f"model name must be one of {', '.join(MODELS)}, got {self.name!r}")
        if self.batch_size < 1:
            raise SettingsError(f"model batch_size must be positive, got {self.batch_size}")


@dataclass(frozen=True)
class SearchSettings:
    mode: str = "hybrid"
    rrf_k: int = 60  # Cormack et al. (SIGIR 2009), with ranks counted from 1
    candidates: int = 100  # per retriever, before fusion and duplicate grouping
    duplicate_ratio: float = 80.0  # rapidfuzz ratio between quotes that makes them one result
    fusion: str = "blend"  # hybrid: min-max normalised scores ("blend") or reciprocal ranks ("rrf")
    dense_weight: float = 0.5  # the dense side's share of a "blend"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SettingsError(f"search mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.rrf_k < 1 or self.candidates < 1:
            raise SettingsError("search rrf_k and candidates must be positive")
        if self.fusion not in FUSIONS:
            raise SettingsError(f"search fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise SettingsError(f"search dense_weight must be in [0, 1], got {self.dense_weight}")


@dataclass(frozen=True)
class DenseSettings:
    """Which FAISS index answers dense searches: exact ("flat"), approximate ("hnsw"), or by size ("auto")."""

    index: str = "auto"
    hnsw_from: int = 1_000_000  # "auto" builds HNSW from here: below, one exact pass on one thread is fast enough (bench/README.md)
    m: int = 32  # HNSW links per node
    ef_construction: int = 80
    ef_search: int = 128

    def __post_init__(self) -> None:
        if self.index not in DENSE_INDEXES:
            raise SettingsError(f"dense index must be one of {', '.join(DENSE_INDEXES)}, got {self.index!r}")
        for name in ("hnsw_from", "m", "ef_construction", "ef_search"):
            if getattr(self, name) < 1:
                raise SettingsError(f"dense {name} must be positive, got {getattr(self, name)}")

    def use_hnsw(self, rows: int) -> bool:
        return self.index == "hnsw" or (self.index == "auto" and rows >= self.hnsw_from)


@dataclass(frozen=True)
class AnswerSettings:
    """When an answer says that nothing in the sources answers the question closely."""

    # ``SearchResult.best_similarity()`` under which no passage answers; calibrated on the gold set and
    # pinned as ``[abstention] abstain_below`` in eval/expected.toml (a test keeps the two equal).
    abstain_below: float = 0.18

    def __post_init__(self) -> None:
        if not -1.0 <= self.abstain_below <= 1.0:
            raise SettingsError(f"answer abstain_below must be a cosine in [-1, 1], got {self.abstain_below}")


@dataclass(frozen=True)
class DeskSettings:
    """The quote desk's thresholds: verifying a quote and finding who else reports it."""

    # A quote is an altered version of its closest source span, rather than not in the sources, when their
    # characters are this similar (Indel) -- one changed number or name -- or when this share of its words
    # stands there unchanged and in order -- a quote that left words out. On the verdict cases of
    # tests/test_verification.py, alterations reach at least 0.81 on one of the two; invented and
    # paraphrased sentences about the same story stay at or under 0.70 similarity and 0.50 coverage.
    altered_min_similarity: float = 0.8
    altered_min_coverage: float = 0.75
    verify_candidates: int = 40  # chunks per retriever and per text searched when verifying
    nearest: int = 3  # passages shown when a quote is not found
    # Chosen together on eval/corroboration_pairs.jsonl, best F1 first (ties: the smaller weight, then the
    # higher threshold); figures in eval/quote_desk_report.md.
    link_threshold: float = 0.58
    figure_weight: float = 0.15  # added when two sentences state a figure in common, taken off when they differ
    link_candidates: int = 10  # per retriever: chunks of other sources near the quote
    link_chunks_per_source: int = 2  # of those, the nearest per source and retriever whose sentences are compared

    def __post_init__(self) -> None:
        for name in ("altered_min_similarity", "altered_min_coverage"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise SettingsError(f"desk {name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("verify_candidates", "nearest", "link_candidates", "link_chunks_per_source"):
            if getattr(self, name) < 1:
                raise SettingsError(f"desk {name} must be positive, got {getattr(self, name)}")


@dataclass(frozen=True)
class LinkSettings:
    """How a passage link whose source changed finds its text again (assistant/links.py)."""

    min_similarity: float = 60.0  # rapidfuzz ratio under which the nearest text is another passage, not an edit

    def __post_init__(self) -> None:
        if not 0.0 < self.min_similarity <= 100.0:
            raise SettingsError(f"links min_similarity must be in (0, 100], got {self.min_similarity}")


@dataclass(frozen=True)
class WatchSettings:
    """How often the running app looks at the sources folder (assistant/watcher.py)."""

    interval: float = 2.0  # seconds between stat scans: a dropped file is searchable within a few seconds
    quiet: float = 1.0  # seconds the folder must stay unchanged first, so a file still being copied waits

    def __post_init__(self) -> None:
        if self.interval <= 0 or self.quiet < 0:
            raise SettingsError(f"watch interval must be positive and quiet not negative, got {self.interval}, {self.quiet}")


@dataclass(frozen=True)
class Settings:
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    dense: DenseSettings = field(default_factory=DenseSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    desk: DeskSettings = field(default_factory=DeskSettings)
    links: LinkSettings = field(default_factory=LinkSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)

    def index_fingerprint(self) -> dict[str, object]:
        """What an index depends on besides the model: a difference in any of it means a rebuild."""
        return {
            "format_version": FORMAT_VERSION,
            "chunker_version": CHUNKER_VERSION,
            "chunker": asdict(self.chunk),
            "bm25": BM25_PARAMS,
        }

    def fingerprint_hash(self, model_name: str, model_max_tokens: int) -> str:
        payload = json.dumps(
            {**self.index_fingerprint(), "model": model_name, "model_max_tokens": model_max_tokens}, sort_keys=True
        ).encode()
        return hashlib.sha256(payload).hexdigest()


# The one place BM25 is configured: store/sparse.py builds and queries with these, quoting.terms reads
# words the same way, and the fingerprint records them so a change rebuilds the index.
BM25_PARAMS: dict[str, object] = {"method": "lucene", "k1": 1.5, "b": 0.75, "stopwords": "en", "stemmer": "english"}
