"""Shared plumbing of the benchmarks: corpus sampling, settings, subprocess workers, machine facts.

Every measured variant runs in its own child process (``run_worker``) so that its peak RSS is its
own (``ru_maxrss`` of the worker, reported by the worker itself) and no variant warms caches for
another. Workers print one JSON object on their last stdout line.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
DEFAULT_CORPUS = REPO.parent / "shared" / "bench-corpus" / "debian_fr_docs.jsonl.gz"
MODEL_CACHE = Path(os.environ.get("SOURCIER_MODEL_CACHE_DIR") or REPO / ".cache" / "models")
GOLD = REPO / "eval" / "data" / "gold.jsonl"
SAMPLE_SEED = 20240601

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def setup_env() -> None:
    """Offline, quiet, 2-thread defaults (a user's own environment wins)."""
    from sourcier.runtime import configure_runtime

    os.environ.setdefault("SOURCIER_MODEL_CACHE_DIR", str(MODEL_CACHE))
    configure_runtime()


def make_settings(data_dir: Path, **overrides: Any) -> Any:
    """Settings for a benchmark: its own data dir, the shared model cache, no ``.env`` file."""
    from sourcier.config import Settings

    values: dict[str, Any] = {"data_dir": data_dir, "model_cache_dir": MODEL_CACHE, **overrides}
    return Settings(_env_file=None, **values)


def model_folder() -> Path:
    """The converted multilingual-e5-small folder (converted once into the shared cache)."""
    from sourcier.e5_conversion import ensure_e5_model

    return Path(ensure_e5_model(MODEL_CACHE))


def sentence_transformer(embedder: Any) -> Any:
    """The ``SentenceTransformer`` the floor and llama-index run: the torch engine's own model, or
    the same converted folder loaded apart when the product runs on ONNX Runtime."""
    model = getattr(embedder, "_model", None)
    if model is not None:
        return model
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_folder()), device="cpu", local_files_only=True)


# --- corpus ---------------------------------------------------------------------------------


def read_corpus(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def sample_docs(docs: Sequence[dict[str, Any]], fraction: float) -> list[dict[str, Any]]:
    """A deterministic sample: ``fraction`` ≤ 1 draws without replacement (seeded); above 1, the
    whole corpus repeated ``ceil(fraction)`` times, copies with new ids (``…~c2``), truncated."""
    if fraction <= 1:
        count = max(1, round(len(docs) * fraction))
        rng = random.Random(SAMPLE_SEED)
        return sorted(rng.sample(list(docs), count), key=lambda d: d["id"])
    target = round(len(docs) * fraction)
    out: list[dict[str, Any]] = []
    copy = 0
    while len(out) < target:
        copy += 1
        for doc in docs:
            if len(out) >= target:
                break
            out.append(doc if copy == 1 else {**doc, "id": f"{doc['id']}~c{copy}"})
    return out


def materialise(docs: Iterable[dict[str, Any]], folder: Path, with_bundled: bool = True) -> Path:
    """Write each document as ``<id>.txt`` (title line, blank line, text): ingestion reads files.

    With ``with_bundled``, the two bundled articles are copied in too (same file names, so the
    gold set's document ids still match): the eval questions then have answers in every index.
    """
    from sourcier.config import BUNDLED_CORPUS

    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        name = _UNSAFE.sub("_", doc["id"]).strip("_") + ".txt"
        title = " ".join(str(doc.get("title") or "").split())
        body = f"{title}\n\n{doc['text']}" if title else doc["text"]
        (folder / name).write_text(body, encoding="utf-8")
    if with_bundled:
        for file in sorted(BUNDLED_CORPUS.glob("*.txt")):
            shutil.copy(file, folder / file.name)
    return folder


def folder_bytes(folder: Path) -> int:
    """Bytes allocated on disk (Edge preallocates sparse 32 MB WAL and page files: their apparent
    size says nothing about what the index occupies)."""
    return sum(p.stat().st_blocks * 512 for p in Path(folder).rglob("*") if p.is_file())


def folder_apparent_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def size_label(fraction: float | None) -> str:
    """``bundled``, ``1pct``, ``10pct``, ``100pct``, ``10x``…"""
    if fraction is None:
        return "bundled"
    if fraction > 1:
        return f"{fraction:g}x"
    return f"{fraction * 100:g}pct"


# --- gold set -------------------------------------------------------------------------------


def gold_questions() -> list[dict[str, Any]]:
    with GOLD.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def retrieval_query(row: dict[str, Any]) -> str:
    """The text every retriever is given: the question, made standalone for follow-ups with the
    product's own rule (shared by all systems so that only retrieval is compared)."""
    from server.engine.conversation import standalone_question
    from server.engine.types import Turn

    history = [Turn(t["role"], t["content"]) for t in row.get("history") or []]
    return standalone_question(row["question"], history) or row["question"]


# --- processes and measurements -------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU (user+sys, all threads) seconds of a block: CPU time is what to compare when
    other processes share the cores (wall time then grows, CPU time hardly does)."""

    def __enter__(self) -> Clock:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def emit(result: dict[str, Any]) -> None:
    """A worker's result: one JSON line, last on stdout, with its peak RSS."""
    result.setdefault("peak_rss_mb", round(peak_rss_mb(), 1))
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


def run_worker(
    module: str, args: Sequence[str], timeout: float = 3600, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``python -m <module> <args>`` (with ``env`` added to the environment) and return the
    JSON object it printed last."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{module} printed no result:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["wall_s"] = round(time.perf_counter() - started, 2)
    return result


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (linear interpolation) and the mean, in ms, rounded."""
    import numpy as np

    if not values_ms:
        return {"n": 0}
    arr = np.asarray(values_ms, dtype=float)
    return {
        "n": len(values_ms),
        "p50": round(float(np.percentile(arr, 50)), 2),
        "p95": round(float(np.percentile(arr, 95)), 2),
        "p99": round(float(np.percentile(arr, 99)), 2),
        "mean": round(float(arr.mean()), 2),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    versions: dict[str, str] = {}
    from importlib.metadata import PackageNotFoundError, version

    for package in (
        "torch",
        "sentence-transformers",
        "qdrant-edge-py",
        "qdrant-client",
        "llama-index-core",
        "llama-index-vector-stores-qdrant",
        "bm25s",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "absent"
    return {
        "git": git_state(),
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": cpu,
        "ram_gb": round(ram_gb, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "versions": versions,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def git_state() -> str:
    """The commit measured, with ``+changes`` when tracked files differ from it (``BENCH_COMMIT``
    names it when the benchmarks run from an exported snapshot of the tree, without ``.git``)."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" +changes" if dirty else "")


@contextmanager
def working_dir(path: Path | None, prefix: str) -> Iterator[Path]:
    """``path`` (created if missing, kept afterwards: ``--workdir``) or a temporary folder
    removed afterwards."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


def indexed_sizes(workdir: Path, *required: str) -> list[str]:
    """The size folders of ``workdir`` holding every ``required`` path, fewest documents first."""
    return sorted(
        (p.name for p in workdir.iterdir() if all((p / r).exists() for r in required)),
        key=lambda name: sum(1 for _ in (workdir / name / "docs").iterdir()),
    )


def stop_process(process: subprocess.Popen[bytes], grace_s: float) -> None:
    """Terminate ``process``; kill it if it has not exited after ``grace_s`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def write_result(name: str, payload: dict[str, Any], results: Path = RESULTS) -> Path:
    """Write ``<name>.json``, which docs/benchmarks.md is made from. A run over fewer corpus sizes
    than that file holds (``--sizes bundled`` for a quick check) must not replace the full run's
    figures: it goes to ``<name>.<sizes>.json`` instead (ignored by git), and says so."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{name}.json"
    sizes = set(payload.get("sizes", {}))
    if sizes and path.exists():
        try:
            earlier = set(json.loads(path.read_text(encoding="utf-8")).get("sizes", {}))
        except (OSError, ValueError):
            earlier = set()
        if not earlier <= sizes:
            path = results / f"{name}.{'+'.join(sorted(sizes))}.json"
            print(
                f"{name}: this run measured {', '.join(sorted(sizes))} only; {name}.json (also "
                f"{', '.join(sorted(earlier - sizes))}) is left as it was; these figures go to {path.name}"
            )
    payload = {"benchmark": name, "machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def profile_shares(profiler: Any, targets: dict[str, str]) -> dict[str, Any]:
    """Inclusive seconds and share of the profiled time spent in each target function.

    ``targets`` maps a label to ``"<path suffix>:<Class.function or function>"``; a function
    nested in another target counts for both (recursion is counted once).
    """
    parsed = {label: spec.rsplit(":", 1) for label, spec in targets.items()}
    root = profiler.last_session.root_frame()
    total = root.time if root is not None else 0.0
    sums = dict.fromkeys(targets, 0.0)

    def walk(frame: Any, active: frozenset[str]) -> None:
        name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
        path = frame.file_path or ""
        hits = {
            label
            for label, (suffix, qualname) in parsed.items()
            if label not in active and name == qualname and path.endswith(suffix)
        }
        for label in hits:
            sums[label] += frame.time
        for child in frame.children:
            walk(child, active | hits)

    if root is not None:
        walk(root, frozenset())
    return {
        "profiled_s": round(total, 2),
        "functions": {
            label: {
                "s": round(seconds, 3),
                "share": round(seconds / total, 4) if total else 0.0,
                "where": targets[label],
            }
            for label, seconds in sums.items()
        },
    }
