"""Results shared across test workers (``tests.support.shared_results``): computed once while the
others wait, read back equal, computed anew when their data or settings change."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from tests.support.shared_results import shared_result


def slow_count(calls: Path) -> dict[str, int]:
    """A computation that takes a while and records that it ran."""
    with calls.open("a") as fh:
        fh.write("computed\n")
    time.sleep(1.0)
    return {"answer": 42}


def in_another_process(cache: Path, data: Path, calls: Path, out: Path) -> None:
    result = shared_result("count", [data], "s", lambda: slow_count(calls), cache=cache)
    out.write_text(repr(result))


def test_two_processes_asking_at_once_compute_it_once(tmp_path: Path) -> None:
    cache, data, calls = tmp_path / "cache", tmp_path / "data.txt", tmp_path / "calls"
    data.write_text("v1")
    context = multiprocessing.get_context("spawn")
    outs = [tmp_path / f"out-{i}" for i in range(2)]
    workers = [context.Process(target=in_another_process, args=(cache, data, calls, o)) for o in outs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert [o.read_text() for o in outs] == ["{'answer': 42}"] * 2
    assert calls.read_text().splitlines() == ["computed"]


def test_changed_data_or_settings_compute_it_anew_and_drop_the_old(tmp_path: Path) -> None:
    cache, data, calls = tmp_path / "cache", tmp_path / "data.txt", tmp_path / "calls"
    data.write_text("v1")

    def run(settings: str = "s") -> dict[str, int]:
        return shared_result("count", [data], settings, lambda: slow_count(calls), cache=cache)

    assert run() == run() == {"answer": 42}
    assert len(calls.read_text().splitlines()) == 1
    data.write_text("v2")
    run()
    run("other settings")
    assert len(calls.read_text().splitlines()) == 3
    assert len(list(cache.glob("count-*.pickle"))) == 1  # only the latest is kept


def test_a_failed_computation_leaves_nothing_behind(tmp_path: Path) -> None:
    cache, data = tmp_path / "cache", tmp_path / "data.txt"
    data.write_text("v1")

    def fail() -> int:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        shared_result("count", [data], "s", fail, cache=cache)
    assert list(cache.glob("count-*")) == []
    assert shared_result("count", [data], "s", lambda: 7, cache=cache) == 7
