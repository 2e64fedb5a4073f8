"""The service facade's own operations: adding, re-indexing and deleting documents (on both
store engines), reopening the store, saying whether it is ready."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from server.engine.service import (
    DocumentNotFoundError,
    FileRejectedError,
    QuestionTooLongError,
    SourceMissingError,
    Sourcier,
)
from server.engine.types import DocumentChange, Health, Question
from sourcier.config import Settings
from sourcier.store import StoreError, open_store
from tests.support.index import copy_index, make_settings

NOTE = (
    "Le Jardin partagé de la rue Lepic ouvre ses parcelles le samedi matin.\n\n"
    "Les parcelles du Jardin partagé de la rue Lepic sont attribuées par tirage au sort en mars."
)
ENGINES = {"edge": {}, "qdrant-client": {"qdrant_url": ":memory:"}}


@pytest.fixture
def own_service(corpus_index: Settings, embedder: Any, tmp_path: Path) -> Iterator[Sourcier]:
    settings = copy_index(corpus_index, tmp_path / "index", warm_up_sentences=0)
    service = Sourcier(settings, open_store(settings), embedder)
    yield service
    service.close()


@pytest.fixture(params=sorted(ENGINES))
def empty_service(request: pytest.FixtureRequest, embedder: Any, tmp_path: Path) -> Iterator[Sourcier]:
    """A service over an empty index, in each store engine."""
    settings = make_settings(tmp_path / "data", warm_up_sentences=0, **ENGINES[request.param])
    service = Sourcier(settings, open_store(settings), embedder)
    yield service
    service.close()


def test_an_uploaded_file_is_kept_and_answered_from(own_service: Sourcier) -> None:
    change = own_service.add_file("jardin.txt", NOTE.encode())
    assert change == DocumentChange(
        "jardin",
        "Le Jardin partagé de la rue Lepic ouvre ses parcelles le samedi matin",
        own_service.store.count_chunks("jardin"),
        None,
        "added",
    )
    assert (own_service.settings.data_dir / "uploads" / "jardin.txt").read_text(encoding="utf-8") == NOTE
    assert "jardin" in {d.id for d in own_service.documents()}
    answer = own_service.ask(
        Question("Comment les parcelles du Jardin partagé de la rue Lepic sont-elles attribuées ?")
    )
    assert not answer.abstained and "tirage au sort" in answer.text
    assert own_service.add_file("jardin.txt", NOTE.encode()).status == "unchanged"  # idempotent


def test_a_file_that_fails_is_not_kept_and_an_earlier_upload_survives(own_service: Sourcier) -> None:
    uploads = own_service.settings.data_dir / "uploads"
    with pytest.raises(FileRejectedError) as raised:
        own_service.add_file("vide.txt", b"   \n")
    assert raised.value.code == "empty_file" and str(raised.value) == "vide.txt : fichier vide"
    assert not (uploads / "vide.txt").exists()
    own_service.add_file("jardin.txt", NOTE.encode())
    with pytest.raises(FileRejectedError, match=r"jardin\.txt : texte qui n'est pas en UTF-8 valide"):
        own_service.add_file("jardin.txt", NOTE.encode("latin-1"))
    assert (uploads / "jardin.txt").read_text(encoding="utf-8") == NOTE  # the earlier one is back


@pytest.mark.parametrize(
    ("name", "size", "code", "words"),
    [
        ("image.exe", 10, "unsupported_file", "image.exe : type de fichier .exe non pris en charge"),
        ("gros.txt", 3_000, "file_too_large", "gros.txt : fichier trop volumineux (3 000 octets"),
    ],
)
def test_a_refused_type_or_size_is_refused_before_anything_is_copied(
    own_service: Sourcier, embedder: Any, name: str, size: int, code: str, words: str
) -> None:
    small = Sourcier(
        own_service.settings.model_copy(update={"max_file_bytes": 1_000}), own_service.store, embedder
    )
    with pytest.raises(FileRejectedError) as raised:
        small.add_file(name, b"x" * size)
    assert raised.value.code == code and str(raised.value).startswith(words), str(raised.value)
    assert not (own_service.settings.data_dir / "uploads").exists()


def test_add_reindex_and_delete_a_document(empty_service: Sourcier) -> None:
    service = empty_service
    uploads = service.settings.data_dir / "uploads"
    added = service.add_file("jardin.txt", NOTE.encode())
    assert added.status == "added" and added.chunks == service.store.count_chunks("jardin") >= 1
    again = service.reindex("jardin")
    assert (again.status, again.chunks, again.title) == ("updated", added.chunks, added.title)

    (uploads / "jardin.txt").write_bytes(b"")  # its file no longer loads: refused, index untouched
    with pytest.raises(FileRejectedError) as raised:
        service.reindex("jardin")
    assert raised.value.code == "empty_file" and str(raised.value) == "jardin.txt : fichier vide"
    assert service.store.count_chunks("jardin") == added.chunks

    (uploads / "jardin.txt").unlink()
    with pytest.raises(SourceMissingError, match="le fichier source de « jardin » a disparu"):
        service.reindex("jardin")

    assert service.delete("jardin") == added.chunks
    assert service.store.count_chunks("jardin") == 0 and service.documents() == []
    for operation in (service.delete, service.reindex, service.document):
        with pytest.raises(DocumentNotFoundError) as missing:
            operation("jardin")
        assert str(missing.value) == "aucun document d'identifiant « jardin » dans l'index"


def test_an_uploaded_file_is_deleted_with_its_document(empty_service: Sourcier) -> None:
    empty_service.add_file("jardin.txt", NOTE.encode())
    empty_service.delete("jardin")
    assert not (empty_service.settings.data_dir / "uploads" / "jardin.txt").exists()


def test_reopening_the_store_keeps_the_index_and_the_caches(own_service: Sourcier) -> None:
    question = Question("Quel est le nom de code du successeur de Llama ?")
    before, store, vectors = own_service.ask(question), own_service.store, own_service.vectors
    own_service.reopen_store()
    assert own_service.store is not store and own_service.engine.retriever.store is own_service.store
    assert own_service.vectors is vectors  # the sentence cache survives
    assert own_service.ask(question).sentences == before.sentences


def test_health_names_the_model_and_the_engine_once_the_store_answers(empty_service: Sourcier) -> None:
    expected: Literal["edge", "qdrant"] = "qdrant" if empty_service.settings.qdrant_url else "edge"
    assert empty_service.health() == Health(model=empty_service.embedder.name, store=expected)
    empty_service.store.close()
    if expected == "edge":  # qdrant-client's in-memory mode still answers once closed
        with pytest.raises(StoreError, match="fermé"):
            empty_service.health()


def test_a_question_over_the_limit_is_refused_in_french(own_service: Sourcier) -> None:
    limit = own_service.settings.max_question_chars
    with pytest.raises(QuestionTooLongError) as raised:
        own_service.ask(Question("x" * (limit + 1)))
    assert str(raised.value) == (
        f"la question fait {limit + 1} caractères, au-delà de la limite de {limit} (SOURCIER_MAX_QUESTION_CHARS)"
    )
    with pytest.raises(QuestionTooLongError, match=r"^la recherche fait"):
        own_service.search("x" * (limit + 1))
