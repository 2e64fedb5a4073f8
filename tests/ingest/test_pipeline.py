"""Ingestion into both real engines: idempotent, replaces changed documents, prunes, reports."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import CHUNK_FORMAT, Ingestor
from sourcier.config import BUNDLED_CORPUS, Settings
from sourcier.lexical import LexicalEncoder
from sourcier.store import VectorStore, open_store
from tests.support.index import make_settings
from tests.support.remembered import RememberedPassages

ENGINES = {"edge": {}, "qdrant-client": {"qdrant_url": ":memory:"}}


@pytest.fixture(scope="module")
def embedder(embedder: Any) -> RememberedPassages:
    """The session's model, each passage embedded once for the module (``RememberedPassages``)."""
    return RememberedPassages(embedder)


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, VectorStore]]:
    settings = make_settings(tmp_path / "data", **ENGINES[request.param])
    store = open_store(settings)
    yield settings, store
    store.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, folder)
    return folder


def all_record_ids(store: VectorStore) -> set[str]:
    return {cid for record in store.list_documents() for cid in record.chunk_ids}


def test_ingest_then_reingest_writes_nothing(engine: Any, embedder: Any, corpus: Path) -> None:
    settings, store = engine
    first = Ingestor(store, embedder, settings).ingest([corpus])
    assert (first.files, first.added, first.unchanged, first.failed) == (2, 2, 0, [])
    ids = store.chunk_ids()
    assert first.chunks_written == len(ids) == store.count_chunks() >= 8
    assert ids == all_record_ids(store)
    second = Ingestor(store, embedder, settings).ingest([corpus])
    assert (second.added, second.updated, second.unchanged, second.chunks_written) == (0, 0, 2, 0)
    assert store.chunk_ids() == ids


def test_the_model_loads_only_when_something_is_new(engine: Any, embedder: Any, corpus: Path) -> None:
    """A deferred embedder over an unchanged folder is never loaded (no torch import, no weights:
    ~15 s of CPU a re-run spares); a changed file loads it, and its vectors are the model's own."""
    from sourcier.e5_conversion import ensure_e5_model
    from sourcier.embedding import DeferredEmbedder, folder_dimension

    settings, store = engine
    Ingestor(store, embedder, settings).ingest([corpus])
    loads: list[int] = []

    def load() -> Any:
        loads.append(1)
        return embedder

    dimension = folder_dimension(ensure_e5_model(settings.models_dir))
    assert dimension == embedder.dimension == 384
    deferred = DeferredEmbedder(load, dimension, embedder.name)
    again = Ingestor(store, deferred, settings).ingest([corpus, corpus / "absent.txt"])
    assert (again.unchanged, again.chunks_written, len(again.failed)) == (2, 0, 1)
    assert not deferred.loaded and deferred.load_seconds is None and loads == []

    path = corpus / "004_7c747817cc0070a0.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nMeta a aussi annoncé un modèle nommé Zeppelin.\n")
    changed = Ingestor(store, deferred, settings).ingest([corpus])
    assert (changed.updated, changed.unchanged) == (1, 1)
    assert deferred.loaded and loads == [1] and deferred.load_seconds is not None
    query = embedder.embed_query("Quel modèle nommé Zeppelin Meta a-t-il annoncé ?")
    assert "Zeppelin" in store.search("dense", 1, dense=query.tolist())[0].chunk.text


def test_an_index_without_chunk_terms_is_completed_under_the_same_point_ids(
    engine: Any, embedder: Any, corpus: Path
) -> None:
    """A record of an older chunk format (before chunks carried their terms) is rewritten, same
    ids, so its chunks' terms can be counted (server.engine.rarity) and no ranking moves."""
    settings, store = engine
    Ingestor(store, embedder, settings).ingest([corpus])
    ids = store.chunk_ids()
    meta = LexicalEncoder().terms("Meta")[0]
    terms = store.term_counts([meta])[meta]
    assert terms >= 4
    for record in store.list_documents():  # as an index written before CHUNK_FORMAT 1 has it
        store.put_document(dataclasses.replace(record, chunk_format=0))
    report = Ingestor(store, embedder, settings).ingest([corpus])
    assert (report.updated, report.unchanged) == (2, 0)
    assert store.chunk_ids() == ids and store.term_counts([meta])[meta] == terms
    assert all(r.chunk_format == CHUNK_FORMAT for r in store.list_documents())


def test_changed_file_replaces_exactly_its_chunks(engine: Any, embedder: Any, corpus: Path) -> None:
    settings, store = engine
    Ingestor(store, embedder, settings).ingest([corpus])
    other = store.get_document("000_9d4ca8a47585dcb9")
    assert other is not None
    path = corpus / "004_7c747817cc0070a0.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nMeta a aussi annoncé un nouveau modèle nommé Zeppelin.\n"
    )
    report = Ingestor(store, embedder, settings).ingest([corpus])
    assert (report.updated, report.unchanged, report.added) == (1, 1, 0)
    assert report.chunks_deleted >= 1
    changed = store.get_document("004_7c747817cc0070a0")
    assert changed is not None and "Zeppelin" in changed.document.text
    assert store.chunk_ids() == all_record_ids(store), "orphan or missing chunk points"
    assert store.count_chunks("004_7c747817cc0070a0") == len(changed.chunk_ids)
    assert store.get_document("000_9d4ca8a47585dcb9") == other, "the unchanged document was touched"


def test_prune_removes_documents_whose_files_disappeared(engine: Any, embedder: Any, corpus: Path) -> None:
    settings, store = engine
    Ingestor(store, embedder, settings).ingest([corpus])
    (corpus / "004_7c747817cc0070a0.txt").unlink()
    kept = Ingestor(store, embedder, settings).ingest([corpus])
    assert kept.removed == 0 and store.get_document("004_7c747817cc0070a0") is not None
    pruned = Ingestor(store, embedder, settings).ingest([corpus], prune=True)
    assert pruned.removed == 1
    assert store.get_document("004_7c747817cc0070a0") is None
    assert store.count_chunks("004_7c747817cc0070a0") == 0
    assert store.chunk_ids() == all_record_ids(store)


def test_bad_files_are_reported_and_good_ones_land(engine: Any, embedder: Any, corpus: Path) -> None:
    settings, store = engine
    (corpus / "vide.txt").write_bytes(b"")
    (corpus / "binaire.md").write_bytes(b"\x89PNG\x00\x00\x01")
    (corpus / "latin1.txt").write_bytes("Très bientôt, l'été arrive.".encode("latin-1"))
    (corpus / "sub").mkdir()
    (corpus / "sub" / "note.md").write_text(
        "# Une note\n\nMeta publie une note de synthèse.\n", encoding="utf-8"
    )
    report = Ingestor(store, embedder, settings).ingest([corpus])
    failed = {Path(f.path).name: f for f in report.failed}
    assert {name: f.code for name, f in failed.items()} == {
        "vide.txt": "empty_file",
        "binaire.md": "binary_file",
        "latin1.txt": "not_utf8",
    }
    assert failed["vide.txt"].reason == "fichier vide" and "binaire" in failed["binaire.md"].reason
    assert "UTF-8" in failed["latin1.txt"].reason
    assert report.added == 3 and not report.ok
    assert {r.document.id for r in store.list_documents()} == {
        "000_9d4ca8a47585dcb9",
        "004_7c747817cc0070a0",
        "sub/note",
    }


def test_duplicate_ids_in_one_run_are_refused(engine: Any, embedder: Any, tmp_path: Path) -> None:
    settings, store = engine
    folder = tmp_path / "dups"
    folder.mkdir()
    (folder / "a.txt").write_text("Meta publie un modèle.", encoding="utf-8")
    (folder / "a.md").write_text("Meta publie un autre modèle.", encoding="utf-8")
    report = Ingestor(store, embedder, settings).ingest([folder])
    assert report.added == 1 and len(report.failed) == 1
    assert report.failed[0].code == "duplicate_document_id" and "même identifiant" in report.failed[0].reason


def test_changing_chunk_settings_reindexes_without_orphans(
    embedder: Any, tmp_path: Path, corpus: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    store = open_store(settings)
    try:
        Ingestor(store, embedder, settings).ingest([corpus])
        before = store.chunk_ids()
        smaller = make_settings(tmp_path / "data", chunk_tokens=90, chunk_overlap_tokens=20)
        report = Ingestor(store, embedder, smaller).ingest([corpus])
        assert report.updated == 2
        after = store.chunk_ids()
        assert not before & after and after == all_record_ids(store)
    finally:
        store.close()
