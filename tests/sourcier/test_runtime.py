"""Process-wide runtime settings: memory handed back to the system after a burst of allocations."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_release_free_memory_shrinks_the_resident_size() -> None:
    """Many small blocks freed stay resident (the allocator keeps them) until trimmed; run in a
    child so nothing else allocates meanwhile."""
    script = textwrap.dedent(
        """
        import numpy as np
        from sourcier.runtime import release_free_memory

        def rss_mb():
            return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024

        blocks = [np.ones(1000) for _ in range(40_000)]  # ~ 330 MB in small blocks
        del blocks
        freed = rss_mb()
        released = release_free_memory()
        print(freed, rss_mb(), released)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    freed, trimmed, released = run.stdout.split()
    assert released == "True"
    assert int(freed) - int(trimmed) > 200, run.stdout


def test_numpy_runs_one_blas_thread_unless_the_user_says_otherwise() -> None:
    """Set before numpy loads OpenBLAS (it reads the variable once); a user's own value wins."""
    script = textwrap.dedent(
        """
        from sourcier.runtime import configure_runtime
        configure_runtime()
        import numpy  # noqa: F401 (loads OpenBLAS)
        from threadpoolctl import threadpool_info
        print([pool["num_threads"] for pool in threadpool_info() if pool["internal_api"] == "openblas"])
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    ours = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert ours.stdout.split() == ["[1]"], ours.stderr
    theirs = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**env, "OPENBLAS_NUM_THREADS": "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert theirs.stdout.split() == ["[2]"], theirs.stderr
