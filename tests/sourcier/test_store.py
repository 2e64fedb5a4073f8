"""Store congruence: every operation on both engines (Qdrant Edge, qdrant-client in-process),
the same ranked results from both, the Edge lock, and an unreachable Qdrant server."""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcier.config import Settings
from sourcier.documents import Chunk, Document, SearchFilters, SparseVector
from sourcier.lexical import LexicalEncoder
from sourcier.store import (
    DocumentRecord,
    SearchMode,
    StoreError,
    StoreLockedError,
    VectorStore,
    open_store,
)
from sourcier.store.base import prefetch_limit
from sourcier.store.edge import EdgeStore
from sourcier.store.fusion import fuse
from sourcier.store.qdrant import QdrantStore

DIM = 8
ENC = LexicalEncoder()
ENGINES = ["edge", "qdrant"]
MODES: tuple[SearchMode, ...] = ("dense", "sparse", "hybrid")
DATE_MODES: tuple[SearchMode, ...] = ("dense", "hybrid")

#: (document id, date, chunk texts); chunk k of document d gets a dense vector near axis
#: AXES[d][k], so dense queries can aim at one chunk.
CORPUS: list[tuple[str, str | None, list[str]]] = [
    (
        "ia",
        "2024-03-15",
        [
            "L'intelligence artificielle transforme le travail des développeurs.",
            "Les modèles de langage génèrent du code informatique en 2025.",
        ],
    ),
    (
        "climat",
        "2023-06-01",
        [
            "Le réchauffement climatique menace les glaciers des Alpes.",
            "La stratégie nationale bas-carbone fixe des objectifs pour 2050.",
        ],
    ),
    (
        "sante",
        None,
        [
            "Les hôpitaux manquent de médecins et d'infirmières.",
            "La vaccination protège contre la grippe saisonnière.",
        ],
    ),
]
AXES = {"ia": (0, 1), "climat": (2, 3), "sante": (4, 5)}


def unit(*weights: tuple[int, float]) -> list[float]:
    vec = [0.0] * DIM
    for axis, w in weights:
        vec[axis] += w
    norm = math.sqrt(sum(x * x for x in vec))
    return [x / norm for x in vec]


def chunk_vector(axis: int) -> list[float]:
    # Mostly its own axis, a little of the next, and a different share of axis 7 for each
    # chunk: queries that lean on axis 7 (see ``query``) get no cosine ties.
    return unit((axis, 1.0), ((axis + 1) % DIM, 0.15 + 0.01 * axis), (7, 0.05 + 0.03 * axis))


def query(*weights: tuple[int, float]) -> list[float]:
    return unit(*weights, (7, 0.2))


def make_document(doc_id: str, date: str | None, texts: list[str]) -> tuple[Document, list[Chunk]]:
    text = "\n\n".join(texts)
    doc = Document(id=doc_id, title=f"Titre {doc_id}", text=text, source=f"{doc_id}.md", date=date)
    chunks = []
    start = 0
    for pos, t in enumerate(texts):
        chunks.append(
            Chunk(
                document_id=doc_id,
                position=pos,
                start=start,
                end=start + len(t),
                text=t,
                title=doc.title,
                source=doc.source,
                document_hash=doc.hash,
                date=date,
                heading_path=("Section",),
                terms=tuple(sorted(set(ENC.terms(t)))),
            )
        )
        start += len(t) + 2
    return doc, chunks


def fill(store: VectorStore) -> dict[str, list[Chunk]]:
    """Ingest CORPUS the way ingestion does: chunks, then stale cleanup, then the record."""
    out = {}
    for doc_id, date, texts in CORPUS:
        doc, chunks = make_document(doc_id, date, texts)
        dense = [chunk_vector(AXES[doc_id][c.position]) for c in chunks]
        sparse = [ENC.encode_document(c.text) for c in chunks]
        store.upsert_chunks(chunks, dense, sparse)
        store.delete_stale_chunks(doc_id, doc.hash)
        store.put_document(DocumentRecord(doc, tuple(c.id for c in chunks)))
        out[doc_id] = chunks
    return out


def open_engine(engine: str, tmp_path: Path) -> VectorStore:
    if engine == "edge":
        return EdgeStore(tmp_path / "index", "t")
    return QdrantStore.from_memory("t")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(engine: str, tmp_path: Path) -> Iterator[VectorStore]:
    s = open_engine(engine, tmp_path)
    s.ensure_schema(DIM)
    yield s
    s.close()


@pytest.fixture
def filled(store: VectorStore) -> dict[str, list[Chunk]]:
    return fill(store)


def top_doc(hits: list) -> tuple[str, int]:  # type: ignore[type-arg]
    return hits[0].chunk.document_id, hits[0].chunk.position


# --- every operation, on both engines -------------------------------------------------------


def test_empty_store_before_schema(engine: str, tmp_path: Path) -> None:
    s = open_engine(engine, tmp_path)
    try:
        assert s.get_document("ia") is None
        assert s.list_documents() == []
        assert s.count_chunks() == 0
        assert s.chunk_ids() == set()
        assert s.search("dense", 5, dense=unit((0, 1.0))) == []
        s.ping()
        _doc, chunks = make_document("ia", None, ["Un texte."])
        with pytest.raises(StoreError, match="ensure_schema"):
            s.upsert_chunks(chunks, [unit((0, 1.0))], [ENC.encode_document("Un texte.")])
    finally:
        s.close()


def test_ensure_schema_idempotent(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    store.ensure_schema(DIM)
    store.ensure_schema(DIM)
    assert store.count_chunks() == 6
    assert len(store.list_documents()) == 3


def test_ensure_schema_rejects_other_dimension(store: VectorStore) -> None:
    with pytest.raises(StoreError, match="16"):
        store.ensure_schema(16)


def test_upsert_idempotent(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    expected = {c.id for chunks in filled.values() for c in chunks}
    assert store.chunk_ids() == expected
    fill(store)
    fill(store)
    assert store.count_chunks() == 6
    assert store.chunk_ids() == expected
    assert store.count_chunks("ia") == 2
    assert store.count_chunks("nope") == 0


def test_upsert_length_mismatch(store: VectorStore) -> None:
    _, chunks = make_document("x", None, ["a b", "c d"])
    with pytest.raises(ValueError):
        store.upsert_chunks(chunks, [unit((0, 1.0))], [SparseVector([], [])] * 2)


def test_delete_stale_chunks(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    old_ids = {c.id for c in filled["ia"]}
    # The document changes: three new chunks, new hash.
    texts = ["Nouveau texte sur les robots.", "Les agents autonomes.", "La robotique industrielle."]
    doc, chunks = make_document("ia", "2024-04-01", texts)
    store.upsert_chunks(chunks, [chunk_vector(i) for i in range(3)], [ENC.encode_document(t) for t in texts])
    assert store.count_chunks("ia") == 5
    assert store.delete_stale_chunks("ia", doc.hash) == 2
    assert store.count_chunks("ia") == 3
    assert store.delete_stale_chunks("ia", doc.hash) == 0
    ids = store.chunk_ids()
    assert not (old_ids & ids)
    assert {c.id for c in chunks} <= ids
    assert store.count_chunks("climat") == 2  # other documents untouched
    assert store.delete_stale_chunks("ia", None) == 3
    assert store.count_chunks("ia") == 0
    assert store.count_chunks() == 4


def test_documents_put_get_list_delete(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    record = store.get_document("climat")
    assert record is not None
    doc, chunks = make_document("climat", "2023-06-01", CORPUS[1][2])
    assert record.document == doc
    assert record.document.hash == doc.hash
    assert record.chunk_ids == tuple(c.id for c in chunks)
    assert store.get_document("absent") is None
    assert [r.document.id for r in store.list_documents()] == ["climat", "ia", "sante"]
    undated = store.get_document("sante")
    assert undated is not None and undated.document.date is None
    # put again = overwrite, not a duplicate
    store.put_document(DocumentRecord(doc, ("x",)))
    again = store.get_document("climat")
    assert again is not None and again.chunk_ids == ("x",)
    assert len(store.list_documents()) == 3
    store.delete_document("climat")
    assert store.get_document("climat") is None
    assert store.count_chunks("climat") == 0
    assert store.count_chunks() == 4
    assert [r.document.id for r in store.list_documents()] == ["ia", "sante"]
    store.delete_document("climat")  # deleting twice is fine


def open_durable(engine: str, tmp_path: Path) -> VectorStore:
    """An engine on disk, so that a test can close it and open it again (a restart)."""
    if engine == "edge":
        return EdgeStore(tmp_path / "index", "t")
    return QdrantStore.from_path(tmp_path / "qdrant", "t")


def test_delete_removes_every_chunk_and_survives_a_restart(engine: str, tmp_path: Path) -> None:
    s = open_durable(engine, tmp_path)
    try:
        s.ensure_schema(DIM)
        chunks = fill(s)
        climat_ids = {c.id for c in chunks["climat"]}
        assert climat_ids <= s.chunk_ids()
        s.delete_document("climat")
    finally:
        s.close()
    s = open_durable(engine, tmp_path)
    try:
        assert s.get_document("climat") is None
        assert s.count_chunks("climat") == 0 and not climat_ids & s.chunk_ids()
        assert s.count_chunks() == 4 and [r.document.id for r in s.list_documents()] == ["ia", "sante"]
        for mode in MODES:  # no search may still find it
            hits = s.search(mode, 10, dense=unit((2, 1.0)), sparse=ENC.encode_query("glaciers des Alpes"))
            assert "climat" not in {h.chunk.document_id for h in hits}
    finally:
        s.close()


def test_pages_and_ingest_date_round_trip(store: VectorStore) -> None:
    """A PDF's page starts (on the record and each chunk) and the ingest date come back as written."""
    text = "Première page.\n\nDeuxième page.\n\nTroisième page, suite."
    doc = Document("rapport", "Rapport", text, "/src/rapport.pdf", None, page_starts=(0, 16, 32))
    chunk = Chunk(
        "rapport", 0, 0, len(text), text, "Rapport", doc.source, doc.hash, first_page=1, page_breaks=(16, 32)
    )
    store.upsert_chunks([chunk], [chunk_vector(0)], [ENC.encode_document(text)])
    store.put_document(DocumentRecord(doc, (chunk.id,), "2026-11-29T19:00:00+00:00"))
    record = store.get_document("rapport")
    assert record is not None and record.document == doc and record.ingested_at == "2026-11-29T19:00:00+00:00"
    assert record.document.page_at(20) == 2 and record.document.page_at(40) == 3
    hit = store.search("dense", 1, dense=chunk_vector(0))[0].chunk
    assert hit == chunk and hit.page_at(5) == 1 and hit.page_at(16) == 2 and hit.page_at(33) == 3


def test_search_dense(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    query = unit((2, 1.0), (0, 0.2))
    hits = store.search("dense", 3, dense=query)
    assert len(hits) == 3
    assert top_doc(hits) == ("climat", 0)
    expected = sum(a * b for a, b in zip(query, chunk_vector(2), strict=True))
    assert hits[0].score == pytest.approx(expected, abs=1e-5)  # cosine
    assert hits[0].point_id == filled["climat"][0].id
    assert hits[0].chunk == filled["climat"][0]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_sparse(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    hits = store.search("sparse", 5, sparse=ENC.encode_query("Que font les développeurs avec l'IA ?"))
    assert top_doc(hits) == ("ia", 0)
    assert hits[0].score > 0
    hits = store.search("sparse", 5, sparse=ENC.encode_query("stratégie bas carbone"))
    assert top_doc(hits) == ("climat", 1)
    assert len(hits) == 1  # only matching chunks come back
    assert store.search("sparse", 5, sparse=ENC.encode_query("le la les")) == []
    assert store.search("sparse", 5, sparse=ENC.encode_query("xylophone")) == []


def test_search_hybrid(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    # Dense and sparse agree.
    hits = store.search(
        "hybrid",
        4,
        dense=unit((4, 1.0)),
        sparse=ENC.encode_query("Pourquoi les hôpitaux manquent-ils de médecins ?"),
    )
    assert top_doc(hits) == ("sante", 0)
    assert hits[0].score == pytest.approx(1.0)  # the best of both lists: 0.4 · 1 + 0.6 · 1
    assert (hits[0].dense_rank, hits[0].lexical_rank) == (0, 0)
    assert all(h.dense_rank is not None for h in hits)  # every chunk is a dense candidate here
    # Dense points at one chunk, words at another: both are in the top 2.
    hits = store.search("hybrid", 2, dense=unit((5, 1.0)), sparse=ENC.encode_query("glaciers des Alpes"))
    assert {(h.chunk.document_id, h.chunk.position) for h in hits} == {("sante", 1), ("climat", 0)}
    # Words nobody uses: dense alone decides.
    hits = store.search("hybrid", 3, dense=unit((1, 1.0)), sparse=ENC.encode_query("le la"))
    assert top_doc(hits) == ("ia", 1)
    assert all(h.lexical_rank is None for h in hits)


def test_hybrid_is_the_fusion_of_the_stores_own_lists(
    store: VectorStore, filled: dict[str, list[Chunk]]
) -> None:
    """Both engines fuse the same way: a hybrid search is ``fusion.fuse`` of the dense and the
    sparse search of the same store, whatever the weight; weight 1 is the dense order, weight 0
    puts the best lexical hit first."""
    dense, sparse = unit((5, 1.0), (4, 0.5)), ENC.encode_query("glaciers des Alpes et médecins")
    depth = prefetch_limit(3)
    for weight in (0.0, 0.4, 1.0):
        expected = fuse(
            store.search("dense", depth, dense=dense), store.search("sparse", depth, sparse=sparse), weight
        )
        hits = store.search("hybrid", 3, dense=dense, sparse=sparse, dense_weight=weight)
        assert [(h.point_id, h.dense_rank, h.lexical_rank) for h in hits] == [
            (h.point_id, h.dense_rank, h.lexical_rank) for h in expected[:3]
        ]
        assert [h.score for h in hits] == pytest.approx([h.score for h in expected[:3]])
    by_dense = store.search("hybrid", 4, dense=dense, sparse=sparse, dense_weight=1.0)
    assert [h.point_id for h in by_dense] == [h.point_id for h in store.search("dense", 4, dense=dense)]
    by_words = store.search("hybrid", 4, dense=dense, sparse=sparse, dense_weight=0.0)
    lexical = store.search("sparse", 4, sparse=sparse)
    assert len(lexical) >= 2 and by_words[0].point_id == lexical[0].point_id


def test_term_counts_come_from_the_chunks_indexed_terms(
    store: VectorStore, filled: dict[str, list[Chunk]]
) -> None:
    """What rarity is measured from (server.engine.rarity): chunks holding each term, in the whole
    index or in one document; a term no chunk holds counts 0, and deleted chunks stop counting."""
    counts = store.term_counts(["glaci", "developpeur", "inconnu"])
    assert counts == {"glaci": 1, "developpeur": 1, "inconnu": 0}
    assert store.term_counts(["glaci"], "climat") == {"glaci": 1}
    assert store.term_counts(["glaci"], "ia") == {"glaci": 0}
    assert filled["ia"][0].terms and Chunk.from_payload(filled["ia"][0].payload()) == filled["ia"][0]
    store.delete_document("climat")
    assert store.term_counts(["glaci"]) == {"glaci": 0}


def test_search_needs_its_vectors(store: VectorStore) -> None:
    with pytest.raises(ValueError):
        store.search("dense", 3)
    with pytest.raises(ValueError):
        store.search("hybrid", 3, dense=unit((0, 1.0)))
    with pytest.raises(ValueError):
        store.search("sparse", 3, dense=unit((0, 1.0)))


def test_filter_document_ids(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    f = SearchFilters(document_ids=("climat", "sante"))
    for mode in MODES:
        hits = store.search(
            mode,
            10,
            dense=unit((0, 1.0)),
            sparse=ENC.encode_query("développeurs glaciers vaccination"),
            filters=f,
        )
        assert hits, mode
        assert {h.chunk.document_id for h in hits} <= {"climat", "sante"}, mode
    hits = store.search("dense", 10, dense=unit((0, 1.0)), filters=SearchFilters(document_ids=("ia",)))
    assert [h.chunk.position for h in hits] == [0, 1]


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        ("2024-03-15", "2024-03-15", {"ia"}),  # both bounds inclusive
        ("2023-06-01", None, {"ia", "climat"}),
        ("2023-06-02", None, {"ia"}),
        (None, "2023-06-01", {"climat"}),
        (None, "2023-05-31", set()),
        ("2020-01-01", "2030-12-31", {"ia", "climat"}),  # undated documents never match a date filter
    ],
)
def test_filter_dates(
    store: VectorStore,
    filled: dict[str, list[Chunk]],
    date_from: str | None,
    date_to: str | None,
    expected: set[str],
) -> None:
    f = SearchFilters(date_from=date_from, date_to=date_to)
    for mode in DATE_MODES:
        hits = store.search(mode, 10, dense=unit((0, 1.0)), sparse=ENC.encode_query("les"), filters=f)
        assert {h.chunk.document_id for h in hits} == expected, mode


def test_filter_bad_date(store: VectorStore, filled: dict[str, list[Chunk]]) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        store.search("dense", 3, dense=unit((0, 1.0)), filters=SearchFilters(date_from="15/03/2024"))


def test_ping_and_close(engine: str, tmp_path: Path) -> None:
    s = open_engine(engine, tmp_path)
    s.ensure_schema(DIM)
    s.ping()
    s.close()
    s.close()  # idempotent


# --- both engines give the same answers -----------------------------------------------------

QUERIES: list[tuple[str, list[float], str, SearchFilters | None]] = [
    ("q-ia", query((0, 1.0), (1, 0.4)), "intelligence artificielle et code des développeurs", None),
    ("q-climat", query((3, 1.0), (2, 0.3)), "objectifs climatiques pour 2050", None),
    ("q-mixed", query((5, 1.0), (2, 0.5)), "les glaciers et les médecins", None),
    (
        "q-filtered",
        query((0, 1.0)),
        "stratégie des hôpitaux",
        SearchFilters(document_ids=("climat", "sante")),
    ),
    ("q-dated", query((2, 1.0)), "code 2025 glaciers", SearchFilters(date_from="2024-01-01")),
]


def test_engines_agree(tmp_path: Path) -> None:
    edge = open_engine("edge", tmp_path)
    memory = open_engine("qdrant", tmp_path)
    try:
        for s in (edge, memory):
            s.ensure_schema(DIM)
            fill(s)
        assert edge.chunk_ids() == memory.chunk_ids()
        assert edge.list_documents() == memory.list_documents()
        for name, dense, text, filters in QUERIES:
            sparse = ENC.encode_query(text)
            for mode in MODES:
                a = edge.search(mode, 6, dense=dense, sparse=sparse, filters=filters)
                b = memory.search(mode, 6, dense=dense, sparse=sparse, filters=filters)
                scores = [h.score for h in a]
                assert len(set(scores)) == len(scores), (name, mode, "ties make the order arbitrary")
                assert [h.point_id for h in a] == [h.point_id for h in b], (name, mode)
                assert [h.score for h in a] == pytest.approx([h.score for h in b], rel=1e-4), (name, mode)
                assert [h.chunk for h in a] == [h.chunk for h in b], (name, mode)
    finally:
        edge.close()
        memory.close()


# --- Edge: persistence, the lock, crashes ---------------------------------------------------


def test_edge_reopen_keeps_data(tmp_path: Path) -> None:
    s = EdgeStore(tmp_path / "index", "t")
    s.ensure_schema(DIM)
    fill(s)
    s.close()
    s = EdgeStore(tmp_path / "index", "t")
    try:
        assert s.count_chunks() == 6
        assert len(s.list_documents()) == 3
        s.ensure_schema(DIM)  # opening an existing index
        assert top_doc(s.search("dense", 1, dense=unit((4, 1.0)))) == ("sante", 0)
    finally:
        s.close()


def _run_python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, **kwargs
    )


OPEN_IN_CHILD = """
    import sys
    from pathlib import Path
    from sourcier.store import StoreLockedError
    from sourcier.store.edge import EdgeStore
    try:
        s = EdgeStore(Path(sys.argv[1]), "t")
    except StoreLockedError as exc:
        print("LOCKED", exc)
    else:
        print("OPEN", s.count_chunks())
        s.close()
"""


def test_edge_lock_second_process(tmp_path: Path) -> None:
    path = tmp_path / "index"
    s = EdgeStore(path, "t")
    s.ensure_schema(DIM)
    fill(s)
    child = _run_python(OPEN_IN_CHILD.replace("sys.argv[1]", repr(str(path))))
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith("LOCKED"), child.stdout
    assert str(path) in child.stdout
    assert "utilisé par un autre processus Sourcier" in child.stdout
    assert "SOURCIER_QDRANT_URL" in child.stdout
    # Same process, second store on the same path: locked too.
    with pytest.raises(StoreLockedError, match="utilisé par un autre processus"):
        EdgeStore(path, "t")
    s.close()
    child = _run_python(OPEN_IN_CHILD.replace("sys.argv[1]", repr(str(path))))
    assert child.stdout.strip() == "OPEN 6", child.stdout + child.stderr


def test_edge_lock_released_and_data_durable_when_holder_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "index"
    holder_code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_store import DIM, fill
        from sourcier.store.edge import EdgeStore
        s = EdgeStore(Path({str(path)!r}), "t")
        s.ensure_schema(DIM)
        fill(s)
        print("READY", flush=True)
        time.sleep(120)
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", holder_code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "READY"
        with pytest.raises(StoreLockedError):
            EdgeStore(path, "t")
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    s = EdgeStore(path, "t")  # the lock went with the killed process
    try:
        assert s.count_chunks() == 6  # and everything written before it died is there
        assert len(s.list_documents()) == 3
        assert s.chunk_ids() == {c.id for chunks in fill(s).values() for c in chunks}
    finally:
        s.close()


def test_edge_closed_store_raises(tmp_path: Path) -> None:
    s = EdgeStore(tmp_path / "index", "t")
    s.ensure_schema(DIM)
    s.close()
    with pytest.raises(StoreError, match="fermé"):
        s.count_chunks()


# --- qdrant server path -----------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_qdrant_unreachable_is_a_readable_store_error() -> None:
    port = _closed_port()
    store = QdrantStore.from_url(f"http://127.0.0.1:{port}", None, timeout=2.0)
    started = time.monotonic()
    with pytest.raises(StoreError) as info:
        store.ping()
    assert time.monotonic() - started < 3.0
    message = str(info.value)
    assert message == f"le serveur Qdrant http://127.0.0.1:{port} est injoignable : connexion refusée"
    with pytest.raises(StoreError, match="injoignable"):
        store.count_chunks()
    store.close()


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
def test_qdrant_silent_server_times_out() -> None:
    with socket.socket() as server:  # accepts connections (kernel backlog), never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        store = QdrantStore.from_url(f"http://127.0.0.1:{port}", "secret", timeout=1.0)
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"n'a pas répondu en 1 s"):
            store.ping()
        assert time.monotonic() - started < 5.0
        store.close()


def test_qdrant_local_path_lock(tmp_path: Path) -> None:
    first = QdrantStore.from_path(tmp_path / "local")
    try:
        first.ensure_schema(DIM)
        with pytest.raises(StoreLockedError, match="utilisé par un autre processus"):
            QdrantStore.from_path(tmp_path / "local")
    finally:
        first.close()


# --- open_store -------------------------------------------------------------------------------


def test_open_store_picks_the_engine(tmp_path: Path) -> None:
    edge = open_store(Settings(_env_file=None, data_dir=tmp_path, qdrant_url=None))  # type: ignore[call-arg]
    assert isinstance(edge, EdgeStore) and edge.path == tmp_path / "index"
    edge.close()
    memory = open_store(Settings(_env_file=None, qdrant_url=":memory:", collection="c"))  # type: ignore[call-arg]
    assert isinstance(memory, QdrantStore) and memory.chunks_collection == "c_chunks"
    memory.close()
    local = open_store(Settings(_env_file=None, qdrant_url=f"path:{tmp_path / 'q'}"))  # type: ignore[call-arg]
    assert isinstance(local, QdrantStore)
    local.close()
    server = open_store(Settings(_env_file=None, qdrant_url=f"http://127.0.0.1:{_closed_port()}"))  # type: ignore[call-arg]
    assert isinstance(server, QdrantStore)
    with pytest.raises(StoreError, match="injoignable"):
        server.ping()
    server.close()
