"""Query latency: ``/ask`` and ``/search`` over HTTP, the Python API, the floor and llama-index.

    python -m bench.query_latency [--workdir DIR] [--sizes bundled 10pct] [--clients 4]

For each corpus size (indexes built by ``bench.ingest_throughput`` under ``--workdir``; the bundled
corpus is ingested here when missing), over the 82 gold questions (follow-ups with their history
on ``/ask``; every other system gets the question made standalone by the product's own rule):

- HTTP: a real ``sourcier serve`` process on the Edge index (start-up time to ``/ready``; RSS
  after the run and peak); ``/ask`` once cold (the sentence-embedding cache empty), then warm,
  then with ``--clients`` concurrent clients; ``/search`` (hybrid) warm and concurrent;
- Python API (``Sourcier.ask``/``search`` in-process) on Edge and on qdrant-client's local mode,
  with the embed / search / answer split of ``timings_ms``;
- the floor: one raw ``SentenceTransformer.encode`` of the query + one raw dense query of the
  engine (Edge ``EdgeShard.query`` / ``QdrantClient.query_points``), top 8;
- llama-index: ``VectorStoreIndex.from_vector_store(QdrantVectorStore)`` over the index its own
  pipeline built (qdrant-client local mode, same model), ``as_retriever(similarity_top_k=8)``
  and a ``RetrieverQueryEngine`` with ``response_mode="no_text"`` and no LLM.

Every system runs in its own process; percentiles are p50/p95/p99 in ms. Results:
``bench/results/query_latency.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

from bench.common import (
    REPO,
    emit,
    gold_questions,
    indexed_sizes,
    make_settings,
    model_folder,
    percentiles,
    profile_shares,
    retrieval_query,
    run_worker,
    sentence_transformer,
    setup_env,
    stop_process,
    working_dir,
    write_result,
)

TOP_K = 8
#: Our functions whose share of a warm ``Sourcier.ask`` the profile reports.
ASK_TARGETS = {
    "ask": "server/engine/service.py:Sourcier.ask",
    "retrieve": "server/engine/retrieval.py:Retriever.retrieve",
    # one forward pass giving the pooled vector and the token states (the query in retrieve; in
    # gather, any uncached sentences, and a follow-up as asked only when its pieces do not line
    # up with the start of its rewritten version)
    "encode (model)": "sourcier/onnx_embedding.py:OnnxEmbedder.encode",
    "encode_query (lexical)": "sourcier/lexical.py:LexicalEncoder.encode_query",
    "store.search": "sourcier/store/edge.py:EdgeStore.search",
    "Chunk.from_payload": "sourcier/documents.py:Chunk.from_payload",
    "gather (evidence)": "server/engine/evidence.py:gather",
    "SentenceVectors.encode": "server/engine/evidence.py:SentenceVectors.encode",
    "alignments": "server/engine/alignment.py:alignments",
    "sentence_spans": "sourcier/sentences.py:sentence_spans",
    "lexical terms": "sourcier/lexical.py:LexicalEncoder.terms",
    "decide (abstention)": "server/engine/abstention.py:decide",
    "select (extractive)": "server/engine/extractive.py:select",
    "_response": "server/engine/service.py:Sourcier._response",
}


# --- load generation ------------------------------------------------------------------------


def sequential(
    call: Callable[[dict[str, Any]], Any], rows: Sequence[dict[str, Any]]
) -> tuple[list[float], list[Any]]:
    times, outputs = [], []
    for row in rows:
        started = time.perf_counter()
        outputs.append(call(row))
        times.append((time.perf_counter() - started) * 1000)
    return times, outputs


def concurrent(
    make_call: Callable[[], Callable[[dict[str, Any]], Any]], rows: Sequence[dict[str, Any]], clients: int
) -> tuple[list[float], float]:
    """Each row once, spread over ``clients`` threads (each with its own client); returns the
    per-request latencies and the throughput in requests per second."""
    work: queue.Queue[dict[str, Any]] = queue.Queue()
    for row in rows:
        work.put(row)
    times: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client() -> None:
        call = make_call()
        while True:
            try:
                row = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                call(row)
            except BaseException as exc:  # reported after the run
                errors.append(exc)
                return
            with lock:
                times.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} concurrent requests failed: {errors[0]!r}")
    return times, round(len(times) / elapsed, 2)


def split(timings: Sequence[dict[str, float]]) -> dict[str, Any]:
    """p50 of each ``timings_ms`` part."""
    import numpy as np

    return {
        part: round(float(np.percentile([t[part] for t in timings], 50)), 2)
        for part in ("embed", "search", "answer", "total")
    }


# --- the in-process worker -----------------------------------------------------------------


class Systems:
    """Every in-process system over one size's indexes, sharing one loaded model so that they
    are measured in the same process, question by question in turn (paired under the same load
    from other processes: on a shared 2-core machine, separate runs drift apart)."""

    def __init__(self, size_dir: Path, with_qdrant: bool) -> None:
        from server.engine.service import Sourcier
        from sourcier.embedding import load_embedder
        from sourcier.store import open_store

        started = time.perf_counter()
        edge_settings = make_settings(size_dir / "ours-edge")
        self.embedder = load_embedder(edge_settings)
        self.load_s = time.perf_counter() - started
        self.edge = Sourcier(edge_settings, open_store(edge_settings), self.embedder)
        self.qdrant = None
        if with_qdrant:
            qdrant_dir = size_dir / "ours-qdrant"
            settings = make_settings(qdrant_dir, qdrant_url=f"path:{qdrant_dir / 'index'}")
            self.qdrant = Sourcier(settings, open_store(settings), self.embedder)
        self.st_model = sentence_transformer(self.embedder)  # the floor's and llama-index's model
        self.llama_retriever, self.llama_engine, self.llama_client = open_llama(
            size_dir / "llamaindex" / "llama-qdrant", self.st_model
        )
        self.embedder.embed_query("requête de chauffe")

    def ask(self, service: Any, row: dict[str, Any]) -> Any:
        from server.engine.types import Question, Turn

        history = tuple(Turn(t["role"], t["content"]) for t in row.get("history") or [])
        return service.ask(Question(row["question"], history), service.config.replace(top_k=TOP_K))

    def search(self, service: Any, row: dict[str, Any]) -> Any:
        return service.search(retrieval_query(row), TOP_K)

    def close(self) -> None:
        self.edge.close()
        if self.qdrant is not None:
            self.qdrant.close()
        self.llama_client.close()


def raw_query_fn(store: Any) -> Callable[[list[float]], Any]:
    """One raw dense query of the engine under ``store`` (top 8, with payload)."""
    if hasattr(store, "_chunks"):  # EdgeStore
        import qdrant_edge as qe

        shard = store._chunks
        return lambda vector: shard.query(
            qe.QueryRequest(limit=TOP_K, query=qe.Query.Nearest(vector, using="dense"), with_payload=True)
        )
    client, collection = store.client, store.chunks_collection
    return lambda vector: client.query_points(
        collection, query=vector, using="dense", limit=TOP_K, with_payload=True
    )


def floor_call(model: Any, raw_query: Callable[[list[float]], Any], text: str) -> tuple[float, float]:
    """(embed ms, search ms) of one raw model encode + one raw engine query."""
    started = time.perf_counter()
    vector = model.encode(text, prompt_name="query", normalize_embeddings=True, convert_to_numpy=True)
    embedded = time.perf_counter()
    raw_query(vector.tolist())
    return (embedded - started) * 1000, (time.perf_counter() - embedded) * 1000


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = call()
    return (time.perf_counter() - started) * 1000, out


def http_callers(
    url: str,
) -> tuple[Callable[[], Callable[[dict[str, Any]], Any]], Callable[[], Callable[[dict[str, Any]], Any]]]:
    """Factories of ``/ask`` and ``/search`` callers, one HTTP client each."""
    import httpx

    def make_ask() -> Callable[[dict[str, Any]], Any]:
        client = httpx.Client(base_url=url, timeout=120)

        def ask(row: dict[str, Any]) -> Any:
            body = {"question": row["question"], "history": row.get("history") or [], "top_k": TOP_K}
            response = client.post("/ask", json=body)
            response.raise_for_status()
            return response.json()

        return ask

    def make_search() -> Callable[[dict[str, Any]], Any]:
        client = httpx.Client(base_url=url, timeout=120)

        def search(row: dict[str, Any]) -> Any:
            response = client.post("/search", json={"query": retrieval_query(row), "top_k": TOP_K})
            response.raise_for_status()
            return response.json()

        return search

    return make_ask, make_search


def worker_paired(
    size_dir: Path,
    clients: int,
    rows: list[dict[str, Any]],
    with_qdrant: bool,
    profile: str | None,
    server_url: str | None,
) -> dict[str, Any]:
    systems = Systems(size_dir, with_qdrant)
    model = systems.st_model  # the SentenceTransformer itself: no wrapper in the way
    engines = {"edge": systems.edge} | ({"qdrant": systems.qdrant} if systems.qdrant else {})
    raw = {name: raw_query_fn(service.store) for name, service in engines.items()}
    http_ask = http_search = None
    make_ask = make_search = None
    if server_url:
        make_ask, make_search = http_callers(server_url)
        http_ask, http_search = make_ask(), make_search()
        http_ask(rows[0])  # connection, the server's lazy imports
    times: dict[str, list[float]] = {}
    splits: dict[str, list[dict[str, float]]] = {}
    abstained: dict[str, int] = {}

    def record(key: str, ms: float, split_ms: dict[str, float] | None = None) -> None:
        times.setdefault(key, []).append(ms)
        if split_ms is not None:
            splits.setdefault(key, []).append(split_ms)

    # Pass 1: first time each question is asked (the in-process services' sentence-embedding
    # caches start empty; the server may have warmed its own at start-up, as it does by default).
    for row in rows:
        for name, service in engines.items():
            ms, response = timed(partial(systems.ask, service, row))
            record(f"{name}.ask_cold", ms, dataclasses.asdict(response.timings))
        if http_ask is not None:
            ms, body = timed(partial(http_ask, row))
            record("http.ask_cold", ms, body["timings_ms"])
    # Pass 2, warm: every system in turn on each question, so they share the same machine load.
    for row in rows:
        text = retrieval_query(row)
        for name, service in engines.items():
            embed_ms, search_ms = floor_call(model, raw[name], text)
            record(f"{name}.floor", embed_ms + search_ms, {"embed": embed_ms, "search": search_ms})
            ms, response = timed(partial(systems.ask, service, row))
            record(f"{name}.ask", ms, dataclasses.asdict(response.timings))
            abstained[name] = abstained.get(name, 0) + int(response.abstained)
            ms, _ = timed(partial(systems.search, service, row))
            record(f"{name}.search", ms)
        if http_ask is not None and http_search is not None:
            ms, body = timed(partial(http_ask, row))
            record("http.ask", ms, body["timings_ms"])
            ms, _ = timed(partial(http_search, row))
            record("http.search", ms)
        ms, _ = timed(partial(systems.llama_retriever.retrieve, text))
        record("llamaindex.retrieve", ms)
        ms, _ = timed(partial(systems.llama_engine.query, text))
        record("llamaindex.query_engine", ms)
    # Pass 3, only when asked: a profile of warm Edge asks, apart from the timed passes (the
    # profiler's hooks slow Python code down by ~15%).
    profile_result = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        for row in rows:
            systems.ask(systems.edge, row)
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, show_all=False))
        profile_result = profile_shares(profiler, ASK_TARGETS)

    result: dict[str, Any] = {"load_s": round(systems.load_s, 2), "chunks": systems.edge.store.count_chunks()}
    from bench.ingest_throughput import LLAMA_COLLECTION

    result["llamaindex_chunks"] = systems.llama_client.count(LLAMA_COLLECTION).count
    result["abstained_warm"] = abstained
    if profile_result is not None:
        result["profile"] = profile_result
    for key, values in times.items():
        system, metric = key.split(".")
        stats: dict[str, Any] = dict(percentiles(values))
        if key in splits:
            parts = splits[key][0].keys()
            stats["split"] = {p: round(percentiles([s[p] for s in splits[key]])["p50"], 2) for p in parts}
        result.setdefault(system, {})[metric] = stats
    # Concurrent clients, one system at a time (they would compete with each other otherwise).
    for name, service in engines.items():
        lat, rps = concurrent(partial(partial, systems.ask, service), rows, clients)
        result[name]["ask_concurrent"] = percentiles(lat) | {"rps": rps, "clients": clients}
    if make_ask is not None and make_search is not None:
        lat, rps = concurrent(make_ask, rows, clients)
        result["http"]["ask_concurrent"] = percentiles(lat) | {"rps": rps, "clients": clients}
        lat, rps = concurrent(make_search, rows, clients)
        result["http"]["search_concurrent"] = percentiles(lat) | {"rps": rps, "clients": clients}
    try:
        lat, rps = concurrent(
            lambda: lambda row: systems.llama_engine.query(retrieval_query(row)), rows, clients
        )
        result["llamaindex"]["query_engine_concurrent"] = percentiles(lat) | {"rps": rps, "clients": clients}
    except RuntimeError as error:  # qdrant-client's local mode may refuse threads
        result["llamaindex"]["query_engine_concurrent"] = {"error": str(error)[:300]}
    systems.close()
    return result


def open_llama(index_dir: Path, st_model: Any) -> tuple[Any, Any, Any]:
    """(retriever, query engine, client) over the llama-index collection under ``index_dir``."""
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine
    from llama_index.core.response_synthesizers import ResponseMode
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient

    from bench.ingest_throughput import LLAMA_COLLECTION, llama_embedding

    LlamaSettings.llm = MockLLM()
    embed_model = llama_embedding(st_model, 32)
    LlamaSettings.embed_model = embed_model
    client = QdrantClient(path=str(index_dir))
    vector_store = QdrantVectorStore(client=client, collection_name=LLAMA_COLLECTION)
    index = VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model)
    retriever = index.as_retriever(similarity_top_k=TOP_K)
    engine = RetrieverQueryEngine.from_args(retriever, response_mode=ResponseMode.NO_TEXT, llm=MockLLM())
    return retriever, engine, client


def worker_store(data_dir: Path, engine: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The engine alone (no model): RSS it adds once opened and queried, and its search latency
    for dense / sparse / hybrid queries (random unit query vectors, the gold questions' lexical
    vectors), 5 rounds over the questions."""
    import numpy as np
    import psutil

    from sourcier.lexical import LexicalEncoder
    from sourcier.store import open_store

    me = psutil.Process()
    lexical = LexicalEncoder()
    sparse = [lexical.encode_query(retrieval_query(r)) for r in rows]
    rng = np.random.default_rng(0)
    rss_before = me.memory_info().rss / 2**20
    overrides = {"qdrant_url": f"path:{data_dir / 'index'}"} if engine == "qdrant" else {}
    started = time.perf_counter()
    store = open_store(make_settings(data_dir, **overrides))
    chunks = store.count_chunks()
    open_s = time.perf_counter() - started
    rss_open = me.memory_info().rss / 2**20
    result: dict[str, Any] = {"engine": engine, "chunks": chunks, "open_s": round(open_s, 3)}
    for mode in ("dense", "sparse", "hybrid"):
        times = []
        for _ in range(5):
            for sp in sparse:
                vector = rng.standard_normal(384).astype(np.float32)
                vector /= np.linalg.norm(vector)
                dense = vector.tolist()
                ms, _ = timed(partial(store.search, mode, TOP_K, dense=dense, sparse=sp))
                times.append(ms)
        result[mode] = percentiles(times)
    result["rss_store_mb"] = round(me.memory_info().rss / 2**20 - rss_before, 1)
    store.close()
    result["rss_open_mb"] = round(rss_open - rss_before, 1)
    return result


def worker_startup(data_dir: Path) -> dict[str, Any]:
    """What ``sourcier serve`` does before ``/ready`` answers 200, phase by phase, in one fresh
    process (the order is the server's: the app with its UI is built, then the lifespan loads the
    model and opens the store)."""
    import psutil

    from bench.common import Clock

    phases: dict[str, dict[str, float]] = {}
    me = psutil.Process()

    def phase(name: str, call: Callable[[], Any]) -> Any:
        before = me.memory_info().rss
        with Clock() as clock:
            out = call()
        phases[name] = {
            "wall": round(clock.wall, 2),
            "cpu": round(clock.cpu, 2),
            "rss_added_mb": round((me.memory_info().rss - before) / 2**20, 1),
        }
        return out

    settings = make_settings(data_dir)
    phase("import fastapi + server.api.app", lambda: __import__("server.api.app"))
    phase("import gradio (ui.app)", lambda: __import__("ui.app"))
    from sourcier_cli.serving import build_app

    phase("create_app (routes, UI mounted)", lambda: build_app(settings, with_ui=True))
    phase("import torch", lambda: __import__("torch"))
    phase("import sentence_transformers", lambda: __import__("sentence_transformers"))
    from sourcier.embedding import load_embedder
    from sourcier.store import open_store

    embedder = phase("load the model (load_embedder)", lambda: load_embedder(settings))
    store = phase("open the Edge store", lambda: open_store(settings))
    phase("first query embedding", lambda: embedder.encode(["première requête"], "query"))
    store.close()
    total_wall = sum(p["wall"] for p in phases.values())
    total_cpu = sum(p["cpu"] for p in phases.values())
    phases["total"] = {
        "wall": round(total_wall, 2),
        "cpu": round(total_cpu, 2),
        "rss_added_mb": round(me.memory_info().rss / 2**20, 1),
    }
    return {"phases": phases}


def worker_main(args: argparse.Namespace) -> None:
    setup_env()
    rows = gold_questions()[: args.questions] if args.questions else gold_questions()
    load_before = os.getloadavg()[0]
    if args.startup:
        result = worker_startup(Path(args.size_dir))
    elif args.store_engine:
        result = worker_store(Path(args.size_dir), args.store_engine, rows)
    else:
        result = worker_paired(
            Path(args.size_dir), args.clients, rows, not args.no_qdrant, args.profile_file, args.server_url
        )
    result["loadavg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    emit(result)


# --- the HTTP server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    """The child's environment: no SOURCIER_* setting of the caller's but the embedding runtime
    (``SOURCIER_EMBEDDING_BACKEND=onnx-int8 python -m bench.…`` measures that runtime)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCIER_")}
    if "SOURCIER_EMBEDDING_BACKEND" in os.environ:
        env["SOURCIER_EMBEDDING_BACKEND"] = os.environ["SOURCIER_EMBEDDING_BACKEND"]
    env.update(
        SOURCIER_DATA_DIR=str(data_dir),
        SOURCIER_MODEL_CACHE_DIR=os.environ["SOURCIER_MODEL_CACHE_DIR"],
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    return env


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(data_dir: Path, log: Path, ui: bool) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start ``sourcier serve`` and wait for ``/ready``; returns (process, url, seconds to ready)."""
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "sourcier_cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if not ui:
        command.append("--no-ui")
    started = time.perf_counter()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=server_env(data_dir), stdout=log_file, stderr=subprocess.STDOUT, cwd=REPO
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return process, url, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    stop_server(process)
    raise TimeoutError(f"server not ready in 180 s:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    stop_process(process, grace_s=20)


def wait_idle(pid: int, timeout: float = 600.0) -> float:
    """Seconds until the process uses under 10% of a core over 2 s (the server's start-up warm-up
    of the sentence-embedding cache runs in a background thread after ``/ready``)."""
    import psutil

    proc = psutil.Process(pid)
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.cpu_percent(interval=2.0) < 10:
            return time.perf_counter() - started
    return time.perf_counter() - started


def server_facts(pid: int) -> dict[str, Any]:
    import psutil

    proc = psutil.Process(pid)
    cpu = proc.cpu_times()
    return {
        "cpu_s": round(cpu.user + cpu.system, 2),
        "rss_mb": round(proc.memory_info().rss / 2**20, 1),
        "rss_peak_mb": round(vm_hwm_mb(pid), 1),
    }


def measure_ready_only(data_dir: Path, log: Path, ui: bool) -> dict[str, Any]:
    process, _, ready_s = start_server(data_dir, log, ui)
    try:
        facts = server_facts(process.pid)
        return {
            "ui": ui,
            "ready_s": round(ready_s, 2),
            "ready_cpu_s": facts["cpu_s"],
            "rss_ready_mb": facts["rss_mb"],
        }
    finally:
        stop_server(process)


# --- orchestration --------------------------------------------------------------------------


def ensure_indexes(size_dir: Path) -> None:
    """Make sure ``size_dir`` holds the Edge, qdrant-local and llama-index indexes.

    The bundled corpus's are built here when ``bench.ingest_throughput`` has not; a sample ingested
    without the ``ours-qdrant`` variant (the default for 10% and more, to save an embedding pass)
    gets a qdrant-client local copy of its Edge index (same points, vectors and records, no
    re-embedding): query latency and the scale plan compare both engines at every size.
    """
    from bench.ingest_throughput import main as ingest_main

    if size_dir.name == "bundled" and not all(
        (size_dir / v).exists() for v in ("ours-edge", "ours-qdrant", "llamaindex")
    ):
        ingest_main(
            [
                "--sample",
                "--workdir",
                str(size_dir.parent),
                "--variants",
                "ours-edge",
                "ours-qdrant",
                "llamaindex",
            ]
        )
    missing = [v for v in ("ours-edge", "llamaindex") if not (size_dir / v).exists()]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} index under {size_dir}: run bench.ingest_throughput first")
    if not (size_dir / "ours-qdrant" / "index").exists():
        seconds = clone_edge_to_qdrant(size_dir / "ours-edge", size_dir / "ours-qdrant")
        print(
            f"  {size_dir.name}: copied the Edge index to qdrant-client local mode in {seconds:.1f} s",
            flush=True,
        )


def clone_edge_to_qdrant(edge_dir: Path, qdrant_dir: Path) -> float:
    """Copy every chunk point (vectors and payload) and document record of an Edge index into a
    qdrant-client local index, through the store interface."""
    import qdrant_edge as qe

    from sourcier.documents import Chunk, SparseVector
    from sourcier.store import DENSE, LEXICAL
    from sourcier.store.edge import EdgeStore
    from sourcier.store.qdrant import QdrantStore

    started = time.perf_counter()
    source = EdgeStore(edge_dir / "index", "sourcier")
    qdrant_dir.mkdir(parents=True, exist_ok=True)
    target = QdrantStore.from_path(qdrant_dir / "index", "sourcier")
    try:
        shard = source._chunks
        assert shard is not None
        offset: Any = None
        dimension = 0
        while True:
            records, offset = shard.scroll(
                qe.ScrollRequest(offset=offset, limit=512, with_payload=True, with_vector=True)
            )
            if records:
                dense = [list(cast(Any, r.vector)[DENSE]) for r in records]
                if not dimension:
                    dimension = len(dense[0])
                    target.ensure_schema(dimension)
                sparse = [
                    SparseVector(
                        list(cast(Any, r.vector)[LEXICAL].indices), list(cast(Any, r.vector)[LEXICAL].values)
                    )
                    for r in records
                ]
                target.upsert_chunks([Chunk.from_payload(r.payload or {}) for r in records], dense, sparse)
            if offset is None:
                break
        for record in source.list_documents():
            target.put_document(record)
    finally:
        source.close()
        target.close()
    return time.perf_counter() - started


def with_ratios(entry: dict[str, Any]) -> dict[str, Any]:
    ratios: dict[str, float] = {}
    inproc = entry.get("inprocess", {})
    edge, llama, http = inproc.get("edge", {}), inproc.get("llamaindex", {}), entry.get("http", {})
    floor_p50 = edge.get("floor", {}).get("p50")
    engine_p50 = llama.get("query_engine", {}).get("p50")
    for name, stats in (
        ("api_ask", edge.get("ask")),
        ("api_search", edge.get("search")),
        ("http_ask", http.get("ask")),
    ):
        if not stats:
            continue
        if floor_p50:
            ratios[f"{name}_p50_over_floor"] = round(stats["p50"] / floor_p50, 2)
        if engine_p50:
            ratios[f"{name}_p50_over_llamaindex"] = round(stats["p50"] / engine_p50, 2)
    qdrant = inproc.get("qdrant", {})
    if qdrant.get("ask") and engine_p50:
        ratios["api_qdrant_ask_p50_over_llamaindex"] = round(qdrant["ask"]["p50"] / engine_p50, 2)
    entry["ratios"] = ratios
    return entry


def print_entry(label: str, entry: dict[str, Any]) -> None:
    def fmt(name: str, stats: dict[str, Any]) -> str:
        if "p50" not in stats:
            return f"    {name:<34} {stats.get('error', 'n/a')}"
        extra = f"  split {stats['split']}" if "split" in stats else ""
        extra += f"  {stats['rps']} req/s" if "rps" in stats else ""
        figures = f"p50 {stats['p50']:>8.1f}  p95 {stats['p95']:>8.1f}  p99 {stats['p99']:>8.1f} ms"
        return f"    {name:<34} {figures}{extra}"

    inproc = entry.get("inprocess", {})
    print(
        f"  {label}: {entry.get('docs')} docs, {entry.get('chunks', '?')} chunks "
        f"(llama-index {inproc.get('llamaindex_chunks', '?')}); load avg {inproc.get('loadavg_1m')}",
        flush=True,
    )
    http = entry.get("http", {})
    if http:
        print(
            f"    server ready {http['ready_s']} s ({http['ready_cpu_s']} CPU s), "
            f"warm-up {http['warm_up_s']} s, "
            f"RSS {http['rss_after_mb']} MB (peak {http['rss_peak_mb']} MB)"
        )
        for key in ("ask_cold", "ask", "ask_concurrent", "search", "search_concurrent"):
            if key in http:
                print(fmt(f"HTTP /{key}", http[key]))
    for system in ("edge", "qdrant", "llamaindex"):
        for key, stats in inproc.get(system, {}).items():
            if isinstance(stats, dict):
                print(fmt(f"python {system} {key}", stats))
    for engine, stats in entry.get("store_only", {}).items():
        print(
            f"    store only {engine:<7} RSS +{stats['rss_store_mb']} MB, open {stats['open_s']} s; "
            + ", ".join(f"{m} p50 {stats[m]['p50']} ms" for m in ("dense", "sparse", "hybrid"))
        )
    if entry.get("ratios"):
        print("    ratios: " + ", ".join(f"{k} {v}" for k, v in entry["ratios"].items()), flush=True)


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where bench.ingest_throughput kept its indexes"
    )
    parser.add_argument(
        "--sizes", nargs="+", default=None, help="size labels (default: every one in --workdir)"
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--questions", type=int, default=0, help="only the first N gold questions (0: all)")
    parser.add_argument(
        "--no-qdrant", action="store_true", help="skip the Python API on qdrant-client local mode"
    )
    parser.add_argument(
        "--profile", type=Path, default=None, help="pyinstrument profile of warm Python-API asks here"
    )
    # worker mode
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size-dir", help=argparse.SUPPRESS)
    parser.add_argument("--profile-file", help=argparse.SUPPRESS)
    parser.add_argument("--store-engine", choices=("edge", "qdrant"), help=argparse.SUPPRESS)
    parser.add_argument("--startup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--server-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args)
        return None

    setup_env()
    model_folder()
    with working_dir(args.workdir, "bench-query-") as workdir:
        ensure_indexes(workdir / "bundled")
        labels = args.sizes or indexed_sizes(workdir, "ours-edge/index")
        rows = gold_questions()[: args.questions] if args.questions else gold_questions()
        common = ["--clients", str(args.clients), "--questions", str(args.questions)]
        sizes: dict[str, Any] = {}
        for label in labels:
            size_dir = workdir / label
            ensure_indexes(size_dir)
            entry: dict[str, Any] = {"docs": sum(1 for _ in (size_dir / "docs").iterdir())}
            # The server gets its own copy of the Edge index (one process per Edge shard).
            server_dir = size_dir / "ours-edge-http"
            shutil.rmtree(server_dir, ignore_errors=True)
            shutil.copytree(size_dir / "ours-edge", server_dir, ignore=shutil.ignore_patterns("models"))
            logs = size_dir / "logs"
            logs.mkdir(exist_ok=True)
            process, url, ready_s = start_server(server_dir, logs / "server.log", ui=True)
            try:
                at_ready = server_facts(process.pid)
                warm_s = wait_idle(process.pid)
                at_idle = server_facts(process.pid)
                worker_args = ["--worker", "--size-dir", str(size_dir), "--server-url", url, *common]
                if args.no_qdrant or not (size_dir / "ours-qdrant" / "index").exists():
                    worker_args.append("--no-qdrant")
                if args.profile is not None:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    worker_args += ["--profile-file", str(args.profile / f"ask-{label}.txt")]
                # One BLAS thread: qdrant-client local mode's NumPy searches otherwise leave
                # OpenBLAS threads spinning, which slowed the next query embedding of every
                # system sharing the process (+25% at 6k chunks).
                entry["inprocess"] = run_worker(
                    "bench.query_latency", worker_args, env={"OPENBLAS_NUM_THREADS": "1"}
                )
                after = server_facts(process.pid)
            finally:
                stop_server(process)
            http = entry["inprocess"].pop("http", {})
            entry["http"] = http | {
                "ui": True,
                "ready_s": round(ready_s, 2),
                "ready_cpu_s": at_ready["cpu_s"],
                "rss_ready_mb": at_ready["rss_mb"],
                "warm_up_s": round(warm_s, 1),
                "rss_idle_mb": at_idle["rss_mb"],
                "rss_after_mb": after["rss_mb"],
                "rss_peak_mb": after["rss_peak_mb"],
            }
            entry["chunks"] = entry["inprocess"]["chunks"]
            entry["store_only"] = {
                engine: run_worker(
                    "bench.query_latency",
                    [
                        "--worker",
                        "--store-engine",
                        engine,
                        "--size-dir",
                        str(size_dir / f"ours-{engine}"),
                        *common,
                    ],
                )
                for engine in ("edge", "qdrant")
                if engine == "edge" or (not args.no_qdrant and (size_dir / "ours-qdrant" / "index").exists())
            }
            if label == "bundled":
                entry["http_no_ui_ready"] = measure_ready_only(
                    server_dir, logs / "server-no-ui.log", ui=False
                )
            shutil.rmtree(server_dir, ignore_errors=True)
            sizes[label] = with_ratios(entry)
            print_entry(label, sizes[label])
        startup = None
        if (workdir / "bundled" / "ours-edge").exists():
            startup = run_worker(
                "bench.query_latency",
                ["--worker", "--startup", "--size-dir", str(workdir / "bundled" / "ours-edge")],
            )
            print(
                "  start-up phases (wall/CPU s): "
                + ", ".join(f"{k} {v['wall']}/{v['cpu']}" for k, v in startup["phases"].items())
            )
        payload = {
            "questions": len(rows),
            "top_k": TOP_K,
            "clients": args.clients,
            "sizes": sizes,
            "startup": startup,
        }
        path = write_result("query_latency", payload)
        print(f"wrote {path}")
        return payload


if __name__ == "__main__":
    main()
