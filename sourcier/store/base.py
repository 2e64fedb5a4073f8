"""The one store interface both engines implement (Qdrant Edge embedded, qdrant-client).

One layout for both: a collection of chunk points with a named dense vector ``dense``
(cosine) and a named sparse vector ``lexical`` (IDF modifier), payload indexes on
``document_id``, ``date`` and ``source``; and a collection of document records (full text,
title, date, source, hash, chunk ids) so citations can be checked and documents listed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

from sourcier.documents import POINT_NAMESPACE, Chunk, Document, ScoredChunk, SearchFilters, SparseVector
from sourcier.store.fusion import DENSE_WEIGHT, Fused, fuse

SearchMode = Literal["dense", "sparse", "hybrid"]

DENSE = "dense"
LEXICAL = "lexical"

#: Payload fields with an index on the chunk collection (``terms``: ``VectorStore.term_counts``).
INDEXED_KEYWORDS = ("document_id", "source", "terms")
INDEXED_DATETIME = "date"


class StoreError(RuntimeError):
    """The store cannot be reached or used; the message says why, for people, ``code`` for
    programs (the API's ``index_unavailable``)."""

    code = "index_unavailable"


class StoreLockedError(StoreError):
    """The embedded store is held by another process."""


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document as stored, plus the ids of its chunk points (what ingestion compares), when it
    was last (re)written, ISO 8601 UTC (None for records written before this field existed), and
    the format of its chunks' payload (``ingest.pipeline.CHUNK_FORMAT``; 0 before it existed)."""

    document: Document
    chunk_ids: tuple[str, ...]
    ingested_at: str | None = None
    chunk_format: int = 0

    def payload(self) -> dict[str, object]:
        d = self.document
        return {
            "id": d.id,
            "title": d.title,
            "text": d.text,
            "source": d.source,
            "date": d.date,
            "hash": d.hash,
            "chunk_ids": list(self.chunk_ids),
            "page_starts": list(d.page_starts),
            "ingested_at": self.ingested_at,
            "chunk_format": self.chunk_format,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, object]) -> DocumentRecord:
        chunk_ids = payload.get("chunk_ids") or []
        page_starts = payload.get("page_starts") or []
        assert isinstance(chunk_ids, list) and isinstance(page_starts, list)
        document = Document(
            id=str(payload["id"]),
            title=str(payload["title"]),
            text=str(payload["text"]),
            source=str(payload["source"]),
            date=str(payload["date"]) if payload.get("date") else None,
            page_starts=tuple(int(p) for p in page_starts),
        )
        ingested = payload.get("ingested_at")
        return cls(
            document=document,
            chunk_ids=tuple(str(c) for c in chunk_ids),
            ingested_at=str(ingested) if ingested else None,
            chunk_format=int(payload.get("chunk_format") or 0),  # type: ignore[call-overload]
        )


def document_point_id(document_id: str) -> str:
    """The point id of a document record: uuid5 of the document id."""
    return str(uuid.uuid5(POINT_NAMESPACE, document_id))


def prefetch_limit(limit: int) -> int:
    """How many candidates each retriever brings to a hybrid search's fusion."""
    return max(limit * 4, 40)


#: Results fetched past ``limit`` so that ties at the cut are settled the same way every time.
TIE_MARGIN = 8


def ranked(results: Sequence[ScoredChunk], limit: int) -> list[ScoredChunk]:
    """Best first, equal scores in point-id order, cut at ``limit``.

    Ties happen (equal BM25 scores of near-identical lines; RRF, the engines' former fusion, tied
    dense rank 0 + sparse rank 1 with the reverse) and the engines return tied points in hash
    order, which varies from call to call: the same question then got different chunk ranks,
    hence different answers. Engines query ``limit + TIE_MARGIN`` points and pass them through
    here."""
    return sorted(results, key=lambda r: (-r.score, r.point_id))[:limit]


@dataclass(frozen=True, slots=True)
class Point:
    """A point of a retriever's list without its payload: what hybrid fusion reads."""

    point_id: str
    score: float


def hybrid(dense: Sequence[Point], lexical: Sequence[Point], limit: int, dense_weight: float) -> list[Fused]:
    """A hybrid search's best ``limit`` points from its two candidate lists (each
    ``prefetch_limit`` long, as the engine returned them, payloads not fetched: the engine
    fetches them for these points only): each list put in a stable order first, so that a
    point's rank in it does not depend on how the engine broke ties, then fused
    (``sourcier.store.fusion``)."""

    def stable(points: Sequence[Point]) -> list[Point]:
        return sorted(points, key=lambda p: (-p.score, p.point_id))

    return fuse(stable(dense), stable(lexical), dense_weight)[:limit]


def with_chunks(fused: Sequence[Fused], chunks: dict[str, Chunk]) -> list[ScoredChunk]:
    """The fused points as scored chunks, in order (a point deleted meanwhile is left out)."""
    return [
        ScoredChunk(chunks[f.point_id], f.score, f.point_id, f.dense_rank, f.lexical_rank)
        for f in fused
        if f.point_id in chunks
    ]


def date_bounds(filters: SearchFilters) -> tuple[date | None, date | None]:
    """``[gte, lt)`` bounds for an inclusive ``date_from``/``date_to`` day range.

    ``date_to`` becomes "before the next day" so a day's dated chunks are all included even if
    a date carries a time. Raises ``ValueError`` on a date that is not ``YYYY-MM-DD``.
    """

    def parse(value: str, name: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be a YYYY-MM-DD date, got {value!r}") from None

    gte = parse(filters.date_from, "date_from") if filters.date_from else None
    lt = parse(filters.date_to, "date_to") + timedelta(days=1) if filters.date_to else None
    return gte, lt


class VectorStore(Protocol):
    """What ingestion writes and the server reads. Every method may raise :class:`StoreError`."""

    def ensure_schema(self, dense_size: int) -> None:
        """Create collections and payload indexes if missing (idempotent). Raises
        :class:`StoreError` when the existing index holds vectors of another size."""

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
        dense_weight: float = DENSE_WEIGHT,
    ) -> list[ScoredChunk]:
        """Ranked chunks, best first; ``ScoredChunk.score`` depends on ``mode``:

        - ``dense``: cosine similarity of ``dense`` with the chunk vector (-1..1);
        - ``sparse``: BM25 score (Qdrant IDF × the encoder's saturated tf weights, unbounded);
        - ``hybrid``: the blend of the dense and sparse candidate lists (each ``prefetch_limit``
          long), each rescaled to 0..1 over its candidates, ``dense_weight`` for the dense list's
          share (``sourcier.store.fusion``); each hit carries its rank in both lists.

        The vector(s) the mode needs are required (``ValueError`` otherwise). Filters apply to
        every stage; a malformed filter date raises ``ValueError``. A store with no schema yet
        returns nothing.
        """

    def count_chunks(self, document_id: str | None = None) -> int: ...

    def term_counts(self, terms: Sequence[str], document_id: str | None = None) -> dict[str, int]:
        """In how many chunks (of ``document_id`` when given) each analysed term occurs, from the
        chunks' indexed ``terms``: what rarity is measured from. Chunks written before ingestion
        recorded terms count as holding none."""

    def chunk_ids(self) -> set[str]:
        """Every chunk point id (for consistency checks and tests)."""

    def ping(self) -> None:
        """Raise :class:`StoreError` when the store is not usable right now."""

    def close(self) -> None: ...


def check_query(mode: SearchMode, dense: Sequence[float] | None, sparse: SparseVector | None) -> None:
    """Both engines refuse a search whose mode lacks the vector it needs."""
    if mode in ("dense", "hybrid") and dense is None:
        raise ValueError(f"{mode} search needs a dense vector")
    if mode in ("sparse", "hybrid") and sparse is None:
        raise ValueError(f"{mode} search needs a sparse vector")
