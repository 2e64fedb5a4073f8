"""The tests' copies of an index: the same bytes, and no more disk than the index they copy."""

from __future__ import annotations

from pathlib import Path

from sourcier.config import Settings
from tests.support.index import copy_index, copy_sparse


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
