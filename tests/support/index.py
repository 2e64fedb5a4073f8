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
    shutil.copytree(source.data_dir, target_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("models"))
    return make_settings(target_dir, **overrides)
