"""Load test on loopback: N concurrent clients asking corpus questions to a real ``sourcier serve``.

    python -m bench.load --clients 8 32 --seconds 20
    python -m bench.load --url http://127.0.0.1:8000 --pid 12345      # a server already running

Without ``--url`` it ingests the bundled corpus into a temporary data dir (or uses ``--data-dir``,
an index already ingested), starts ``sourcier serve --no-ui`` on a free 127.0.0.1 port, and stops
it at the end. For each client count, every client sends ``POST /ask`` with the gold set's
questions (with their conversation history where they have one), one after the other, until
``--seconds`` have passed or ``--max-requests`` were sent in all. Only loopback URLs are accepted.

Printed per client count: requests, errors (any non-200 or transport failure, by kind),
throughput, p50/p95/p99/max latency, and the server's RSS before, at peak and after (psutil).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.common import stop_process

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "eval" / "data" / "gold.jsonl"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MB = 1024 * 1024


def load_questions(path: Path = GOLD) -> list[dict[str, Any]]:
    """``/ask`` bodies: every gold question, with its history when it is a follow-up."""
    bodies = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            body: dict[str, Any] = {"question": row["question"]}
            if row.get("history"):
                body["history"] = row["history"]
            bodies.append(body)
    return bodies


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


@dataclass
class RssSampler:
    """Samples a process's RSS (with its children) every ``interval`` seconds in a thread."""

    pid: int | None
    interval: float = 0.25
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def rss(self) -> int | None:
        if self.pid is None:
            return None
        import psutil

        try:
            process = psutil.Process(self.pid)
            return int(process.memory_info().rss) + sum(
                int(child.memory_info().rss) for child in process.children(recursive=True)
            )
        except psutil.Error:
            return None

    def __enter__(self) -> RssSampler:
        self.peak = self.rss() or 0
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.rss() or 0)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


@dataclass
class Result:
    clients: int
    seconds: float
    requests: int
    errors: dict[str, int]
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    rss_before_mb: float | None
    rss_peak_mb: float | None
    rss_after_mb: float | None

    def line(self) -> str:
        def mb(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.0f}"

        errors = sum(self.errors.values())
        kinds = f" {dict(self.errors)}" if errors else ""
        return (
            f"{self.clients:>7} {self.requests:>8} {errors:>6}{kinds} {self.throughput_rps:>8.1f} "
            f"{self.p50_ms:>8.0f} {self.p95_ms:>8.0f} {self.p99_ms:>8.0f} {self.max_ms:>8.0f}   "
            f"{mb(self.rss_before_mb)} → {mb(self.rss_peak_mb)} (peak) → {mb(self.rss_after_mb)} MB"
        )


HEADER = (
    "clients requests errors    req/s   p50 ms   p95 ms   p99 ms   max ms   server RSS before → peak → after"
)


async def run_clients(
    url: str,
    bodies: Sequence[dict[str, Any]],
    clients: int,
    seconds: float,
    max_requests: int,
    timeout: float,
) -> tuple[list[float], Counter[str], float]:
    """``clients`` workers loop over ``bodies`` until the time or request budget is spent."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    sent = 0
    started = time.perf_counter()
    deadline = started + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http:

        async def worker(index: int) -> None:
            nonlocal sent
            position = index * 7  # clients start at different questions
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                body = bodies[position % len(bodies)]
                position += 1
                began = time.perf_counter()
                try:
                    response = await http.post("/ask", json=body)
                except httpx.HTTPError as error:
                    errors[type(error).__name__] += 1
                    continue
                latencies.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    errors[f"HTTP {response.status_code}"] += 1

        await asyncio.gather(*(worker(i) for i in range(clients)))
    return latencies, errors, time.perf_counter() - started


def measure(
    url: str,
    bodies: Sequence[dict[str, Any]],
    clients: int,
    seconds: float,
    max_requests: int,
    timeout: float,
    pid: int | None,
) -> Result:
    sampler = RssSampler(pid)
    before = sampler.rss()
    with sampler:
        latencies, errors, elapsed = asyncio.run(
            run_clients(url, bodies, clients, seconds, max_requests, timeout)
        )
    after = sampler.rss()
    ordered = sorted(latencies)
    done = len(latencies) + sum(v for k, v in errors.items() if not k.startswith("HTTP"))
    return Result(
        clients=clients,
        seconds=round(elapsed, 2),
        requests=done,
        errors=dict(errors),
        throughput_rps=round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        p50_ms=round(percentile(ordered, 50), 1),
        p95_ms=round(percentile(ordered, 95), 1),
        p99_ms=round(percentile(ordered, 99), 1),
        max_ms=round(ordered[-1], 1) if ordered else 0.0,
        rss_before_mb=round(before / MB, 1) if before else None,
        rss_peak_mb=round(sampler.peak / MB, 1) if sampler.peak else None,
        rss_after_mb=round(after / MB, 1) if after else None,
    )


def check_loopback(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise SystemExit(f"--url must be an http:// URL on loopback (127.0.0.1, localhost, ::1): {url!r}")
    return url.rstrip("/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SOURCIER_DATA_DIR=str(data_dir),
        SOURCIER_RATE_LIMIT_PER_MINUTE="0",  # the load is the point: no 429s
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("SOURCIER_MODEL_CACHE_DIR", str(REPO / ".cache" / "models"))
    return env


def ingest_bundled(data_dir: Path) -> None:
    print(f"ingesting the bundled corpus into {data_dir} …", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "ingest"],
        env=child_env(data_dir),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise SystemExit(f"ingestion failed ({result.returncode}):\n{result.stderr[-3000:]}")


@contextmanager
def local_server(data_dir: Path, ready_timeout: float) -> Iterator[tuple[str, int]]:
    """``sourcier serve --no-ui`` on a free loopback port; yields (url, pid); always stopped."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "sourcier_cli", "serve", "--no-ui", "--host", "127.0.0.1"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=child_env(data_dir), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + ready_timeout
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"server exited ({process.returncode}):\n{log.read().decode()[-3000:]}")
                try:
                    if httpx.get(f"{url}/ready", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"server not ready after {ready_timeout:.0f}s")
                time.sleep(0.5)
            yield url, process.pid
        finally:
            stop_process(process, grace_s=30)


def warm_up(url: str, bodies: Sequence[dict[str, Any]], timeout: float) -> None:
    """Each question once, sequentially: model, caches and connections are warm before measuring."""
    with httpx.Client(base_url=url, timeout=timeout) as http:
        for body in bodies:
            response = http.post("/ask", json=body)
            if response.status_code != 200:
                raise SystemExit(f"warm-up: /ask answered {response.status_code}: {response.text[:300]}")


def run(args: argparse.Namespace, url: str, pid: int | None) -> list[Result]:
    bodies = load_questions()
    print(f"target {url}, {len(bodies)} questions, {args.seconds:g}s per run", flush=True)
    warm_up(url, bodies, args.timeout)
    results = []
    print(HEADER)
    for clients in args.clients:
        result = measure(url, bodies, clients, args.seconds, args.max_requests, args.timeout, pid)
        print(result.line(), flush=True)
        results.append(result)
    return results


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32], help="concurrent clients per run")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of each run")
    parser.add_argument("--max-requests", type=int, default=100_000, help="request cap per run")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-request timeout (s)")
    parser.add_argument("--url", help="an already running server on loopback (default: start one)")
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for its RSS")
    parser.add_argument("--data-dir", type=Path, help="an ingested index to serve (default: a temporary one)")
    parser.add_argument("--ready-timeout", type=float, default=300.0, help="seconds to wait for /ready")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if any(c < 1 or c > 1024 for c in args.clients) or not 0 < args.seconds <= 3600:
        parser.error("--clients must be in 1..1024 and --seconds in (0, 3600]")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.url:
        results = run(args, check_loopback(args.url), args.pid)
    elif args.data_dir:
        with local_server(args.data_dir, args.ready_timeout) as (url, pid):
            results = run(args, url, pid)
    else:
        with tempfile.TemporaryDirectory(prefix="sourcier-load-") as tmp:
            ingest_bundled(Path(tmp))
            with local_server(Path(tmp), args.ready_timeout) as (url, pid):
                results = run(args, url, pid)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
