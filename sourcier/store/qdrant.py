"""The server engine: qdrant-client (a Qdrant server, or its in-process ``:memory:``/path modes).

Same layout as the embedded engine: collection ``<collection>_chunks`` (named dense vector
``dense``, cosine; sparse vector ``lexical`` with the IDF modifier; payload indexes on
``document_id``/``source`` (keyword) and ``date`` (datetime)) and ``<collection>_documents``
(payload-only points: a collection with no vectors). Hybrid search is one batch of two queries
(dense, lexical) returning bare points, fused here in Python as the embedded engine does
(``sourcier.store.fusion``), then one ``retrieve`` of the fused best's payloads.

Every failure reaches callers as :class:`StoreError` with a sentence saying what went wrong
("Qdrant at http://… unreachable: connection refused"), never a raw client traceback.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from sourcier.documents import Chunk, ScoredChunk, SearchFilters, SparseVector
from sourcier.store.base import (
    DENSE,
    INDEXED_DATETIME,
    INDEXED_KEYWORDS,
    LEXICAL,
    TIE_MARGIN,
    DocumentRecord,
    Point,
    SearchMode,
    StoreError,
    StoreLockedError,
    check_query,
    date_bounds,
    document_point_id,
    hybrid,
    prefetch_limit,
    ranked,
    with_chunks,
)
from sourcier.store.fusion import DENSE_WEIGHT

_BATCH = 256
_SCROLL_PAGE = 1000
_PROGRAMMING_ERRORS = (TypeError, AttributeError, NameError, AssertionError)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (``source``, ``__cause__``, ``__context__``)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nxt in (getattr(current, "source", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                stack.append(nxt)


def _connect_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connexion refusée"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "nom d'hôte inconnu"
    if "unreachable" in text:
        return "réseau injoignable"
    if "ssl" in text or "certificate" in text:
        return f"erreur TLS ({exc})"
    return str(exc) or type(exc).__name__


def _response_reason(exc: UnexpectedResponse) -> str:
    if exc.status_code in (401, 403):
        return f"a refusé la requête : clé d'API absente ou incorrecte (HTTP {exc.status_code})"
    detail = ""
    try:
        body = exc.content.decode("utf-8", "replace")
        detail = str(json.loads(body).get("status", {}).get("error", "")) or body[:200]
    except Exception:
        detail = exc.reason_phrase
    return f"a répondu HTTP {exc.status_code} : {detail}"


class QdrantStore:
    """:class:`~sourcier.store.base.VectorStore` on qdrant-client."""

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        *,
        location: str = "Qdrant",
        timeout_s: float | None = None,
    ) -> None:
        self.client = client
        self.collection = collection
        self.chunks_collection = f"{collection}_chunks"
        self.documents_collection = f"{collection}_documents"
        self._location = location
        self._timeout_s = timeout_s
        self._ready = False

    # --- constructors --------------------------------------------------------------------

    @classmethod
    def from_url(
        cls, url: str, api_key: str | None = None, timeout: float = 5.0, collection: str = "sourcier"
    ) -> QdrantStore:
        """A Qdrant server. Nothing is contacted here: :meth:`ping` checks the connection."""
        try:
            client = QdrantClient(
                url=url,
                api_key=api_key,
                timeout=max(1, math.ceil(timeout)),
                check_compatibility=False,  # would call the server (and only warn) at construction
            )
        except Exception as exc:
            raise StoreError(f"URL Qdrant invalide {url!r} : {exc}") from exc
        return cls(client, collection, location=f"le serveur Qdrant {url}", timeout_s=timeout)

    @classmethod
    def from_memory(cls, collection: str = "sourcier") -> QdrantStore:
        """qdrant-client's in-process mode, in memory (tests, throwaway indexes)."""
        return cls(QdrantClient(location=":memory:"), collection, location="le Qdrant en mémoire")

    @classmethod
    def from_path(cls, path: Path | str, collection: str = "sourcier") -> QdrantStore:
        """qdrant-client's in-process mode on disk (exact search in Python: small corpora only)."""
        location = f"l'index Qdrant local {path}"
        try:
            client = QdrantClient(path=str(path))
        except Exception as exc:
            if "already accessed" in str(exc):
                raise StoreLockedError(
                    f"l'index Qdrant local {path} est utilisé par un autre processus Sourcier (par "
                    "exemple `sourcier serve`) : arrêtez-le, ou indiquez un serveur Qdrant dans "
                    "SOURCIER_QDRANT_URL"
                ) from exc
            raise StoreError(f"{location} : ouverture impossible : {exc}") from exc
        return cls(client, collection, location=location)

    # --- plumbing ------------------------------------------------------------------------

    @contextmanager
    def _engine(self, what: str) -> Iterator[None]:
        try:
            yield
        except (StoreError, *_PROGRAMMING_ERRORS):
            raise
        except Exception as exc:
            raise StoreError(self._describe(exc, what)) from exc

    def _describe(self, exc: BaseException, what: str) -> str:
        for cause in _chain(exc):
            if isinstance(cause, httpx.TimeoutException):
                limit = f" en {self._timeout_s:g} s" if self._timeout_s else ""
                return f"{self._location} n'a pas répondu{limit} ({what})"
            if isinstance(cause, httpx.ConnectError | ConnectionError):
                return f"{self._location} est injoignable : {_connect_reason(cause)}"
            if isinstance(cause, UnexpectedResponse):
                return f"{self._location} {_response_reason(cause)} ({what})"
            if isinstance(cause, httpx.HTTPError):
                return f"{self._location} est injoignable : {cause or type(cause).__name__}"
        if isinstance(exc, ResponseHandlingException):
            return f"{self._location} : échec de l'opération « {what} » : {exc.source}"
        return f"{self._location} : échec de l'opération « {what} » : {exc}"

    def _schema_ready(self) -> bool:
        """True once both collections exist (cached: collections are never dropped here)."""
        if not self._ready:
            with self._engine("vérification des collections"):
                self._ready = self.client.collection_exists(
                    self.chunks_collection
                ) and self.client.collection_exists(self.documents_collection)
        return self._ready

    def _require_schema(self) -> None:
        if not self._schema_ready():
            raise StoreError(
                f"{self._location} n'a pas encore d'index « {self.collection} » : "
                "appelez d'abord ensure_schema"
            )

    def _scroll(self, collection: str, with_payload: bool) -> Iterator[qm.Record]:
        offset: Any = None
        while True:
            with self._engine("lecture"):
                records, offset = self.client.scroll(
                    collection,
                    limit=_SCROLL_PAGE,
                    offset=offset,
                    with_payload=with_payload,
                    with_vectors=False,
                )
            yield from records
            if offset is None:
                return

    # --- VectorStore ---------------------------------------------------------------------

    def ensure_schema(self, dense_size: int) -> None:
        with self._engine("création des collections"):
            if not self.client.collection_exists(self.chunks_collection):
                self._create(
                    self.chunks_collection,
                    vectors_config={DENSE: qm.VectorParams(size=dense_size, distance=qm.Distance.COSINE)},
                    sparse_vectors_config={LEXICAL: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
                )
            else:
                vectors = self.client.get_collection(self.chunks_collection).config.params.vectors
                current = vectors.get(DENSE) if isinstance(vectors, dict) else None
                if current is None or current.size != dense_size:
                    found = f"de dimension {current.size}" if current is not None else "sans nom « dense »"
                    raise StoreError(
                        f"{self._location} : la collection {self.chunks_collection} contient des vecteurs "
                        f"{found}, le modèle de plongement en donne de dimension {dense_size} : "
                        "réingérez dans une autre collection"
                    )
            with warnings.catch_warnings():
                # Local mode warns that payload indexes are ignored; a server uses them.
                warnings.filterwarnings("ignore", message="Payload indexes have no effect")
                for name in INDEXED_KEYWORDS:
                    self.client.create_payload_index(
                        self.chunks_collection, name, qm.PayloadSchemaType.KEYWORD, wait=True
                    )
                self.client.create_payload_index(
                    self.chunks_collection, INDEXED_DATETIME, qm.PayloadSchemaType.DATETIME, wait=True
                )
            if not self.client.collection_exists(self.documents_collection):
                self._create(self.documents_collection, vectors_config={})
        self._ready = True

    def _create(self, name: str, **config: Any) -> None:
        try:
            self.client.create_collection(name, **config)
        except UnexpectedResponse as exc:
            if exc.status_code != 409:  # 409: created meanwhile by another process
                raise

    def upsert_chunks(
        self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]
    ) -> None:
        if not (len(chunks) == len(dense) == len(sparse)):
            raise ValueError("chunks, dense and sparse must have the same length")
        self._require_schema()
        with self._engine("écriture des chunks"):
            for start in range(0, len(chunks), _BATCH):
                points = [
                    qm.PointStruct(
                        id=chunk.id,
                        vector={
                            DENSE: [float(x) for x in vec],
                            LEXICAL: qm.SparseVector(
                                indices=list(sp.indices), values=[float(v) for v in sp.values]
                            ),
                        },
                        payload=chunk.payload(),
                    )
                    for chunk, vec, sp in zip(
                        chunks[start : start + _BATCH],
                        dense[start : start + _BATCH],
                        sparse[start : start + _BATCH],
                        strict=True,
                    )
                ]
                self.client.upsert(self.chunks_collection, points, wait=True)

    def delete_stale_chunks(self, document_id: str, keep_hash: str | None) -> int:
        self._require_schema()
        must_not: list[qm.Condition] | None = None
        if keep_hash is not None:
            must_not = [qm.FieldCondition(key="document_hash", match=qm.MatchValue(value=keep_hash))]
        filter_ = qm.Filter(
            must=[qm.FieldCondition(key="document_id", match=qm.MatchValue(value=document_id))],
            must_not=must_not,
        )
        with self._engine("suppression des chunks périmés"):
            count = self.client.count(self.chunks_collection, count_filter=filter_, exact=True).count
            if count:
                self.client.delete(self.chunks_collection, qm.FilterSelector(filter=filter_), wait=True)
        return count

    def put_document(self, record: DocumentRecord) -> None:
        self._require_schema()
        point = qm.PointStruct(id=document_point_id(record.document.id), vector={}, payload=record.payload())
        with self._engine("écriture d'une fiche de document"):
            self.client.upsert(self.documents_collection, [point], wait=True)

    def get_document(self, document_id: str) -> DocumentRecord | None:
        if not self._schema_ready():
            return None
        with self._engine("lecture d'une fiche de document"):
            found = self.client.retrieve(
                self.documents_collection,
                [document_point_id(document_id)],
                with_payload=True,
                with_vectors=False,
            )
        if not found or not found[0].payload:
            return None
        return DocumentRecord.from_payload(found[0].payload)

    def list_documents(self) -> list[DocumentRecord]:
        if not self._schema_ready():
            return []
        records = [
            DocumentRecord.from_payload(r.payload)
            for r in self._scroll(self.documents_collection, with_payload=True)
            if r.payload
        ]
        return sorted(records, key=lambda r: r.document.id)

    def delete_document(self, document_id: str) -> None:
        if not self._schema_ready():
            return
        filter_ = qm.Filter(
            must=[qm.FieldCondition(key="document_id", match=qm.MatchValue(value=document_id))]
        )
        with self._engine("suppression d'un document"):
            # Chunks first, then the record (see EdgeStore.delete_document).
            self.client.delete(self.chunks_collection, qm.FilterSelector(filter=filter_), wait=True)
            self.client.delete(
                self.documents_collection, qm.PointIdsList(points=[document_point_id(document_id)]), wait=True
            )

    def search(
        self,
        mode: SearchMode,
        limit: int,
        dense: Sequence[float] | None = None,
        sparse: SparseVector | None = None,
        filters: SearchFilters | None = None,
        dense_weight: float = DENSE_WEIGHT,
    ) -> list[ScoredChunk]:
        check_query(mode, dense, sparse)
        filter_ = _filter(filters)
        fetch = limit + TIE_MARGIN  # see base.ranked: ties at the cut are settled by point id
        if limit <= 0 or not self._schema_ready():
            return []
        dense_query = [float(x) for x in dense] if dense is not None else None
        sparse_query = (
            qm.SparseVector(indices=list(sparse.indices), values=[float(v) for v in sparse.values])
            if sparse is not None
            else None
        )
        if mode != "dense" and sparse is not None and not sparse.indices:
            sparse_query = None  # no lexical term: nothing to find (hybrid: the dense list alone)
        if mode != "hybrid":
            query, using = (dense_query, DENSE) if mode == "dense" else (sparse_query, LEXICAL)
            if query is None:
                return []
            with self._engine("recherche"):
                response = self.client.query_points(
                    self.chunks_collection,
                    query=query,
                    using=using,
                    limit=fetch,
                    query_filter=filter_,
                    with_payload=True,
                )
            found = [
                ScoredChunk(
                    chunk=Chunk.from_payload(p.payload or {}), score=float(p.score), point_id=str(p.id)
                )
                for p in response.points
            ]
            return ranked(found, limit)
        depth = prefetch_limit(limit)
        requests = [
            qm.QueryRequest(query=q, using=using, limit=depth, filter=filter_, with_payload=False)
            for q, using in ((dense_query, DENSE), (sparse_query, LEXICAL))
            if q is not None
        ]
        with self._engine("recherche"):
            # One round trip for both candidate lists as bare points, fused here as EdgeStore does,
            # then one for the payloads of the fused best.
            responses = self.client.query_batch_points(self.chunks_collection, requests)
            lists = [[Point(str(p.id), float(p.score)) for p in r.points] for r in responses]
            fused = hybrid(lists[0], lists[1] if len(lists) > 1 else [], limit, dense_weight)
            records = self.client.retrieve(
                self.chunks_collection, [f.point_id for f in fused], with_payload=True, with_vectors=False
            )
        return with_chunks(fused, {str(r.id): Chunk.from_payload(r.payload or {}) for r in records})

    def count_chunks(self, document_id: str | None = None) -> int:
        if not self._schema_ready():
            return 0
        filter_ = (
            qm.Filter(must=[qm.FieldCondition(key="document_id", match=qm.MatchValue(value=document_id))])
            if document_id is not None
            else None
        )
        with self._engine("comptage"):
            return self.client.count(self.chunks_collection, count_filter=filter_, exact=True).count

    def term_counts(self, terms: Sequence[str], document_id: str | None = None) -> dict[str, int]:
        if not self._schema_ready():
            return dict.fromkeys(terms, 0)
        scope = (
            [qm.FieldCondition(key="document_id", match=qm.MatchValue(value=document_id))]
            if document_id is not None
            else []
        )
        counts = {}
        with self._engine("comptage des termes"):
            for term in dict.fromkeys(terms):
                filter_ = qm.Filter(
                    must=[*scope, qm.FieldCondition(key="terms", match=qm.MatchValue(value=term))]
                )
                counts[term] = self.client.count(
                    self.chunks_collection, count_filter=filter_, exact=True
                ).count
        return counts

    def chunk_ids(self) -> set[str]:
        if not self._schema_ready():
            return set()
        return {str(r.id) for r in self._scroll(self.chunks_collection, with_payload=False)}

    def ping(self) -> None:
        """Contact the server (list collections) within the configured timeout."""
        with self._engine("vérification de l'état"):
            self.client.get_collections()

    def close(self) -> None:
        with self._engine("fermeture"):
            self.client.close()


def _filter(filters: SearchFilters | None) -> qm.Filter | None:
    if filters is None or filters.empty:
        return None
    must: list[qm.Condition] = []
    if filters.document_ids:
        must.append(qm.FieldCondition(key="document_id", match=qm.MatchAny(any=list(filters.document_ids))))
    gte, lt = date_bounds(filters)
    if gte or lt:
        must.append(qm.FieldCondition(key=INDEXED_DATETIME, range=qm.DatetimeRange(gte=gte, lt=lt)))
    return qm.Filter(must=must)
