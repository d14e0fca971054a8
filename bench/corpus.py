"""Generated corpora: article-length, English-like text from a fixed seed, and questions about it.

Text comes from an order-2 word Markov chain trained on the shipped articles, so sentence length,
punctuation and function words look like news prose. A chain trained on 25 kB alone would give a
vocabulary that stops growing; real corpora keep meeting new names. So each document gets its own
cast of proper names and figures, drawn from a Zipf distribution over a large syllable-built name
list, in place of the names and figures the chain emits: vocabulary then grows with corpus size
as in real text, which is what BM25's posting lists and the tokenizer feel.

Document ``i`` depends only on ``(seed, i)``, so a corpus of 10,000 is the first 10,000 of 50,000.
"""

from __future__ import annotations

import os
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 20261123
_NAME_LIST_SIZE = 60_000
_ZIPF_S = 1.07
_SYLLABLES = (
    "al an ar as ba be bel bri ca car cha co da del den dor el en er fa fer ga gar gil ha har "
    "hol ib in is ja jor ka kel ken la lan ler li lo lor ma mar mel mi mo na nel nor o or pa "
    "per ra ran ri ro rus sa san sel si son ta tan ter tho ti to tor u ul va ven vi wa wel wil ya za"
).split()
_TOKEN = re.compile(r"\S+")
_CORE = re.compile(r"^([\"'“‘(]*)(.*?)([\"'”’),.;:!?]*)$")


@dataclass(frozen=True)
class Chain:
    """Order-2 word transitions; ``None`` marks a sentence start and ``""`` a sentence end."""

    next_words: dict[tuple[str | None, str | None], tuple[str, ...]]


def train(texts: list[str]) -> Chain:
    from assistant.segmentation import sentence_spans

    table: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for text in texts:
        for start, end in sentence_spans(text):
            words = _TOKEN.findall(text[start:end])
            if len(words) < 4:
                continue
            state: tuple[str | None, str | None] = (None, None)
            for word in [*words, ""]:
                table[state].append(word)
                state = (state[1], word)
    return Chain({state: tuple(words) for state, words in table.items()})


def shipped_texts(sources: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(sources.glob("*.txt"))]


class Generator:
    """Documents and questions, each a pure function of the seed and its number."""

    def __init__(self, chain: Chain, seed: int = SEED) -> None:
        self.chain = chain
        self.seed = seed
        rng = random.Random(seed)
        names: set[str] = set()
        while len(names) < _NAME_LIST_SIZE:
            names.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize())
        self.names = sorted(names)
        rng.shuffle(self.names)
        # Cumulative Zipf weights, so a draw is one bisect.
        weights = [1.0 / (rank**_ZIPF_S) for rank in range(1, len(self.names) + 1)]
        total, self._cumulative = 0.0, []
        for w in weights:
            total += w
            self._cumulative.append(total)

    def _rng(self, number: int, salt: str) -> random.Random:
        return random.Random(f"{self.seed}:{salt}:{number}")

    def _cast(self, rng: random.Random) -> list[str]:
        draws = rng.choices(self.names, cum_weights=self._cumulative, k=rng.randint(6, 14))
        return list(dict.fromkeys(draws))

    def sentence(self, rng: random.Random, cast: list[str]) -> str:
        state: tuple[str | None, str | None] = (None, None)
        out: list[str] = []
        while len(out) < 60:
            word = rng.choice(self.chain.next_words[state])
            if not word:
                break
            out.append(word)
            state = (state[1], word)
        return " ".join(self._recast(word, i, rng, cast) for i, word in enumerate(out))

    @staticmethod
    def _recast(word: str, position: int, rng: random.Random, cast: list[str]) -> str:
        """Swap names (capitalised, not sentence-initial) and figures for this document's own."""
        lead, core, tail = _CORE.match(word).groups()  # type: ignore[union-attr]
        if any(ch.isdigit() for ch in core):
            core = str(rng.choice((rng.randint(2, 99), rng.randint(100, 999), rng.randint(1990, 2026))))
        elif position > 0 and core[:1].isupper() and core[1:].islower() and len(core) > 2:
            core = rng.choice(cast)
        return lead + core + tail

    def document(self, number: int) -> str:
        """A headline line, then paragraphs of one to three sentences, one per line, about 2-9 kB."""
        rng = self._rng(number, "doc")
        cast = self._cast(rng)
        target = int(min(9_000, max(1_500, rng.lognormvariate(8.35, 0.45))))
        lines = [self.sentence(rng, cast)]
        size = len(lines[0])
        while size < target:
            paragraph = " ".join(self.sentence(rng, cast) for _ in range(rng.choice((1, 1, 2, 2, 3))))
            lines.append(paragraph)
            size += len(paragraph) + 1
        return "\n".join(lines) + "\n"

    def edit(self, number: int, text: str) -> str:
        """The same document with one paragraph added: what re-indexing one changed file sees."""
        rng = self._rng(number, "edit")
        return text + self.sentence(rng, self._cast(rng)) + "\n"


def questions(texts: list[str], count: int, seed: int = SEED) -> list[str]:
    """Chat-like questions built from sentences of the corpus, so each has an answer in it."""
    from assistant.segmentation import sentence_spans

    rng = random.Random(f"{seed}:questions")
    stems = ("What did", "Why did", "How many", "When did", "Who said", "What happened when")
    out: list[str] = []
    while len(out) < count:
        text = rng.choice(texts)
        spans = sentence_spans(text)
        start, end = rng.choice(spans)
        words = [w.strip("\"'“”‘’(),.;:!?") for w in text[start:end].split()]
        words = [w for w in words if len(w) > 3]
        if len(words) < 4:
            continue
        pick = rng.randint(0, len(words) - 4)
        out.append(f"{rng.choice(stems)} {' '.join(words[pick : pick + rng.randint(3, 6)])}?")
    return out


def write_corpus(folder: Path, size: int, generator: Generator) -> Path:
    """``folder`` filled with documents 0..size-1; kept between runs, only missing files written."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, name in _numbered(size):
        path = folder / name
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_text(generator.document(number), encoding="utf-8")
            os.replace(tmp, path)
    return folder


def _numbered(size: int) -> Iterator[tuple[int, str]]:
    for number in range(size):
        yield number, f"doc_{number:06d}.txt"
