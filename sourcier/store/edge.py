"""The embedded engine: Qdrant Edge (Qdrant's Rust engine in-process, one folder on disk).

Layout under ``path``: two Edge shards, ``<collection>_chunks`` (named dense vector ``dense``,
cosine, and sparse vector ``lexical`` with the IDF modifier; payload indexes on
``document_id``/``source`` (keyword) and ``date`` (datetime)) and ``<collection>_documents``
(document records as payload-only points). Edge refuses a shard without any vector config, so
the documents shard declares one unused sparse vector (``_none``) that no point carries.

Every write method ends with ``flush()``: once it returns, the data survives the process being
killed. Edge keeps a write-ahead log locked by the process holding the shard: a second process
(or a second store on the same path) gets :class:`StoreLockedError`; the lock goes with its
holder, even one killed with SIGKILL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import qdrant_edge as qe

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

_UNUSED_SPARSE = "_none"
_BATCH = 256
_SCROLL_PAGE = 1000
#: Errors that are bugs in our code, not engine failures: never disguised as StoreError.
_PROGRAMMING_ERRORS = (TypeError, AttributeError, NameError, AssertionError)


def _locked_message(path: Path) -> str:
    return (
        f"l'index embarqué {path} est utilisé par un autre processus Sourcier (par exemple "
        "`sourcier serve`) : arrêtez-le, ou indiquez un serveur Qdrant dans SOURCIER_QDRANT_URL"
    )


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return "WouldBlock" in text or "Can't init WAL" in text


def _shard_exists(path: Path) -> bool:
    return (path / "edge_config.json").exists() or (path / "segments").is_dir()


class EdgeStore:
    """:class:`~sourcier.store.base.VectorStore` on Qdrant Edge shards under ``path``."""

    def __init__(self, path: Path, collection: str) -> None:
        self.path = Path(path)
        self.collection = collection
        self._chunks_path = self.path / f"{collection}_chunks"
        self._docs_path = self.path / f"{collection}_documents"
        self._lock = threading.RLock()
        self._closed = False
        self._chunks: qe.EdgeShard | None = None
        self._docs: qe.EdgeShard | None = None
        try:
            if _shard_exists(self._chunks_path):
                self._chunks = self._load(self._chunks_path)
            if _shard_exists(self._docs_path):
                self._docs = self._load(self._docs_path)
        except BaseException:
            self._close_shards()
            raise

    # --- engine plumbing -----------------------------------------------------------------

    @contextmanager
    def _engine(self, what: str) -> Iterator[None]:
        """Translate Edge's exceptions (plain ``Exception``/``ValueError``) into StoreError."""
        try:
            yield
        except (StoreError, *_PROGRAMMING_ERRORS):
            raise
        except Exception as exc:
            if _is_lock_error(exc):
                raise StoreLockedError(_locked_message(self.path)) from exc
            raise StoreError(
                f"index Qdrant Edge {self.path} : échec de l'opération « {what} » : {exc}"
            ) from exc

    def _load(self, shard_path: Path) -> qe.EdgeShard:
        with self._engine(f"ouverture de {shard_path.name}"):
            return qe.EdgeShard.load(str(shard_path))

    def _open(self) -> None:
        if self._closed:
            raise StoreError(f"l'index Qdrant Edge {self.path} est fermé")

    def _writable(self) -> tuple[qe.EdgeShard, qe.EdgeShard]:
        self._open()
        if self._chunks is None or self._docs is None:
            raise StoreError(f"l'index {self.path} n'a pas encore de schéma : appelez d'abord ensure_schema")
        return self._chunks, self._docs

    def _scroll(
        self, shard: qe.EdgeShard, filter_: qe.Filter | None, with_payload: bool
    ) -> Iterator[qe.Record]:
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset,
                limit=_SCROLL_PAGE,
                filter=filter_,
                with_payload=with_payload,
                with_vector=False,
            )
            with self._engine("lecture"):
                records, offset = shard.scroll(request)
            yield from records
            if offset is None:
                return

    # --- VectorStore ---------------------------------------------------------------------

    def ensure_schema(self, dense_size: int) -> None:
        with self._lock:
            self._open()
            if self._chunks is None:
                config = qe.EdgeConfig(
                    vectors={DENSE: qe.EdgeVectorParams(size=dense_size, distance=qe.Distance.Cosine)},
                    sparse_vectors={LEXICAL: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
                )
                with self._engine("création du fragment des chunks"):
                    self._chunks = qe.EdgeShard.create(str(self._chunks_path), config)
            else:
                self._check_dense_size(self._chunks, dense_size)
            chunks = self._chunks
            with self._engine("création des index de métadonnées"):
                existing = set(chunks.info().payload_schema)
                for name in INDEXED_KEYWORDS:
                    if name not in existing:
                        chunks.update(
                            qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword)
                        )
                if INDEXED_DATETIME not in existing:
                    chunks.update(
                        qe.UpdateOperation.create_field_index(INDEXED_DATETIME, qe.PayloadSchemaType.Datetime)
                    )
                chunks.flush()
            if self._docs is None:
                config = qe.EdgeConfig(sparse_vectors={_UNUSED_SPARSE: qe.EdgeSparseVectorParams()})
                with self._engine("création du fragment des documents"):
                    self._docs = qe.EdgeShard.create(str(self._docs_path), config)
                    self._docs.flush()

    def _check_dense_size(self, shard: qe.EdgeShard, dense_size: int) -> None:
        probe = qe.QueryRequest(
            limit=1, query=qe.Query.Nearest([1.0] + [0.0] * (dense_size - 1), using=DENSE)
        )
        try:
            shard.query(probe)
        except Exception as exc:
            if "dimension" in str(exc).lower():
                raise StoreError(
                    f"l'index {self.path} contient des vecteurs d'une autre taille que ceux du modèle "
                    f"de plongement ({dense_size}) : {exc}. Réingérez dans un répertoire de données vide."
                ) from exc
            raise StoreError(
                f"index Qdrant Edge {self.path} : échec de la vérification de la taille des vecteurs : {exc}"
            ) from exc

    def upsert_chunks(
        self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], sparse: Sequence[SparseVector]
    ) -> None:
        if not (len(chunks) == len(dense) == len(sparse)):
            raise ValueError("chunks, dense and sparse must have the same length")
        with self._lock:
            shard, _ = self._writable()
            with self._engine("écriture des chunks"):
                for start in range(0, len(chunks), _BATCH):
                    points = [
                        qe.Point(
                            chunk.id,
                            {
                                DENSE: [float(x) for x in vec],
                                LEXICAL: qe.SparseVector(list(sp.indices), [float(v) for v in sp.values]),
                            },
                            chunk.payload(),
                        )
                        for chunk, vec, sp in zip(
                            chunks[start : start + _BATCH],
                            dense[start : start + _BATCH],
                            sparse[start : start + _BATCH],
                            strict=True,
                        )
                    ]
                    shard.update(qe.UpdateOperation.upsert_points(points))
                shard.flush()

    def delete_stale_chunks(self, document_id: str, keep_hash: str | None) -> int:
        with self._lock:
            shard, _ = self._writable()
            must_not: list[Any] | None = None
            if keep_hash is not None:
                must_not = [qe.FieldCondition(key="document_hash", match=qe.MatchValue(keep_hash))]
            filter_ = qe.Filter(
                must=[qe.FieldCondition(key="document_id", match=qe.MatchValue(document_id))],
                must_not=must_not,
            )
            with self._engine("suppression des chunks périmés"):
                count = shard.count(qe.CountRequest(exact=True, filter=filter_))
                if count:
                    shard.update(qe.UpdateOperation.delete_points_by_filter(filter_))
                    shard.flush()
            return count

    def put_document(self, record: DocumentRecord) -> None:
        with self._lock:
            _, docs = self._writable()
            point = qe.Point(document_point_id(record.document.id), {}, record.payload())
            with self._engine("écriture d'une fiche de document"):
                docs.update(qe.UpdateOperation.upsert_points([point]))
                docs.flush()

    def get_document(self, document_id: str) -> DocumentRecord | None:
        self._open()
        if self._docs is None:
            return None
        with self._engine("lecture d'une fiche de document"):
            found = self._docs.retrieve(
                [document_point_id(document_id)], with_payload=True, with_vector=False
            )
        if not found or found[0].payload is None:
            return None
        return DocumentRecord.from_payload(found[0].payload)

    def list_documents(self) -> list[DocumentRecord]:
        self._open()
        if self._docs is None:
            return []
        records = [
            DocumentRecord.from_payload(r.payload)
            for r in self._scroll(self._docs, None, with_payload=True)
            if r.payload
        ]
        return sorted(records, key=lambda r: r.document.id)

    def delete_document(self, document_id: str) -> None:
        with self._lock:
            self._open()
            # Chunks first: a crash in between leaves a record whose chunks are missing (a
            # consistency check sees it), never searchable chunks without their record.
            if self._chunks is not None:
                filter_ = qe.Filter(
                    must=[qe.FieldCondition(key="document_id", match=qe.MatchValue(document_id))]
                )
                with self._engine("suppression des chunks"):
                    self._chunks.update(qe.UpdateOperation.delete_points_by_filter(filter_))
                    self._chunks.flush()
            if self._docs is not None:
                with self._engine("suppression d'une fiche de document"):
                    self._docs.update(qe.UpdateOperation.delete_points([document_point_id(document_id)]))
                    self._docs.flush()

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
        self._open()
        shard = self._chunks
        if shard is None or limit <= 0:
            return []
        dense_query = qe.Query.Nearest([float(x) for x in dense], using=DENSE) if dense is not None else None
        sparse_query = (
            qe.Query.Nearest(
                qe.SparseVector(list(sparse.indices), [float(v) for v in sparse.values]), using=LEXICAL
            )
            if sparse is not None
            else None
        )
        if mode != "dense" and sparse is not None and not sparse.indices:
            sparse_query = None  # no lexical term: nothing to find (hybrid: the dense list alone)
        if mode == "hybrid":
            # Both candidate lists as bare points, fused here (sourcier.store.fusion) as QdrantStore
            # does; the payloads are read for the fused best only (a payload costs more than a point).
            depth = prefetch_limit(limit)
            dense_points, lexical_points = (
                self._points(shard, qe.QueryRequest(limit=depth, query=q, filter=filter_, with_payload=False))
                if q is not None
                else []
                for q in (dense_query, sparse_query)
            )
            fused = hybrid(dense_points, lexical_points, limit, dense_weight)
            with self._engine("recherche"):
                records = shard.retrieve([f.point_id for f in fused], with_payload=True, with_vector=False)
            return with_chunks(fused, {str(r.id): Chunk.from_payload(r.payload or {}) for r in records})
        query = dense_query if mode == "dense" else sparse_query
        if query is None:
            return []
        with self._engine("recherche"):
            hits = shard.query(qe.QueryRequest(limit=fetch, query=query, filter=filter_, with_payload=True))
        found = [
            ScoredChunk(chunk=Chunk.from_payload(h.payload or {}), score=float(h.score), point_id=str(h.id))
            for h in hits
        ]
        return ranked(found, limit)

    def _points(self, shard: qe.EdgeShard, request: qe.QueryRequest) -> list[Point]:
        with self._engine("recherche"):
            hits = shard.query(request)
        return [Point(str(h.id), float(h.score)) for h in hits]

    def count_chunks(self, document_id: str | None = None) -> int:
        self._open()
        if self._chunks is None:
            return 0
        filter_ = (
            qe.Filter(must=[qe.FieldCondition(key="document_id", match=qe.MatchValue(document_id))])
            if document_id is not None
            else None
        )
        with self._engine("comptage"):
            return self._chunks.count(qe.CountRequest(exact=True, filter=filter_))

    def term_counts(self, terms: Sequence[str], document_id: str | None = None) -> dict[str, int]:
        self._open()
        shard = self._chunks
        if shard is None:
            return dict.fromkeys(terms, 0)
        scope = (
            [qe.FieldCondition(key="document_id", match=qe.MatchValue(document_id))]
            if document_id is not None
            else []
        )
        counts = {}
        with self._engine("comptage des termes"):
            for term in dict.fromkeys(terms):
                filter_ = qe.Filter(must=[*scope, qe.FieldCondition(key="terms", match=qe.MatchValue(term))])
                counts[term] = shard.count(qe.CountRequest(exact=True, filter=filter_))
        return counts

    def chunk_ids(self) -> set[str]:
        self._open()
        if self._chunks is None:
            return set()
        return {str(r.id) for r in self._scroll(self._chunks, None, with_payload=False)}

    def ping(self) -> None:
        self._open()
        with self._engine("vérification de l'état"):
            for shard in (self._chunks, self._docs):
                if shard is not None:
                    shard.count(qe.CountRequest(exact=False))

    def optimize(self) -> bool:
        """Build the HNSW/segment indexes now (slow at scale); True when anything changed."""
        with self._lock:
            shard, _ = self._writable()
            with self._engine("optimisation"):
                changed = shard.optimize()
                shard.flush()
            return changed

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._close_shards()

    def _close_shards(self) -> None:
        errors: list[str] = []
        for shard in (self._chunks, self._docs):
            if shard is None:
                continue
            try:
                shard.flush()
                shard.close()
            except Exception as exc:  # keep closing the other shard
                errors.append(str(exc))
        self._chunks = self._docs = None
        if errors:
            raise StoreError(f"fermeture de l'index Qdrant Edge {self.path} : {' ; '.join(errors)}")


def _filter(filters: SearchFilters | None) -> qe.Filter | None:
    """SearchFilters as an Edge filter (None when nothing is restricted)."""
    if filters is None or filters.empty:
        return None
    must: list[Any] = []
    if filters.document_ids:
        must.append(qe.FieldCondition(key="document_id", match=qe.MatchAny(list(filters.document_ids))))
    gte, lt = date_bounds(filters)
    if gte or lt:
        must.append(
            qe.FieldCondition(key=INDEXED_DATETIME, range=qe.RangeDateTime(gte=_iso(gte), lt=_iso(lt)))
        )
    return qe.Filter(must=must)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
