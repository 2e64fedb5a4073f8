"""``bench.embedding_backends``' bookkeeping: the interval check that decides the default engine,
and the install sizes it reports (read from the real installed distributions)."""

from __future__ import annotations

from bench.embedding_backends import distribution_mb, outside_intervals


def test_figures_outside_the_reference_intervals_are_named() -> None:
    reference = {
        "metrics": {"citation.precision": 0.75, "verifier.caught": 0.994},
        "intervals": {"citation.precision": [0.64, 0.85]},
    }
    inside = {"metrics": {"citation.precision": 0.64, "verifier.caught": 0.994}}
    assert outside_intervals(inside, reference) == []
    below = {"metrics": {"citation.precision": 0.63, "verifier.caught": 0.994}}
    assert outside_intervals(below, reference) == ["citation.precision"]
    # no interval (the verifier's self-test is deterministic): any change counts
    changed = {"metrics": {"citation.precision": 0.8, "verifier.caught": 0.99}}
    assert outside_intervals(changed, reference) == ["verifier.caught"]
    unknown = {"metrics": {"something.new": 1.0}}
    assert outside_intervals(unknown, reference) == ["something.new"]


def test_install_sizes_come_from_the_installed_files() -> None:
    sizes = distribution_mb(("onnxruntime", "torch", "no-such-distribution-here"))
    assert set(sizes) == {"onnxruntime", "torch"}
    assert sizes["torch"] > 5 * sizes["onnxruntime"] > 0
