"""The pinned figures in ``eval/expected.toml``: the regression bar and the abstention threshold.

The web app reads the threshold from here, so the figure it uses is the one the report justified::

    from assistant.evaluation.thresholds import abstain_threshold
    best = result.best_similarity()
    weak = best is None or best < abstain_threshold()
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .gold import EVAL_DIR, GoldError

EXPECTED = EVAL_DIR / "expected.toml"


@dataclass(frozen=True)
class Expected:
    mode: str  # the ranking the bars apply to, with the default Settings
    bars: dict[str, dict[str, float]]  # fusion -> figure name (as in GoldFigures / the report) -> its least value
    abstain_below: float  # SearchResult.best_similarity() under which "no passage answers this closely"

    def bars_for(self, fusion: str) -> dict[str, float]:
        """The bar for ``mode`` searched with this fusion (only hybrid fuses; other modes pin one bar)."""
        try:
            return self.bars[fusion]
        except KeyError:
            pinned = ", ".join(sorted(self.bars))
            raise GoldError(f"eval/expected.toml pins no bar for fusion {fusion!r} (pinned: {pinned})") from None


@lru_cache(maxsize=4)
def load_expected(path: Path = EXPECTED) -> Expected:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        bar = data["bar"]
        return Expected(
            mode=str(bar["mode"]),
            bars={
                fusion: {name: float(value) for name, value in figures.items()}
                for fusion, figures in bar.items()
                if fusion != "mode"
            },
            abstain_below=float(data["abstention"]["abstain_below"]),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise GoldError(
            f"{path}: cannot read the pinned figures ({error!r}); it needs [bar] mode = ..., a table of bars per "
            "fusion ([bar.rrf], [bar.blend]) and [abstention] abstain_below = ..."
        ) from None


def abstain_threshold(path: Path = EXPECTED) -> float:
    """``SearchResult.best_similarity()`` under which the sources do not answer the question closely."""
    return load_expected(path).abstain_below
