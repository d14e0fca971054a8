"""Every setting governs: the model name chooses the model, BM25 is configured in one place, and the
thresholds the answer and the quote desk apply are the ones the evaluation pinned."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.config import BM25_PARAMS, AnswerSettings, DeskSettings, ModelSettings, Settings
from assistant.embedding import SentenceTransformerEmbedder
from assistant.errors import SettingsError
from assistant.evaluation.thresholds import load_expected
from assistant.store.sparse import Bm25, SparseIndex


def test_an_unknown_model_name_is_refused_naming_the_field_and_the_known_models() -> None:
    with pytest.raises(SettingsError, match=r"model name must be one of all-MiniLM-L6-v2, got 'bert-large'"):
        ModelSettings(name="bert-large")


def test_the_embedder_loads_the_model_the_settings_name() -> None:
    embedder = SentenceTransformerEmbedder(ModelSettings(name="all-MiniLM-L6-v2", batch_size=7))
    assert (embedder.name, embedder.dim, embedder.batch_size) == ("all-MiniLM-L6-v2", 384, 7)
    assert embedder.max_tokens == 254  # read from the shipped model's own config, special tokens excluded


def test_bm25_scores_with_the_configured_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BM25_PARAMS, "k1", 0.9)
    monkeypatch.setitem(BM25_PARAMS, "b", 0.3)
    texts = ["the unit is investigating allegations", "officers were dismissed"]  # three terms each
    index = Bm25([SparseIndex.build(texts)], [np.arange(2)])
    # Stemmed, as configured: one chunk of two holds the term, at average length: ln 2 / (1 + 0.9).
    assert index.search("investigation", 2) == [(0, pytest.approx(math.log(2) / 1.9))]


def test_the_abstention_threshold_is_the_one_the_evaluation_pinned() -> None:
    assert Settings().answer.abstain_below == load_expected().abstain_below


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: AnswerSettings(abstain_below=1.5), "answer abstain_below must be a cosine"),
        (lambda: AnswerSettings(min_term_coverage=1.5), "answer min_term_coverage must be a share"),
        (lambda: AnswerSettings(within=0), "answer within must be at least 1"),
        (lambda: DeskSettings(altered_min_similarity=1.2), "desk altered_min_similarity must be in"),
        (lambda: DeskSettings(nearest=0), "desk nearest must be positive"),
    ],
)
def test_bad_answer_and_desk_settings_are_refused_with_the_reason(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match=message):
        make()
