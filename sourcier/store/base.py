"""The one store interface both engines implement (Qdrant Edge embedded, qdrant-client).

One layout for both: a collection of chunk points with a named dense vector ``dense``
(cosine) and a named sparse vector ``lexical`` (IDF modifier), payload indexes on
``document_id``, ``date`` and ``source``; and a collection of document records (full text,
title, date, source, hash, chunk ids) so citations can be checked and documents listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from sourcier.documents import Chunk, Document, ScoredChunk, SearchFilters, SparseVector

SearchMode = Literal["dense", "sparse", "hybrid"]

DENSE = "dense"
LEXICAL = "lexical"


class StoreError(RuntimeError):
    """The store cannot be reached or used; the message says why, for people."""


class StoreLockedError(StoreError):
    """The embedded store is held by another process."""


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document as stored, plus the ids of its chunk points (what ingestion compares)."""

    document: Document
    chunk_ids: tuple[str, ...]


class VectorStore(Protocol):
    """What ingestion writes and the server reads. Every method may raise :class:`StoreError`."""

    def ensure_schema(self, dense_size: int) -> None:
        """Create collections and payload indexes if missing (idempotent)."""

    def upsert_chunks(
        self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]
    ) -> None:
        """Write chunk points (ids are ``Chunk.id``: writing the same chunk twice is a no-op)."""

    def delete_stale_chunks(self, document_id: str, keep_hash: str | None) -> int:
        """Delete the document's chunk points whose ``document_hash`` differs from ``keep_hash``
        (all of them when ``keep_hash`` is None); returns how many were deleted."""

    def put_document(self, record: DocumentRecord) -> None:
        """Write the document record (last step of ingesting a document: its commit marker)."""

    def get_document(self, document_id: str) -> DocumentRecord | None: ...

    def list_documents(self) -> list[DocumentRecord]: ...

    def delete_document(self, document_id: str) -> None:
        """Delete the record and every chunk point of the document."""

    def search(
        self,
        mode: SearchMode,
        limit: int,
        dense: Sequence[float] | None = None,
        sparse: SparseVector | None = None,
        filters: SearchFilters | None = None,
    ) -> list[ScoredChunk]:
        """Ranked chunks. ``hybrid`` fuses dense and sparse prefetches with RRF."""

    def count_chunks(self, document_id: str | None = None) -> int: ...

    def chunk_ids(self) -> set[str]:
        """Every chunk point id (for consistency checks and tests)."""

    def ping(self) -> None:
        """Raise :class:`StoreError` when the store is not usable right now."""

    def close(self) -> None: ...
