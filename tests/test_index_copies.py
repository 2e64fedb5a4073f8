"""The tests' copies of an index: the same bytes, and no more disk than the index they copy; and
the indexes kept across runs: what a fresh ingest writes, under a key of what they come from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Ingestor
from sourcier.config import Settings
from sourcier.store import open_store
from tests.support import index
from tests.support.index import copy_index, copy_sparse
from tests.support.pages import DOCS


def disk_bytes(folder: Path) -> int:
    """Bytes the files under a folder take on disk (holes take none)."""
    return sum(path.stat().st_blocks * 512 for path in folder.rglob("*") if path.is_file())


def test_a_copied_index_has_the_same_bytes_and_keeps_its_holes(
    corpus_index: Settings, tmp_path: Path
) -> None:
    copied = copy_index(corpus_index, tmp_path / "copy")
    files = sorted(
        p.relative_to(corpus_index.data_dir) for p in corpus_index.data_dir.rglob("*") if p.is_file()
    )
    files = [f for f in files if f.parts[0] != "models"]
    assert files
    for name in files:
        assert (copied.data_dir / name).read_bytes() == (corpus_index.data_dir / name).read_bytes(), name
    apparent = sum((corpus_index.data_dir / name).stat().st_size for name in files)
    assert apparent > 100 * disk_bytes(corpus_index.data_dir)  # Qdrant's pages are preallocated holes
    assert disk_bytes(copied.data_dir) <= 2 * disk_bytes(corpus_index.data_dir) + (1 << 20)


def test_a_sparse_copy_keeps_data_between_and_after_holes(tmp_path: Path) -> None:
    source = tmp_path / "sparse.bin"
    with source.open("wb") as file:
        file.write(b"head")
        file.seek(8 << 20)
        file.write(b"middle")
        file.truncate(24 << 20)  # ends in a hole
    copy = tmp_path / "copy.bin"
    copy_sparse(str(source), str(copy))
    assert copy.stat().st_size == source.stat().st_size
    assert copy.read_bytes() == source.read_bytes()
    assert copy.stat().st_blocks * 512 < 1 << 20
    ending = tmp_path / "ending.bin"
    ending.write_bytes(b"x" * 5000)
    copy_sparse(str(ending), str(tmp_path / "ending-copy.bin"))
    assert (tmp_path / "ending-copy.bin").read_bytes() == b"x" * 5000


def stored(settings: Settings) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each document's text and chunk ids, as the index holds them."""
    store = open_store(settings)
    try:
        return {r.document.id: (r.document.text, tuple(sorted(r.chunk_ids))) for r in store.list_documents()}
    finally:
        store.close()


def test_a_cached_index_holds_what_a_fresh_ingest_writes(
    corpus_index: Settings, embedder: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index, "INDEX_CACHE", tmp_path / "cache")
    older = tmp_path / "cache" / "0123456789ab-an-index-of-older-code"
    older.mkdir(parents=True)
    pages = [DOCS / "aptitude-doc-fr_000002.txt", DOCS / "aptitude-doc-fr_000003.txt"]
    built = index.ingested(tmp_path / "built", pages, embedder, corpus_index, added=2)
    assert not older.exists()  # dropped when this code's first index was built
    assert len(list((tmp_path / "cache").iterdir())) == 1

    def ingest_again(*args: Any) -> Settings:
        raise AssertionError("built again instead of copied from the cache")

    monkeypatch.setattr(index, "_ingest", ingest_again)
    again = index.ingested(tmp_path / "again", pages, embedder, corpus_index, added=2)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    fresh = copy_index(corpus_index, tmp_path / "fresh")
    store = open_store(fresh)
    assert Ingestor(store, embedder, fresh).ingest(pages).added == 2
    store.close()
    assert stored(built) == stored(again) == stored(fresh)
    assert len(stored(fresh)) == 4


def test_an_index_is_cached_under_what_it_is_built_from(embedder: Any, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Première version de la page.", encoding="utf-8")
    first = index._index_key([page], None, embedder)
    assert index._index_key([page], None, embedder) == first
    assert index._index_key([page], "another base", embedder) != first
    page.write_text("Seconde version de la page.", encoding="utf-8")
    assert index._index_key([page], None, embedder) != first
