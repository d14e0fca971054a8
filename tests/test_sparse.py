"""BM25's terms and scores: the same terms as bm25s, the lucene formula, and no bm25s import to ask a question."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import bm25s
import numpy as np
import pytest
import Stemmer

from assistant.config import BM25_PARAMS
from assistant.store import sparse
from assistant.store.sparse import Bm25, SparseIndex, tokenize

ROOT = Path(__file__).resolve().parent.parent
TRICKY = [
    "Officers were dismissed, officers! The UNIT's inquiry—led by Ms. O'Brien—ran 2023–24.",
    "snake_case words, naïve café résumé, Ærøskøbing, Straße, İstanbul, ΣΊΣΥΦΟΣ",
    "a I to of", "", "x y z 1 22 333", "don't won't can't shouldn't; e.g. i.e. U.S.A.",
    "日本語のテキスト 123abc abc123 under_score __init__",
]


def test_the_terms_are_bm25s_terms() -> None:
    texts = [*TRICKY, *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "sources").glob("*.txt")))]
    expected = bm25s.tokenize(
        texts, stopwords=BM25_PARAMS["stopwords"], stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False
    )
    assert tokenize(texts) == expected


def test_asking_imports_neither_bm25s_nor_scipy() -> None:
    code = (
        "import sys; from assistant.store.sparse import tokenize; tokenize(['Who leads the unit?']); "
        "from assistant.term_stats import DocumentTerms, QuestionTerms; QuestionTerms.of('Who leads the unit?'); "
        "DocumentTerms.of_text('The unit said so. It is.'); "
        "print(sorted(m for m in ('bm25s', 'scipy', 'numba') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_scores_follow_the_lucene_formula_over_the_live_rows_only() -> None:
    texts = ["police unit police", "police trust", "council budget housing school"]
    segment = SparseIndex.build(texts)
    # Row 1 is dead (its document changed): N = 2, the average length (3 + 4) / 2, df(police) = 1.
    index = Bm25([segment], [np.asarray([0, -1, 1])])
    k1, b = 1.5, 0.75
    expected = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5)) * 2 / (2 + k1 * (1 - b + b * 3 / 3.5))
    assert index.search("police", 5) == [(0, pytest.approx(expected))]
    assert index.search("police", 5, allowed=np.asarray([1])) == []
    assert index.search("the of", 5) == []  # stop words only


def test_counts_survive_saving_merging_and_subsetting(tmp_path: Path) -> None:
    first, second = SparseIndex.build(["police unit", "trust police police"]), SparseIndex.build(["school budget police"])
    merged = SparseIndex.concat([first.subset(np.asarray([1])), second])
    merged.save(tmp_path / "bm25")
    loaded = SparseIndex.load(tmp_path / "bm25")
    alone = SparseIndex.build(["trust police police", "school budget police"])
    for index in (loaded, alone):
        assert Bm25([index], [np.arange(2)]).search("police trust school", 5) == Bm25([alone], [np.arange(2)]).search(
            "police trust school", 5
        )
    assert list(loaded.lengths) == [3, 3]


def test_counts_built_a_batch_of_chunks_at_a_time_are_those_built_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"Officer {i} of the unit said allegations rose; allegations about officer {i % 3}." for i in range(11)]
    texts += ["", "the and of", "Unit unit UNIT"]
    whole = SparseIndex.build(texts)
    monkeypatch.setattr(sparse, "BUILD_BATCH", 4)  # a term first met in a later batch, counts across batch edges
    batched = SparseIndex.build(texts)
    assert batched.terms == whole.terms
    for name in ("indptr", "rows", "tf", "lengths"):
        assert getattr(batched, name).tolist() == getattr(whole, name).tolist()
        assert getattr(batched, name).dtype == getattr(whole, name).dtype
    unit = whole.term_ids["unit"]
    assert whole.rows[whole.indptr[unit] : whole.indptr[unit + 1]].tolist() == [*range(11), 13]
    assert whole.tf[whole.indptr[unit + 1] - 1] == 3 and whole.lengths.tolist()[11:] == [0, 0, 3]
