"""Test settings and indexes: the shared model cache, per-test settings, copies of an index, and
indexes of repository files built once per checkout (``ingested``)."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sourcier.config import Settings

REPO = Path(__file__).resolve().parents[2]
MODEL_CACHE = Path(os.environ.get("SOURCIER_TEST_MODELS_DIR") or REPO / ".cache" / "models")
INDEX_CACHE = Path(os.environ.get("SOURCIER_TEST_INDEX_DIR") or REPO / ".cache" / "test-indexes")
ARTIFACTS = REPO / "test-artifacts"
#: Written into a cached index: what it was built from (an index built on it adds its own).
KEY_FILE = "test-index-key"


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


def ingested(
    target_dir: Path,
    sources: Sequence[Path],
    embedder: Any,
    base: Settings | None = None,
    added: int | None = None,
) -> Settings:
    """A private index of ``sources`` (repository files or folders, each a stable path) in
    ``target_dir``, on a copy of ``base``'s index when given; ``added``: how many documents the
    ingest must add.

    Why cached: a dozen fixtures each ingest a few pages (≈ 2–9 s apiece, mostly embedding), in
    every test worker and every run. The index is built once into ``.cache/test-indexes`` under a
    key of everything it depends on: the code under ``ingest/`` and ``sourcier/``,
    ``pyproject.toml``, the ingest settings, the model, the sources' names and bytes, and the
    base's key; then copied. A cached index is what a fresh ingest of the same files writes, and
    any change to what builds it builds it anew (and drops the indexes of the code before). A base
    not built here is not cached on."""
    base_key = (
        (base.data_dir / KEY_FILE).read_text() if base and (base.data_dir / KEY_FILE).exists() else None
    )
    if base is not None and base_key is None:  # a base of unknown make: build, do not cache
        return _ingest(copy_index(base, target_dir), sources, embedder, added)
    version = code_fingerprint()[:12]
    key = f"{version}-{_index_key(sources, base_key, embedder)}"
    cached = INDEX_CACHE / key
    if not cached.is_dir():
        for stale in INDEX_CACHE.glob("[!.]*"):  # other code versions' indexes: never used again
            if not stale.name.startswith(version):
                shutil.rmtree(stale, ignore_errors=True)
        building = INDEX_CACHE / f".{key}-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        settings = copy_index(base, building) if base is not None else make_settings(building)
        _ingest(settings, sources, embedder, added)
        (building / KEY_FILE).write_text(key)
        try:
            building.rename(cached)
        except OSError:  # another worker cached the same index first
            shutil.rmtree(building, ignore_errors=True)
    return copy_index(make_settings(cached), target_dir)


def _ingest(settings: Settings, sources: Sequence[Path], embedder: Any, added: int | None) -> Settings:
    from ingest.pipeline import Ingestor
    from sourcier.store import open_store

    store = open_store(settings)
    try:
        report = Ingestor(store, embedder, settings).ingest(list(sources))
    finally:
        store.close()
    assert report.ok and (added is None or report.added == added), report
    return settings


def _index_key(sources: Sequence[Path], base_key: str | None, embedder: Any) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    ingest_settings = make_settings(Path("unused")).model_dump(exclude={"data_dir"})
    digest.update(repr(sorted(ingest_settings.items())).encode())
    digest.update(f"{type(embedder).__qualname__}:{getattr(embedder, 'name', '')}:{base_key}".encode())
    digest_files(digest, sources)
    return digest.hexdigest()[:24]


def digest_files(digest: Any, sources: Sequence[Path]) -> None:
    """Add the name and bytes of each file in ``sources`` (files, or folders walked in order)."""
    for source in sources:
        for path in sorted(source.rglob("*")) if source.is_dir() else [source]:
            if path.is_file():
                digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes())


@functools.lru_cache
def code_fingerprint(packages: tuple[str, ...] = ("ingest", "sourcier")) -> str:
    """The code and dependencies something is built with: ``pyproject.toml`` and every source file
    of ``packages`` (an index: the two that ingest)."""
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes())
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    return digest.hexdigest()


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
