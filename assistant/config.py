"""Settings: one frozen, validated object whose fingerprint is stored with the index."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from .errors import SettingsError

FORMAT_VERSION = 4  # 2: segments (store/segments.py) with term counts in place of bm25s arrays, and each
# chunk's sentence spans and vectors (store/sentences.py); 3: each document's sentence term counts (term_stats.py);
# 4: each sentence's answer-kind evidence and heading flag (sentence_features.py)
# Bump when a change to segmentation.py or chunking.py moves chunk edges: settings alone do not show it,
# and an index chunked by the old code would otherwise be reused with offsets the new code never made.
# 2: runs of text without white space are cut into pieces within the token limits; 3: no chunk runs across a PDF page
CHUNKER_VERSION = 3
MODES = ("hybrid", "dense", "bm25")
CHUNK_UNITS = ("window", "paragraph", "packed")
FUSIONS = ("rrf", "blend")
DENSE_INDEXES = ("flat", "hnsw", "auto")
# How a passage's quote sentence is chosen (quoting.choose_quotes): the hand-set rule, or the linear score fitted on
# SQuAD's tuning half (sentence_choice.py).
QUOTE_CHOICES = ("rule", "learned")


@dataclass(frozen=True)
class ChunkSettings:
    """Token windows measured with tiktoken's cl100k, cut on sentence boundaries.

    ``unit``: "window" packs sentences across paragraphs; "paragraph" makes each paragraph that fits the model
    one chunk and windows only the longer ones; "packed" packs whole paragraphs that fit the model into windows of
    ``max_tokens`` and windows only the longer ones (measured in eval/chunking.md).
    """

    encoding: str = "cl100k_base"
    max_tokens: int = 128
    overlap_tokens: int = 32
    unit: str = "window"

    def __post_init__(self) -> None:
        if self.unit not in CHUNK_UNITS:
            raise SettingsError(f"chunk unit must be one of {', '.join(CHUNK_UNITS)}, got {self.unit!r}")
        if self.max_tokens < 16:
            raise SettingsError(f"chunk max_tokens must be at least 16, got {self.max_tokens}")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise SettingsError(
                f"chunk overlap_tokens must be in [0, max_tokens={self.max_tokens}), got {self.overlap_tokens}"
            )


# The models the embedder can load offline: each ships inside a package (see embedding.py).
MODELS = ("all-MiniLM-L6-v2",)
# What embeds questions and builds when the Assistant loads its own model (see runtime.py).
RUNTIMES = ("auto", "torch", "onnx")
# How the index makes the sentence vectors quotes are chosen with (see sentence_vectors.py).
SENTENCE_VECTORS = ("pooled", "separate")


@dataclass(frozen=True)
class ModelSettings:
    name: str = "all-MiniLM-L6-v2"  # chooses the model; recorded in the index fingerprint
    batch_size: int = 32
    # "auto" and "onnx": the index build exports the model to ONNX in <index>/models/ (before it embeds) and
    # questions and builds run it with onnxruntime (no torch import: a cold ask ~3x faster; a build's model
    # CPU time 0.5-0.85x, the least gain on a quiet machine); "onnx" also warns when questions find no export.
    # "torch": never export; sentence-transformers for everything. Not in the fingerprint: both give the same
    # vectors (within 1e-4).
    runtime: str = "auto"
    # "separate": each sentence embedded on its own (a second pass over the text); "pooled": the mean of its
    # chunk's token embeddings inside it, from the pass that embeds the chunk (no extra model time, but read in
    # the chunk's context it ranks and links worse: README "Quote vectors"). In the fingerprint.
    sentence_vectors: str = "separate"

    def __post_init__(self) -> None:
        if self.sentence_vectors not in SENTENCE_VECTORS:
            raise SettingsError(
                f"model sentence_vectors must be one of {', '.join(SENTENCE_VECTORS)}, got {self.sentence_vectors!r}"
            )
        if self.name not in MODELS:
            raise SettingsError(f"model name must be one of {', '.join(MODELS)}, got {self.name!r}")
        if self.runtime not in RUNTIMES:
            raise SettingsError(f"model runtime must be one of {', '.join(RUNTIMES)}, got {self.runtime!r}")
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
    # vectors are already computed for the quote (eval/squad.md: measured on SQuAD's held-out half). Ten, not five:
    # a passage ranked 6-10 whose quote states the answer reaches the five shown (eval/quote-study.md).
    quote_weight: float = 2.0
    rerank_depth: int = 10
    # Added there times how fully the passage's quote itself holds the kind of answer asked for times its share of
    # the question's rare words (quote_answers.py): of two passages about one event, only one quote may name who or
    # state how many. 0.15-0.25 gain on the gold set, 0.4 and more lose a question on SQuAD's tuning half
    # (eval/quote-study.md, fourth round); 0 turns it off.
    answer_weight: float = 0.2
    quote_choice: str = "rule"  # one of QUOTE_CHOICES
    # Added there times the passage's best learned sentence score (sentence_choice.score, fitted on SQuAD's tuning
    # half). 0.05 over the whole halves: tune p@1 / quote +2 of 523, held out +6 / +5 of 755 with none lost, gold and
    # the follow-up chains unchanged; from 0.1 the gold set loses first passages (eval/quote-study.md, seventh round).
    # Costs ~0.7 ms CPU per search; 0 turns it off and spares the search the learned features.
    learned_weight: float = 0.05

    def __post_init__(self) -> None:
        if self.quote_choice not in QUOTE_CHOICES:
            raise SettingsError(f"search quote_choice must be one of {', '.join(QUOTE_CHOICES)}, got {self.quote_choice!r}")
        if self.mode not in MODES:
            raise SettingsError(f"search mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.rrf_k < 1 or self.candidates < 1:
            raise SettingsError("search rrf_k and candidates must be positive")
        if self.fusion not in FUSIONS:
            raise SettingsError(f"search fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise SettingsError(f"search dense_weight must be in [0, 1], got {self.dense_weight}")
        if self.quote_weight < 0.0 or self.answer_weight < 0.0 or self.learned_weight < 0.0 or self.rerank_depth < 1:
            raise SettingsError(
                "search quote_weight, answer_weight and learned_weight must be >= 0 and rerank_depth >= 1, got "
                f"{self.quote_weight}, {self.answer_weight}, {self.learned_weight}, {self.rerank_depth}"
            )


@dataclass(frozen=True)
class DenseSettings:
    """Which FAISS index answers dense searches: exact ("flat"), approximate ("hnsw"), or by size ("auto")."""

    index: str = "auto"
    hnsw_from: int = 1_000_000  # "auto" builds HNSW from here: below, one exact pass on one thread is fast enough (bench/README.md)
    m: int = 32  # HNSW links per node
    ef_construction: int = 80
    ef_search: int = 128
    # The most memory a PostgreSQL build may give pgvector's HNSW graph (maintenance_work_mem for the publish that
    # creates it; sized to the graph below this): past it the build goes on from disk, many times slower.
    build_memory_mb: int = 4096

    def __post_init__(self) -> None:
        if self.index not in DENSE_INDEXES:
            raise SettingsError(f"dense index must be one of {', '.join(DENSE_INDEXES)}, got {self.index!r}")
        for name in ("hnsw_from", "m", "ef_construction", "ef_search", "build_memory_mb"):
            if getattr(self, name) < 1:
                raise SettingsError(f"dense {name} must be positive, got {getattr(self, name)}")

    def use_hnsw(self, rows: int) -> bool:
        return self.index == "hnsw" or (self.index == "auto" and rows >= self.hnsw_from)


_MIB = 1024 * 1024


@dataclass(frozen=True)
class SourceSettings:
    """What a source file may be; a file over a limit is skipped with the limit named (README "Limits").

    Sizes are per type because the cost per byte differs: text is chunked as is, HTML is parsed into a
    tree first, and a PDF's bytes are mostly compressed streams and images.
    """

    max_text_bytes: int = 20 * _MIB  # .txt and .md
    max_html_bytes: int = 20 * _MIB
    max_pdf_bytes: int = 100 * _MIB
    max_pdf_pages: int = 5_000
    max_html_depth: int = 20_000  # nested elements: real pages stay under 100; the walk is iterative, but parsers and libraries may recurse
    seconds_per_file: float = 120.0  # reading, parsing and chunking one file
    follow_links_outside: bool = False  # a link out of the folder would let the index serve any readable file

    def __post_init__(self) -> None:
        for name in ("max_text_bytes", "max_html_bytes", "max_pdf_bytes", "max_pdf_pages", "max_html_depth"):
            if getattr(self, name) < 1:
                raise SettingsError(f"sources {name} must be positive, got {getattr(self, name)}")
        if not self.seconds_per_file > 0:
            raise SettingsError(f"sources seconds_per_file must be positive, got {self.seconds_per_file}")

    def max_bytes(self, suffix: str) -> int:
        """The size limit for a file of type ``suffix`` (lower case, with the dot)."""
        if suffix == ".pdf":
            return self.max_pdf_bytes
        if suffix in (".html", ".htm"):
            return self.max_html_bytes
        return self.max_text_bytes


@dataclass(frozen=True)
class AnswerSettings:
    """When an answer says that nothing in the sources answers the question (see answerability.py).

    Calibrated on eval/gold.toml's 22 unanswerable questions (eval/report.md, "Abstention") and checked on
    SQuAD's on-topic unanswerable ones (eval/squad.md); the other signals tried, and why none was added, are in
    eval/abstention-study.md.
    """

    # Best ``Passage.similarity`` among the first ``within`` under which the question is off the subject;
    # pinned as ``[abstention] abstain_below`` in eval/expected.toml (a test keeps the two equal).
    abstain_below: float = 0.18
    # Share of the question's terms (stemmed; stop and question words out) that the first ``within`` passages
    # must carry together: an on-topic question the sources cannot answer ("the unit's annual budget") finds
    # passages as close as real answers do, but not ones that mention what it asks about.
    min_term_coverage: float = 0.4
    # Passages at least this close to the question are on its subject; then one of their sentences that holds the
    # kind of answer asked for must reach ``min_sentence_similarity``: else they talk around the question without
    # saying what it asks ("How many officers does Greater Manchester Police employ?" beside the Met's officers).
    # Chosen on the gold set and SQuAD's tuning half, checked on its held-out half (eval/abstention-study.md).
    on_subject: float = 0.4
    min_sentence_similarity: float = 0.45
    within: int = 5  # passages judged: the app shows 5

    def __post_init__(self) -> None:
        if not -1.0 <= self.abstain_below <= 1.0:
            raise SettingsError(f"answer abstain_below must be a cosine in [-1, 1], got {self.abstain_below}")
        for name in ("on_subject", "min_sentence_similarity"):
            if not -1.0 <= getattr(self, name) <= 1.0:
                raise SettingsError(f"answer {name} must be a cosine in [-1, 1], got {getattr(self, name)}")
        if not 0.0 <= self.min_term_coverage <= 1.0:
            raise SettingsError(f"answer min_term_coverage must be a share in [0, 1], got {self.min_term_coverage}")
        if self.within < 1:
            raise SettingsError(f"answer within must be at least 1, got {self.within}")


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
    # higher threshold), on separately embedded sentences (the index's default); figures in
    # eval/quote_desk_report.md. On pooled ones the pairs choose 0.51, at F1 0.84 against 0.91.
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
class RequestSettings:
    """Bounds on one request, so no single question or pasted quote can hold the service (README "Limits")."""

    # A pasted paragraph or page still answers as a question (tests/test_end_to_end.py asks 10,000 characters):
    # the model reads only its first ~250 tokens, BM25 all of its words, both in milliseconds.
    question_chars: int = 10_000
    quote_chars: int = 20_000  # about eight pages of prose: a long quotation, with room to spare
    max_k: int = 50  # passages per search; each one costs a quote and a citation to build
    verify_seconds: float = 5.0  # a verification past this is stopped with a message

    def __post_init__(self) -> None:
        for name in ("question_chars", "quote_chars", "max_k"):
            if getattr(self, name) < 1:
                raise SettingsError(f"request {name} must be positive, got {getattr(self, name)}")
        if not self.verify_seconds > 0:
            raise SettingsError(f"request verify_seconds must be positive, got {self.verify_seconds}")


@dataclass(frozen=True)
class Settings:
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    dense: DenseSettings = field(default_factory=DenseSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    desk: DeskSettings = field(default_factory=DeskSettings)
    links: LinkSettings = field(default_factory=LinkSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    requests: RequestSettings = field(default_factory=RequestSettings)

    def index_fingerprint(self) -> dict[str, object]:
        """What an index depends on besides the model: a difference in any of it means a rebuild."""
        return {
            "format_version": FORMAT_VERSION,
            "chunker_version": CHUNKER_VERSION,
            "chunker": asdict(self.chunk),
            "bm25": BM25_PARAMS,
            "sentence_vectors": self.model.sentence_vectors,
        }

    def fingerprint_hash(self, model_name: str, model_max_tokens: int) -> str:
        payload = json.dumps(
            {**self.index_fingerprint(), "model": model_name, "model_max_tokens": model_max_tokens}, sort_keys=True
        ).encode()
        return hashlib.sha256(payload).hexdigest()


# The one place BM25 is configured: store/sparse.py builds and queries with these, quoting.terms reads
# words the same way, and the fingerprint records them so a change rebuilds the index.
BM25_PARAMS: dict[str, object] = {"method": "lucene", "k1": 1.5, "b": 0.75, "stopwords": "en", "stemmer": "english"}
