"""Add, re-index and delete one document in an index that may be serving questions.

What the API (``POST /documents``, ``POST /documents/{id}/reindex``, ``DELETE /documents/{id}``)
and the CLI do to a single document, with the same pipeline as a whole ingest run. Uploaded
files are kept in ``<data_dir>/uploads`` (their document id is their file name without suffix),
so that they can be re-indexed later like any other file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.failures import RejectedFileError, too_large_reason, unsupported_reason
from ingest.loaders import SUPPORTED_SUFFIXES, document_id
from ingest.pipeline import Ingestor, IngestReport
from sourcier.config import Settings
from sourcier.documents import missing_document
from sourcier.embedding import Embedder
from sourcier.store import VectorStore

_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


class DocumentUnavailableError(LookupError):
    """No document with this id in the index."""


class SourceMissingError(RuntimeError):
    """The document's source file is gone, so it cannot be re-read."""


class UploadRejectedError(RejectedFileError):
    """An uploaded file that is refused before ingestion (name, type, size, id), with its code."""


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """What happened to one document: its id, how many chunks it now has, and the run's report."""

    document_id: str | None
    chunks: int
    report: IngestReport


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def safe_upload_name(filename: str | None) -> str:
    """The base name of an uploaded file, without directories or odd characters; refuses names
    of unsupported types (``UploadRejectedError``)."""
    name = unicodedata.normalize("NFC", Path((filename or "").replace("\\", "/")).name).strip()
    name = _UNSAFE_NAME.sub("_", name).lstrip(".")
    suffix = Path(name).suffix.lower()
    if not name or not Path(name).stem:
        raise UploadRejectedError("invalid_file_name", "le fichier envoyé n'a pas de nom utilisable")
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRejectedError("unsupported_file", unsupported_reason(suffix))
    return name


def upload_target(folder: Path, name: str, doc_id: str | None) -> Path:
    """Where an upload is kept: ``<folder>/<name>``, or ``<folder>/<doc_id><suffix>`` when the
    client names the document (the CLI sends the id a local ingest would give, ``sub/article``)."""
    if doc_id is None:
        return folder / name
    parts = doc_id.split("/")
    target = folder.joinpath(*parts[:-1], parts[-1] + Path(name).suffix.lower())
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts) or (
        document_id(target, folder) != doc_id
    ):
        reason = f"identifiant de document « {doc_id} » invalide (lettres, chiffres, _ . - /)"
        raise UploadRejectedError("invalid_document_id", reason)
    return target


def add_upload(
    store: VectorStore,
    embedder: Embedder,
    settings: Settings,
    filename: str | None,
    data: bytes,
    *,
    doc_id: str | None = None,
    force: bool = False,
) -> DocumentResult:
    """Save an uploaded file under the uploads folder and ingest it (replacing a previous upload
    of the same name or id). A file that fails to load is not kept."""
    name = safe_upload_name(filename)
    if len(data) > settings.max_file_bytes:
        raise UploadRejectedError("file_too_large", too_large_reason(len(data), settings.max_file_bytes))
    folder = uploads_dir(settings)
    target = upload_target(folder, name, doc_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.read_bytes() if target.exists() else None
    target.write_bytes(data)
    report = Ingestor(store, embedder, settings).ingest([target], force=force, root=folder)
    if report.failed:
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(previous)
    stored_id = document_id(target, folder)
    return DocumentResult(None if report.failed else stored_id, store.count_chunks(stored_id), report)


def reindex(store: VectorStore, embedder: Embedder, settings: Settings, doc_id: str) -> DocumentResult:
    """Re-read a document's source file and rewrite its chunks, even if nothing changed (e.g.
    after a change of model or chunking, or a suspected damaged index)."""
    record = store.get_document(doc_id)
    if record is None:
        raise DocumentUnavailableError(missing_document(doc_id))
    source = Path(record.document.source)
    if not source.is_file():
        raise SourceMissingError(
            f"le fichier source de « {doc_id} » a disparu ({source}) : impossible de le relire"
        )
    depth = doc_id.count("/")
    root = source.parents[depth] if depth < len(source.parents) else source.parent
    if document_id(source, root) != doc_id:
        raise SourceMissingError(
            f"{source} ne correspond plus à l'identifiant « {doc_id} » : ingérez plutôt son dossier à nouveau"
        )
    report = Ingestor(store, embedder, settings).ingest([source], force=True, root=root)
    return DocumentResult(None if report.failed else doc_id, store.count_chunks(doc_id), report)


def delete(store: VectorStore, settings: Settings, doc_id: str) -> int:
    """Delete a document's record and every chunk; returns how many chunks were removed. An
    uploaded file is removed too (the user's own files elsewhere are never touched)."""
    record = store.get_document(doc_id)
    if record is None:
        raise DocumentUnavailableError(missing_document(doc_id))
    removed = store.count_chunks(doc_id)
    store.delete_document(doc_id)
    source = Path(record.document.source)
    if source.is_relative_to(uploads_dir(settings).resolve()) and source.is_file():
        source.unlink()
    return removed
