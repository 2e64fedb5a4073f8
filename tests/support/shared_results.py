"""A session fixture's result computed once per checkout and code version, across test workers.

Why: the gold set's extractive run (82 questions, ≈ 45 s of CPU) feeds the harness, interval and
calibration tests, which ``--dist loadfile`` often spreads over both workers: each computed it.
Now the first worker computes it under a file lock while the other waits, then reads it; later
runs read it until the code or data it comes from changes. The key covers every source file of
the project's packages, ``pyproject.toml`` and the data files the caller names, so a changed line
anywhere computes it anew (and drops the results of older code)."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from filelock import FileLock

from tests.support.index import REPO, code_fingerprint, digest_files

RESULT_CACHE = REPO / ".cache" / "test-results"
#: The packages whose code can change a result (the ones an eval run goes through).
PACKAGES = ("eval", "ingest", "server", "sourcier")

T = TypeVar("T")


def shared_result(
    name: str, data: Sequence[Path], settings: str, compute: Callable[[], T], cache: Path = RESULT_CACHE
) -> T:
    """``compute()``'s result, pickled under ``cache`` with a key of the code, ``data`` (files or
    folders) and ``settings`` (what else it depends on, as text); computed by one process at a
    time, read by the others."""
    cache.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(f"{_fingerprint(tuple(data))}\0{settings}".encode()).hexdigest()
    key = f"{name}-{digest[:16]}"
    target = cache / f"{key}.pickle"
    with FileLock(cache / f"{name}.lock"):
        if target.is_file():
            with target.open("rb") as fh:
                result: T = pickle.load(fh)
            return result
        result = compute()
        for stale in cache.glob(f"{name}-*.pickle"):
            stale.unlink(missing_ok=True)
        partial = target.with_suffix(".partial")
        with partial.open("wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(target)  # a killed run leaves no half-written result behind
        return result


def _fingerprint(data: tuple[Path, ...]) -> str:
    digest = hashlib.sha256(code_fingerprint(PACKAGES).encode())
    digest_files(digest, data)
    return digest.hexdigest()
