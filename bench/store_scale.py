"""How the two store engines scale: write rate and query latency on synthetic chunks.

    python -m bench.store_scale --points 10000 100000 [--engines edge qdrant] [--optimize]

Each engine is filled through the real :class:`~sourcier.store.base.VectorStore` code path
(``upsert_chunks`` in batches, each call flushed) with random unit 384-d vectors, Zipf-distributed
sparse vectors weighted like :class:`~sourcier.lexical.LexicalEncoder` documents (BM25 tf,
~60 terms), and ~800-character payload texts. Queries: random unit vectors and 5-term sparse
queries, ``limit=10``. Edge can then run ``optimize()`` (builds the HNSW index) and be queried
again. The qdrant engine is qdrant-client's in-process ``:memory:`` mode (exact search in Python).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sourcier.documents import Chunk, SparseVector
from sourcier.lexical import DEFAULT_AVG_LEN, K1, B
from sourcier.store.base import SearchMode, VectorStore

DIM = 384
VOCAB = 30_000
BATCH = 512
QUERIES = 200
_FILLER = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor " * 12)[:800]


def sparse_doc(rng: np.random.Generator) -> SparseVector:
    length = int(rng.integers(30, 90))
    terms = np.minimum(rng.zipf(1.15, size=length), VOCAB)
    counts = Counter(int(t) for t in terms)
    norm = K1 * (1 - B + B * length / DEFAULT_AVG_LEN)
    indices = sorted(counts)
    return SparseVector(indices, [counts[i] * (K1 + 1) / (counts[i] + norm) for i in indices])


def sparse_query(rng: np.random.Generator) -> SparseVector:
    # Mid-frequency terms, as a real question's content words tend to be.
    terms = sorted({int(t) for t in rng.integers(20, 3000, size=5)})
    return SparseVector(terms, [1.0] * len(terms))


def unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def make_chunks(start: int, n: int) -> list[Chunk]:
    return [
        Chunk(
            document_id=f"doc{i // 10}",
            position=i % 10,
            start=0,
            end=800,
            text=f"{i} {_FILLER}",
            title=f"Document {i // 10}",
            source=f"doc{i // 10}.md",
            document_hash="0" * 16,
            date=f"20{10 + (i % 15)}-0{1 + i % 9}-1{i % 10}",
        )
        for i in range(start, start + n)
    ]


def fill(store: VectorStore, n: int, rng: np.random.Generator) -> float:
    """Write ``n`` points; returns points per second."""
    store.ensure_schema(DIM)
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        dense = unit_vectors(rng, size).tolist()
        sparse = [sparse_doc(rng) for _ in range(size)]
        store.upsert_chunks(make_chunks(start, size), dense, sparse)
    return n / (time.perf_counter() - started)


def latencies(store: VectorStore, mode: SearchMode, rng: np.random.Generator) -> tuple[float, float]:
    """p50 and p95 in milliseconds over QUERIES queries (after 5 warm-up queries)."""
    dense = unit_vectors(rng, QUERIES + 5).tolist()
    times: list[float] = []
    for i in range(QUERIES + 5):
        sp = sparse_query(rng)
        started = time.perf_counter()
        hits = store.search(mode, 10, dense=dense[i], sparse=sp)
        elapsed = (time.perf_counter() - started) * 1000
        assert mode == "sparse" or len(hits) == 10
        if i >= 5:
            times.append(elapsed)
    q = statistics.quantiles(times, n=100)
    return q[49], q[94]


def report(engine: str, n: int, label: str, store: VectorStore, rng: np.random.Generator) -> None:
    parts = []
    for mode in ("dense", "sparse", "hybrid"):
        p50, p95 = latencies(store, mode, rng)
        parts.append(f"{mode} p50 {p50:7.2f} ms p95 {p95:7.2f} ms")
    print(f"  {engine:6} {n:>7} {label:10} " + " | ".join(parts), flush=True)


def run(engine: str, n: int, optimize: bool, workdir: Path) -> None:
    rng = np.random.default_rng(n)
    store: VectorStore
    if engine == "edge":
        from sourcier.store.edge import EdgeStore

        store = EdgeStore(workdir / f"edge-{n}", "bench")
    else:
        from sourcier.store.qdrant import QdrantStore

        store = QdrantStore.from_memory("bench")
    try:
        rate = fill(store, n, rng)
        print(f"  {engine:6} {n:>7} write      {rate:,.0f} points/s ({n / rate:.1f} s)", flush=True)
        report(engine, n, "as written", store, rng)
        if optimize and engine == "edge":
            from sourcier.store.edge import EdgeStore

            assert isinstance(store, EdgeStore)
            started = time.perf_counter()
            store.optimize()
            print(f"  {engine:6} {n:>7} optimize   {time.perf_counter() - started:.1f} s", flush=True)
            report(engine, n, "optimized", store, rng)
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, nargs="+", default=[10_000])
    parser.add_argument("--engines", nargs="+", choices=["edge", "qdrant"], default=["edge", "qdrant"])
    parser.add_argument("--optimize", action="store_true", help="Edge: also query after optimize()")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where Edge shards go (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="store-scale-") as tmp:
        workdir = args.workdir or Path(tmp)
        print(f"dim {DIM}, limit 10, {QUERIES} queries per mode, prefetch 40 per hybrid branch")
        for n in args.points:
            for engine in args.engines:
                run(engine, n, args.optimize, workdir)


if __name__ == "__main__":
    main()
