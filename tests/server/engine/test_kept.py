"""The per-text store behind the sentence vectors: computes only what it lacks, once, and keeps
the most recently used within its byte budget."""

from __future__ import annotations

from server.engine.kept import Kept


def test_kept_values_are_computed_once_and_the_least_recently_used_dropped() -> None:
    calls: list[list[str]] = []

    def compute(missing: list[str]) -> list[str]:
        calls.append(missing)
        return [t.upper() for t in missing]

    kept: Kept[str] = Kept(max_bytes=3, size=len)  # room for three one-letter values
    assert kept.get(["a", "b", "a"], compute) == ["A", "B", "A"]
    assert calls == [["a", "b"]]  # each text once, in one call
    assert kept.get(["c", "a"], compute) == ["C", "A"]  # "a" used again: "b" is now the oldest
    assert calls[-1] == ["c"] and len(kept) == 3
    kept.get(["d"], compute)
    assert len(kept) == 3
    kept.get(["a", "c", "d"], compute)
    assert calls[-1] == ["d"]  # "a", "c" and "d" were kept, "b" dropped
    kept.get(["b"], compute)
    assert calls[-1] == ["b"]
    assert kept.get([], compute) == [] and len(calls) == 4


def test_a_value_larger_than_the_budget_is_still_kept_alone() -> None:
    kept: Kept[str] = Kept(max_bytes=2, size=len)
    assert kept.get(["large"], lambda missing: [m * 2 for m in missing]) == ["largelarge"]
    assert len(kept) == 1
    assert kept.get(["x"], lambda missing: ["y"]) == ["y"] and len(kept) == 1
