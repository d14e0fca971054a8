"""The regression guard: the default settings must keep the gold-set figures the report justified.

The bar lives in eval/expected.toml (set by hand from eval/report.md, never by a run), so lowering it is
a visible, reviewed change. Each fusion has its own bar, and both are checked over the one index, so
switching the default fusion is guarded from the first day.
"""

from __future__ import annotations

import pytest

from assistant import Assistant, Settings
from assistant.config import FUSIONS
from assistant.evaluation.experiment import with_fusion
from assistant.evaluation.gold import load_gold
from assistant.evaluation.harness import ask_all, score
from assistant.evaluation.verdicts import flat_figures
from assistant.evaluation.thresholds import load_expected


@pytest.mark.integration
@pytest.mark.parametrize("fusion", FUSIONS)
def test_default_settings_with_each_fusion_keep_the_pinned_gold_figures(articles: Assistant, fusion: str) -> None:
    assert articles.settings == Settings(), "the bar is pinned for the default settings"
    searcher = with_fusion(articles, fusion)
    expected = load_expected()
    bars = expected.bars_for(fusion)
    gold = load_gold(searcher.snapshot.documents)
    figures = score(ask_all(searcher, gold, expected.mode), gold, expected.mode, threshold=expected.abstain_below)
    measured = flat_figures(figures)
    below = {name: round(measured[name], 3) for name, bar in bars.items() if measured[name] < bar}
    assert not below, f"{fusion}: below the bar in eval/expected.toml {bars}: {below}"
