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


@dataclass(frozen=True)
class ModelSettings:
    name: str = "all-MiniLM-L6-v2"
    batch_size: int = 32

    def __post_init__(self) -> None:
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
    # The first rerank_depth passages are reordered by score + quote_weight x their quote's score (cosine of the
    # best sentence + lexical + answer-kind terms, see quoting.choose_quote): no new model call, the sentence
    # vectors are already computed for the quote (eval/squad.md: measured on SQuAD's held-out half).
    quote_weight: float = 2.0
    rerank_depth: int = 5

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SettingsError(f"search mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.rrf_k < 1 or self.candidates < 1:
            raise SettingsError("search rrf_k and candidates must be positive")
        if self.fusion not in FUSIONS:
            raise SettingsError(f"search fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise SettingsError(f"search dense_weight must be in [0, 1], got {self.dense_weight}")
        if self.quote_weight < 0.0 or self.rerank_depth < 1:
            raise SettingsError(
                f"search quote_weight must be >= 0 and rerank_depth >= 1, got {self.quote_weight}, {self.rerank_depth}"
            )


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
class Settings:
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    dense: DenseSettings = field(default_factory=DenseSettings)

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


BM25_PARAMS: dict[str, object] = {"method": "lucene", "k1": 1.5, "b": 0.75, "stopwords": "en", "stemmer": "english"}
