"""Test settings and indexes: the shared model cache, per-test settings, copies of an index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from sourcier.config import Settings

REPO = Path(__file__).resolve().parents[2]
MODEL_CACHE = Path(os.environ.get("SOURCIER_TEST_MODELS_DIR") or REPO / ".cache" / "models")
ARTIFACTS = REPO / "test-artifacts"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test: its own data dir, the shared model cache, no .env file."""
    values: dict[str, Any] = {"data_dir": data_dir, "model_cache_dir": MODEL_CACHE, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def copy_index(source: Settings, target_dir: Path, **overrides: Any) -> Settings:
    """A private copy of an ingested index (the embedded store admits one process at a time)."""
    shutil.copytree(
        source.data_dir,
        target_dir,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("models"),
        copy_function=copy_sparse,
    )
    return make_settings(target_dir, **overrides)


def copy_sparse(source: str, target: str) -> str:
    """Copy a file and keep its holes.

    Qdrant preallocates its pages and write-ahead logs as 32 MiB sparse files: an index of two
    articles takes 0.6 MB of disk, but a plain copy writes the holes out as zeros (320 MB per
    copy, 16 GB for one run of the suite, which once filled the CI machine's disk). Where the file
    system cannot report holes, `SEEK_DATA`/`SEEK_HOLE` see one extent and this is a plain copy.
    """
    with open(source, "rb") as reader, open(target, "wb") as writer:
        size = os.fstat(reader.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(reader.fileno(), offset, os.SEEK_DATA)
            except OSError:  # ENXIO: nothing but a hole after offset
                break
            end = os.lseek(reader.fileno(), start, os.SEEK_HOLE)
            reader.seek(start)
            writer.seek(start)
            while start < end:
                block = reader.read(min(end - start, 1 << 20))
                writer.write(block)
                start += len(block)
            offset = end
        writer.truncate(size)
    shutil.copystat(source, target)
    return target
