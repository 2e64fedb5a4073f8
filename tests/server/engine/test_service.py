"""The service facade's own operations: adding an uploaded file, reopening the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.engine.service import Sourcier, UnsupportedFileError
from server.engine.types import Question
from sourcier.config import Settings
from sourcier.store import open_store
from tests.support.index import copy_index

NOTE = (
    "Le Jardin partagé de la rue Lepic ouvre ses parcelles le samedi matin.\n\n"
    "Les parcelles du Jardin partagé de la rue Lepic sont attribuées par tirage au sort en mars."
)


@pytest.fixture
def own_service(corpus_index: Settings, embedder: Any, tmp_path: Path) -> Any:
    settings = copy_index(corpus_index, tmp_path / "index", warm_up_sentences=0)
    service = Sourcier(settings, open_store(settings), embedder)
    yield service
    service.close()


def test_an_uploaded_file_is_kept_and_answered_from(own_service: Sourcier, tmp_path: Path) -> None:
    upload = tmp_path / "jardin.txt"
    upload.write_text(NOTE, encoding="utf-8")
    report = own_service.ingest_file(upload)
    assert report.ok and report.added == 1, report
    assert (own_service.settings.data_dir / "uploads" / "jardin.txt").read_text(encoding="utf-8") == NOTE
    assert "jardin" in {d.id for d in own_service.documents()}
    answer = own_service.ask(
        Question("Comment les parcelles du Jardin partagé de la rue Lepic sont-elles attribuées ?")
    )
    assert not answer.abstained and "tirage au sort" in answer.text
    assert own_service.ingest_file(upload).unchanged == 1  # idempotent


def test_a_file_that_fails_is_not_kept(own_service: Sourcier, tmp_path: Path) -> None:
    empty = tmp_path / "vide.txt"
    empty.write_text("   \n", encoding="utf-8")
    report = own_service.ingest_file(empty)
    assert not report.ok and report.failed[0][0].endswith("vide.txt")
    assert not (own_service.settings.data_dir / "uploads" / "vide.txt").exists()


def test_an_unsupported_type_is_refused_before_anything_is_copied(
    own_service: Sourcier, tmp_path: Path
) -> None:
    binary = tmp_path / "image.exe"
    binary.write_bytes(b"MZ\x00\x01")
    with pytest.raises(UnsupportedFileError, match=r"\.exe"):
        own_service.ingest_file(binary)
    assert not (own_service.settings.data_dir / "uploads").exists()


def test_reopening_the_store_keeps_the_index_and_the_caches(own_service: Sourcier) -> None:
    question = Question("Quel est le nom de code du successeur de Llama ?")
    before, store, vectors = own_service.ask(question), own_service.store, own_service.vectors
    own_service.reopen_store()
    assert own_service.store is not store and own_service.engine.retriever.store is own_service.store
    assert own_service.vectors is vectors  # the sentence cache survives
    assert own_service.ask(question).sentences == before.sentences
