"""``sourcier eval --jobs N``: several suites at once, each in a process of its own.

Answering and indexing are compute-bound (embedding sentences with their token states), and one
process does not use two cores fully: on a 2-core machine one thread answers a question in 2.39 s
and two threads in 1.50 s, so two suites side by side with one thread each get through more work
than one suite after the other with two. Each suite runs as ``sourcier eval --suite ROOT`` with the
same options and ``SOURCIER_NUM_THREADS`` set to its share of the threads; its output is printed
in one block when it ends (blocks never interleave). The largest suites start first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from eval.suite import Suite


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """What one suite's process did: its exit code, everything it printed, how long it took."""

    suite: Suite
    code: int
    output: str
    seconds: float


def child_arguments(args: argparse.Namespace, suite: Suite) -> list[str]:
    """The ``sourcier eval`` arguments that run ``suite`` alone with the same options."""
    argv = ["--suite", str(suite.root), "--report-dir", str(args.report_dir)]
    argv += ["--answerer", args.answerer, "--seed", str(args.seed)]
    if args.gate:
        argv.append("--gate")
    if args.calibrate:
        argv.append("--calibrate")
    if args.config is not None:
        argv += ["--config", str(args.config)]
    if args.sample is not None:
        argv += ["--sample", str(args.sample)]
    if args.data_dir is not None:  # one index per suite, as one after the other
        argv += ["--data-dir", str(args.data_dir / suite.name)]
    return argv


def threads_per_job(total: int, jobs: int) -> int:
    """Each job's share of the configured threads (at least one)."""
    return max(1, total // jobs)


def largest_first(suites: Sequence[Suite]) -> list[Suite]:
    """The suites with the most document bytes first: the longest runs start first, so the last
    one to start is a short one and the jobs end close together."""

    def size(suite: Suite) -> int:
        return sum(p.stat().st_size for p in suite.documents.rglob("*") if p.is_file())

    return sorted(suites, key=size, reverse=True)


def run_suites(
    args: argparse.Namespace,
    suites: Sequence[Suite],
    jobs: int,
    threads: int,
    on_done: Callable[[SuiteRun, int], None],
    width: int = 120,
) -> list[SuiteRun]:
    """Run each suite in a ``sourcier eval`` process of its own, ``jobs`` at a time, with
    ``threads`` threads each; ``on_done(run, finished)`` is called as each ends. Returns the runs in
    the order of ``suites``."""
    env = {
        **os.environ,
        "SOURCIER_NUM_THREADS": str(threads),
        "COLUMNS": str(width),  # captured output: rich would otherwise wrap tables at 80 columns
        "PYTHONUNBUFFERED": "1",
    }
    finished = 0
    lock = threading.Lock()

    def run(suite: Suite) -> SuiteRun:
        nonlocal finished
        started = time.perf_counter()
        process = subprocess.run(
            [sys.executable, "-m", "sourcier_cli", "eval", *child_arguments(args, suite)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            check=False,
        )
        # killed by a signal (negative) or crashed: "could not run", never a pass
        code = process.returncode if process.returncode in (0, 1, 2) else 2
        result = SuiteRun(suite, code, process.stdout, time.perf_counter() - started)
        with lock:
            finished += 1
            on_done(result, finished)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {suite.root: pool.submit(run, suite) for suite in largest_first(suites)}
        return [futures[suite.root].result() for suite in suites]
