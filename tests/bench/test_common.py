"""``bench.common.write_result``: a quick run over fewer sizes never replaces a full run's figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.common import write_result


def sizes_in(path: Path) -> list[str]:
    return sorted(json.loads(path.read_text(encoding="utf-8"))["sizes"])


def test_a_partial_run_goes_beside_the_full_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = write_result("query_latency", {"sizes": {"bundled": {"p50": 30}, "1pct": {"p50": 40}}}, tmp_path)
    assert full == tmp_path / "query_latency.json"

    quick = write_result("query_latency", {"sizes": {"bundled": {"p50": 31}}}, tmp_path)
    assert quick == tmp_path / "query_latency.bundled.json"
    assert sizes_in(full) == ["1pct", "bundled"]  # untouched
    assert json.loads(full.read_text(encoding="utf-8"))["sizes"]["bundled"] == {"p50": 30}
    assert sizes_in(quick) == ["bundled"]
    assert "query_latency.json (also 1pct) is left as it was" in capsys.readouterr().out

    # a run covering every size (or more) replaces it, with the machine and commit it ran on
    again = write_result("query_latency", {"sizes": {"bundled": {}, "1pct": {}, "10pct": {}}}, tmp_path)
    assert again == full and sizes_in(full) == ["10pct", "1pct", "bundled"]
    assert {"date", "git"} <= set(json.loads(full.read_text(encoding="utf-8"))["machine"])


def test_results_without_sizes_are_written_as_they_come(tmp_path: Path) -> None:
    assert write_result("embedding_speed", {"rate": 1.0}, tmp_path) == tmp_path / "embedding_speed.json"
    assert write_result("embedding_speed", {"rate": 2.0}, tmp_path) == tmp_path / "embedding_speed.json"
    assert json.loads((tmp_path / "embedding_speed.json").read_text(encoding="utf-8"))["rate"] == 2.0
