"""The CI gate: minimum values for named metrics, read from a checked-in TOML file.

Why a file and not flags: thresholds are reviewed like code, and raising one is a visible commit.
An unknown metric name is an error, so a typo cannot turn a check into a silent pass.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG = Path(__file__).resolve().parent / "gate.toml"


class GateConfigError(ValueError):
    """The gate file is unreadable or names a metric the harness does not produce."""


@dataclass(frozen=True, slots=True)
class GateCheck:
    metric: str
    value: float
    minimum: float

    @property
    def passed(self) -> bool:
        # rounding: a threshold written as 0.9 must accept 0.9 computed as 0.8999999…
        return round(self.value, 9) >= self.minimum


def load_thresholds(path: Path = DEFAULT_CONFIG) -> dict[str, float]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise GateConfigError(f"cannot read the gate config {path}: {error}") from error
    minimum = data.get("minimum")  # a [target] table beside it is informative: never gated
    if not isinstance(minimum, dict) or not minimum:
        raise GateConfigError(f"{path}: a non-empty [minimum] table is required")
    out: dict[str, float] = {}
    for name, value in minimum.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise GateConfigError(f"{path}: {name} must be a number in [0, 1], got {value!r}")
        out[name] = float(value)
    return out


def check(metrics: Mapping[str, float], thresholds: Mapping[str, float]) -> list[GateCheck]:
    unknown = sorted(set(thresholds) - set(metrics))
    if unknown:
        raise GateConfigError(f"the gate names metrics the eval does not produce: {', '.join(unknown)}")
    return [GateCheck(name, metrics[name], minimum) for name, minimum in thresholds.items()]
