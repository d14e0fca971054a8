"""The pinned figures in ``eval/expected.toml``: the regression bar and the abstention threshold.

The web app reads the threshold from here, so the figure it uses is the one the report justified::

    from assistant.evaluation.thresholds import abstain_threshold
    weak = not result.results or result.results[0].similarity < abstain_threshold()
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
    mode: str  # the ranking the bar applies to, with the default Settings
    bars: dict[str, float]  # figure name (as in GoldFigures / the report) -> the least it may be
    abstain_below: float  # first result's Passage.similarity under which "no passage answers this closely"


@lru_cache(maxsize=4)
def load_expected(path: Path = EXPECTED) -> Expected:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        bar = data["bar"]
        return Expected(
            mode=str(bar.pop("mode")),
            bars={name: float(value) for name, value in bar.items()},
            abstain_below=float(data["abstention"]["abstain_below"]),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise GoldError(
            f"{path}: cannot read the pinned figures ({error!r}); it needs [bar] mode = ... and "
            "[abstention] abstain_below = ..."
        ) from None


def abstain_threshold(path: Path = EXPECTED) -> float:
    """Similarity of the first result under which the sources do not answer the question closely."""
    return load_expected(path).abstain_below
