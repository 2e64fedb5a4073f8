"""Bootstrap intervals: the right width on a known case, deterministic, and attached to every
question-level figure of a real run."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from eval import harness
from eval.intervals import bootstrap


def share(items: Sequence[int]) -> dict[str, float]:
    return {"share": sum(items) / len(items)}


def test_interval_of_a_proportion_has_the_textbook_width() -> None:
    items = [1] * 30 + [0] * 30  # p = 0.5, n = 60: normal approximation ±1.96·√(p(1−p)/n) = ±0.127
    low, high = bootstrap(items, share)["share"]
    assert low < 0.5 < high
    assert high - low == pytest.approx(0.254, abs=0.04)
    assert bootstrap(items, share, seed=0) == bootstrap(items, share, seed=0)


def test_constant_figures_have_no_spread_and_nothing_gives_nothing() -> None:
    assert bootstrap([1] * 20, share) == {"share": (1.0, 1.0)}
    assert bootstrap([], share) == {}


def test_every_question_figure_of_a_run_has_an_interval_around_it(extractive: harness.EvalResult) -> None:
    intervals, metrics = extractive.intervals, extractive.metrics
    assert set(intervals) == {k for k in metrics if not k.startswith("verifier.")}
    for name in (
        "citation.precision",
        "abstention.recall",
        "answer.correct",
        "retrieval.hybrid.chunks.recall@5",
    ):
        low, high = intervals[name]
        assert low <= metrics[name] <= high
        assert 0.0 < high - low < 0.4
    assert intervals["citation.exact"] == (1.0, 1.0)
