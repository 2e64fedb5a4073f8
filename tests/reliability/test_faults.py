"""Faults, with real processes: nothing lost, nothing duplicated, clear messages, self-recovery.

(a) ``sourcier ingest`` killed with SIGKILL in the middle of a directory, then re-run: the index
    ends exactly as a clean run into another data dir (same point ids, same documents, no
    orphan chunk, no duplicate).
(b) A server configured with ``SOURCIER_QDRANT_URL``: a port that refuses, then a Qdrant that
    answers, goes away, hangs (accepts and never answers), and comes back. ``/ready`` and
    ``/ask`` say 503 with the reason while the store is unusable, within the configured timeout,
    and recover by themselves. No Qdrant server binary exists here, so the Qdrant that answers
    is :class:`FakeQdrant`: Qdrant's REST API (the few endpoints the read path uses) served over
    qdrant-client's own in-process engine, holding the bundled corpus.
(c) ``sourcier ingest`` while ``sourcier serve`` holds the embedded store: a message naming the
    cause, exit status 2, no traceback, the index untouched.
(d) A server restarted on the same index gives the same answers and re-ingests nothing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from sourcier.config import BUNDLED_CORPUS, Settings
from tests.support.index import copy_index, make_settings
from tests.support.processes import LiveServer, StartServer, child_env, free_port

pytestmark = pytest.mark.slow  # real `sourcier` subprocesses

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "eval" / "data" / "gold.jsonl"
STACK_TRACE = ("Traceback (most recent call last)", 'File "/')


def gold_questions(limit: int | None = None) -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [row["question"] for row in rows if not row.get("history")]
    return questions[:limit] if limit else questions


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """An /ask response without its timings (the only part allowed to differ between runs)."""
    return {k: v for k, v in answer.items() if k != "timings_ms"}


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> float:
    """Poll ``predicate`` until true; returns the seconds it took (fails after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"not {what} after {timeout:.0f}s")


@dataclass(frozen=True)
class Snapshot:
    """What an index holds: point ids, per-document records, and chunk counts."""

    chunk_ids: frozenset[str]
    chunk_count: int
    documents: dict[str, tuple[str, str, str, str | None, tuple[str, ...]]]  # id -> title, hash, text...
    counts: dict[str, int]

    def assert_consistent(self) -> None:
        """No duplicates (count == distinct ids), no orphans (every point belongs to exactly one
        document record), every record's chunks present."""
        assert self.chunk_count == len(self.chunk_ids)
        owned = [cid for *_, ids in self.documents.values() for cid in ids]
        assert len(owned) == len(set(owned)), "a chunk id listed by two documents"
        assert set(owned) == self.chunk_ids, (
            f"orphans: {len(self.chunk_ids - set(owned))}, missing: {len(set(owned) - self.chunk_ids)}"
        )
        for doc_id, (*_, ids) in self.documents.items():
            assert self.counts[doc_id] == len(ids), doc_id


def snapshot(settings: Settings) -> Snapshot:
    from sourcier.store import open_store

    store = open_store(settings)
    try:
        records = store.list_documents()
        return Snapshot(
            chunk_ids=frozenset(store.chunk_ids()),
            chunk_count=store.count_chunks(),
            documents={
                r.document.id: (
                    r.document.title,
                    r.document.hash,
                    r.document.text,
                    r.document.date,
                    r.chunk_ids,
                )
                for r in records
            },
            counts={r.document.id: store.count_chunks(r.document.id) for r in records},
        )
    finally:
        store.close()


# --- (a) SIGKILL in the middle of a directory --------------------------------------------------

DOCS = 20
#: Small chunks (~10 per document) in small embedding groups (32 chunks): groups are written, and
#: committed, every three or four documents, the first ones well before the directory is done.
CHUNKING = {"chunk_tokens": 64, "chunk_overlap_tokens": 16, "ingest_group_chunks": 32}
#: Progress at which the first run is killed: two groups committed, a dozen documents to go.
KILL_AT = 8
SUBJECTS = [
    ("la cathédrale de Chartres", "ses vitraux", "les pèlerins", "le XIIe siècle"),
    ("le port de Marseille", "ses quais", "les armateurs", "l'Antiquité grecque"),
    ("la forêt des Landes", "ses pins maritimes", "les gemmeurs", "le Second Empire"),
    ("le canal du Midi", "ses écluses", "les mariniers", "le règne de Louis XIV"),
    ("le massif du Vercors", "ses grottes", "les résistants", "la Seconde Guerre mondiale"),
    ("la baie de Somme", "ses phoques", "les ornithologues", "la fin du XIXe siècle"),
    ("le vignoble de Bourgogne", "ses climats", "les moines cisterciens", "le Moyen Âge"),
    ("l'île d'Ouessant", "son phare", "les gardiens", "l'époque des grands naufrages"),
]
VERBS = ["attire", "fascine", "inquiète", "inspire", "occupe", "mobilise", "surprend", "passionne"]
OBJECTS = ["les chercheurs", "les habitants", "les touristes", "les élus", "les historiens", "les enfants"]


def french_document(i: int) -> str:
    place, feature, people, era = SUBJECTS[i % len(SUBJECTS)]
    lines = [f"Chronique numéro {i} : {place}", ""]
    for p in range(6):
        sentences = [
            f"Depuis {era}, {place} {VERBS[(i + p) % len(VERBS)]} {OBJECTS[(i * 3 + p) % len(OBJECTS)]}.",
            f"Selon le rapport {i}-{p}, {feature} ont accueilli {1000 + 37 * i + 11 * p} visiteurs en {2000 + i % 25}.",
            f"{people.capitalize()} y ont observé des changements notables au cours de la saison {p + 1}.",
            f"Le conseil local a voté un budget de {50 + i + p} millions d'euros pour préserver {feature}.",
            f"Cette décision, prise le {1 + (i + p) % 28} mars, a été saluée par {OBJECTS[(i + p) % len(OBJECTS)]}.",
        ]
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def write_corpus(directory: Path) -> None:
    for i in range(DOCS):
        sub = directory / f"lot-{i % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"chronique-{i:02d}.txt").write_text(french_document(i), encoding="utf-8")


class ProgressReader:
    """Reads a child's stderr in a thread and keeps the highest ``done/total`` seen."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.done = 0
        self.text = ""
        assert process.stderr is not None
        self._stream = process.stderr
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while chunk := self._stream.read1(4096):  # type: ignore[attr-defined]
            self.text += chunk.decode("utf-8", "replace")
            for done in re.findall(rf"(?<!\d)(\d+)/{DOCS}(?!\d)", self.text[-2000:]):  # "\x1b[32m27/40"
                self.done = max(self.done, int(done))

    def join(self) -> None:
        self._thread.join(10)


def run_ingest(settings: Settings, corpus: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "ingest", str(corpus)],
        env=child_env(settings, **ingest_env()),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=settings.data_dir.parent,
    )


def ingest_env() -> dict[str, str]:
    return {
        "SOURCIER_CHUNK_TOKENS": str(CHUNKING["chunk_tokens"]),
        "SOURCIER_CHUNK_OVERLAP_TOKENS": str(CHUNKING["chunk_overlap_tokens"]),
        "SOURCIER_INGEST_GROUP_CHUNKS": str(CHUNKING["ingest_group_chunks"]),
        "COLUMNS": "200",
    }


def summary_row(stdout: str) -> list[str]:
    row = [line for line in stdout.splitlines() if line.count("│") > 5][-1]
    return [cell.strip() for cell in row.split("│")[1:8]]


def test_ingest_killed_mid_directory_then_rerun_equals_a_clean_run(
    embedder: Any, model_cache: Path, tmp_path: Path
) -> None:
    from ingest.pipeline import Ingestor
    from sourcier.store import open_store

    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    killed = make_settings(tmp_path / "killed", **CHUNKING)
    killed.data_dir.mkdir()

    # 1. Start ingesting, SIGKILL once progress shows the first documents are done.
    process = subprocess.Popen(
        [sys.executable, "-m", "sourcier_cli", "ingest", str(corpus)],
        env=child_env(
            killed, TTY_INTERACTIVE="1", TTY_COMPATIBLE="1", **ingest_env()
        ),  # live progress on a pipe
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    progress = ProgressReader(process)
    try:
        wait_for(lambda: progress.done >= KILL_AT or process.poll() is not None, 300, f"{KILL_AT} files in")
        assert process.poll() is None, f"finished before the kill:\n{progress.text[-3000:]}"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)
        progress.join()
    assert process.returncode == -signal.SIGKILL, f"finished before the kill:\n{progress.text[-2000:]}"

    # 2. The killed run left a partial index: some documents committed, not all.
    partial = snapshot(killed)
    assert 0 < len(partial.documents) < DOCS, len(partial.documents)
    print(f"killed at {progress.done}/{DOCS} files: {len(partial.documents)} documents committed")

    # 3. Re-run: it completes what was missing and only that.
    rerun = run_ingest(killed, corpus)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    files, added, updated, unchanged, _removed, failed, _written = summary_row(rerun.stdout)
    assert (files, failed) == (str(DOCS), "0")
    assert int(added) + int(updated) == DOCS - int(unchanged)
    assert int(unchanged) == len(partial.documents)  # a record is written last: committed means complete

    # 4. A clean run into another data dir, same files, same settings.
    clean = make_settings(tmp_path / "clean", **CHUNKING)
    store = open_store(clean)
    try:
        report = Ingestor(store, embedder, clean).ingest([corpus])
        assert report.ok and report.added == DOCS, report
    finally:
        store.close()

    recovered, reference = snapshot(killed), snapshot(clean)
    reference.assert_consistent()
    recovered.assert_consistent()
    assert len(reference.documents) == DOCS
    assert recovered.chunk_ids == reference.chunk_ids
    assert recovered.chunk_count == reference.chunk_count
    assert recovered.documents == reference.documents

    # 5. And a third run changes nothing.
    again = run_ingest(killed, corpus)
    assert again.returncode == 0
    assert summary_row(again.stdout)[1:4] == ["0", "0", str(DOCS)]
    assert snapshot(killed) == recovered


# --- (b) a Qdrant server that refuses, answers, goes away, hangs, comes back -----------------


class FakeQdrant:
    """Qdrant's REST API, for the endpoints Sourcier's read path calls, over qdrant-client's
    in-process engine (``QdrantClient(":memory:")``): what a real server would hold and answer.

    Requests and responses are Qdrant's own models (``qdrant_client.models``), so the service
    under test talks to it through the real qdrant-client HTTP stack."""

    def __init__(self, client: Any, port: int) -> None:
        self.client = client
        self.port = port
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        from qdrant_client import models as qm

        self.requests += 1
        if method == "GET" and path == "/collections":
            return 200, self.client.get_collections().model_dump(mode="json")
        match = re.fullmatch(r"/collections/([\w-]+)(/.*)?", path)
        if not match:
            return 404, None
        name, rest = match.group(1), match.group(2) or ""
        if method == "GET" and rest == "/exists":
            return 200, {"exists": self.client.collection_exists(name)}
        if not self.client.collection_exists(name):
            return 404, None
        if method == "POST" and rest == "/points/query":
            q = qm.QueryRequest.model_validate(body)
            result = self.client.query_points(
                name,
                query=q.query,
                using=q.using,
                prefetch=q.prefetch,
                query_filter=q.filter,
                limit=q.limit or 10,
                offset=q.offset,
                with_payload=q.with_payload if q.with_payload is not None else False,
                with_vectors=q.with_vector or False,
                score_threshold=q.score_threshold,
            )
            return 200, result.model_dump(mode="json")
        if method == "POST" and rest == "/points/query/batch":  # a hybrid search's two lists
            batch = qm.QueryRequestBatch.model_validate(body)
            responses = self.client.query_batch_points(name, batch.searches)
            return 200, [r.model_dump(mode="json") for r in responses]
        if method == "POST" and rest == "/points":
            r = qm.PointRequest.model_validate(body)
            records = self.client.retrieve(
                name, r.ids, with_payload=r.with_payload or False, with_vectors=r.with_vector or False
            )
            return 200, [record.model_dump(mode="json") for record in records]
        if method == "POST" and rest == "/points/scroll":
            s = qm.ScrollRequest.model_validate(body)
            records, offset = self.client.scroll(
                name,
                scroll_filter=s.filter,
                limit=s.limit or 10,
                offset=s.offset,
                with_payload=s.with_payload if s.with_payload is not None else True,
                with_vectors=s.with_vector or False,
            )
            return 200, {"points": [r.model_dump(mode="json") for r in records], "next_page_offset": offset}
        if method == "POST" and rest == "/points/count":
            c = qm.CountRequest.model_validate(body)
            return 200, self.client.count(name, count_filter=c.filter, exact=True).model_dump(mode="json")
        return 404, None

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    status, result = fake.handle(
                        self.command, self.path.split("?")[0], json.loads(raw or b"{}")
                    )
                except Exception as error:  # shown to the client as Qdrant shows its errors
                    status, result = 500, None
                    message = f"{type(error).__name__}: {error}"
                else:
                    message = "Not found" if status == 404 else ""
                payload = (
                    {"result": result, "status": "ok", "time": 0.0}
                    if status == 200
                    else {"status": {"error": message}, "time": 0.0}
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class HangingEndpoint:
    """Accepts TCP connections on ``port`` and never answers (a wedged server or a black hole)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.accepted: list[socket.socket] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self.accepted:
            conn.close()
        self._sock.close()


@pytest.fixture(scope="module")
def memory_qdrant(embedder: Any) -> Iterator[Any]:
    """qdrant-client's in-process engine holding the bundled corpus (the fake server's data)."""
    from ingest.pipeline import Ingestor
    from sourcier.store.qdrant import QdrantStore

    store = QdrantStore.from_memory("sourcier")
    settings = make_settings(Path("/nonexistent"), qdrant_url=":memory:")
    report = Ingestor(store, embedder, settings).ingest([BUNDLED_CORPUS])
    assert report.ok and report.added == 2, report
    yield store.client
    store.close()


QDRANT_TIMEOUT_S = 2
#: How long one unusable-store answer may take: the client timeout plus slack for a loaded machine.
BOUND_S = QDRANT_TIMEOUT_S * 2 + 8
QUESTION = "Quel est le nom de code du successeur de Llama ?"


def probe(http: httpx.Client) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http.get("/ready")
    return response, time.monotonic() - started


def ask(http: httpx.Client) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http.post("/ask", json={"question": QUESTION})
    return response, time.monotonic() - started


def assert_unavailable(http: httpx.Client, *reasons: str) -> None:
    """/ready and /ask both answer 503 within BOUND_S, saying why (one of ``reasons``)."""
    ready, ready_s = probe(http)
    assert ready.status_code == 503, ready.text
    assert ready.json()["status"] == "unavailable"
    assert any(r in ready.json()["reason"] for r in reasons), ready.json()
    assert ready_s < BOUND_S, ready_s
    answer, answer_s = ask(http)
    assert answer.status_code == 503, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith("Index indisponible :") and any(r in detail for r in reasons), detail
    assert not any(marker in answer.text for marker in STACK_TRACE)
    assert answer_s < BOUND_S, answer_s


def assert_answers(http: httpx.Client) -> None:
    wait_for(lambda: http.get("/ready").status_code == 200, 30, "ready again")
    response, _ = ask(http)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert not answer["abstained"] and "Avocado" in answer["answer"], answer
    for citation in answer["citations"]:
        text = http.get(f"/documents/{citation['document_id']}").json()["text"]
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_qdrant_server_refused_then_up_down_hanging_and_back(
    memory_qdrant: Any, start_server: StartServer, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet: connections are refused
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(tmp_path / "data", qdrant_url=url, qdrant_timeout_s=QDRANT_TIMEOUT_S)
    settings.data_dir.mkdir()
    server = start_server(settings, wait=False, SOURCIER_QDRANT_TIMEOUT_S=str(QDRANT_TIMEOUT_S))
    refused = ("connexion refusée", "injoignable")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        wait_for(lambda: _service_started(server, http), 180, "started")

        # 1. Nothing listens: 503 with the reason, at once.
        assert http.get("/health").status_code == 200
        assert_unavailable(http, *refused)
        assert url in http.get("/ready").json()["reason"]

        # 2. Qdrant comes up: ready and answering, without a restart.
        fake = FakeQdrant(memory_qdrant, port)
        fake.start()
        try:
            assert_answers(http)
            assert fake.requests > 0
        finally:
            fake.stop()

        # 3. It goes away mid-flight: 503 again.
        assert_unavailable(http, *refused)

        # 4. Something accepts connections and never answers: 503 after the timeout, not a hang.
        hanging = HangingEndpoint(port)
        try:
            assert_unavailable(http, f"n'a pas répondu en {QDRANT_TIMEOUT_S} s")
            assert hanging.accepted, "the service never connected to the hanging endpoint"
            assert http.get("/health").status_code == 200  # the event loop was never blocked
        finally:
            hanging.stop()

        # 5. Qdrant is back: the service recovers by itself.
        fake = FakeQdrant(memory_qdrant, port)
        fake.start()
        try:
            assert_answers(http)
        finally:
            fake.stop()
    assert server.process.poll() is None, "the server died"


def _service_started(server: LiveServer, http: httpx.Client) -> bool:
    """The service object exists (model loaded): /ready no longer says it is loading."""
    if server.process.poll() is not None:
        raise AssertionError(f"server exited:\n{server.log.read_text()[-3000:]}")
    try:
        response = http.get("/ready")
    except httpx.HTTPError:
        return False
    reason = response.json().get("reason", "") if response.status_code == 503 else ""
    return response.status_code == 200 or "démarre" not in reason


# --- (c) two processes on the embedded store, (d) restart ------------------------------------


def ask_all(server: LiveServer, questions: list[str]) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=120) as http:
        answers = []
        for question in questions:
            response = http.post("/ask", json={"question": question})
            assert response.status_code == 200, response.text
            answers.append(comparable(response.json()))
        return answers


def test_ingest_while_the_server_holds_the_embedded_store_goes_through_it(
    corpus_index: Settings, start_server: StartServer, tmp_path: Path
) -> None:
    """The embedded store admits one process: an ingest run beside a server finds the server
    (``<data_dir>/server.json``) and sends the files to it instead of failing on the lock. The
    corpus is already indexed, so nothing is written and the server's answers do not change.
    (A lock held by a process that is not a server is refused at once: tests/sourcier_cli.)"""
    settings = copy_index(corpus_index, tmp_path / "index")
    before = snapshot(settings)
    server = start_server(settings)
    questions = gold_questions(3)
    answers = ask_all(server, questions)

    result = subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "ingest", str(BUNDLED_CORPUS)],
        env=child_env(settings, COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output[-3000:]
    assert server.url in output, output[-3000:]
    assert output.count("inchangé :") == 2, output[-3000:]
    assert not any(marker in output for marker in STACK_TRACE), output[-3000:]

    # The server kept answering alike; once it stops, the index is as it was.
    assert ask_all(server, questions) == answers
    server.stop()
    after = snapshot(settings)
    after.assert_consistent()
    assert after == before


def test_restart_gives_the_same_answers_and_reingests_nothing(
    corpus_index: Settings, start_server: StartServer, tmp_path: Path
) -> None:
    settings = copy_index(corpus_index, tmp_path / "index")
    before = snapshot(settings)
    questions = gold_questions(8)

    first = start_server(settings)
    answers = ask_all(first, questions)
    first.stop()
    between = snapshot(settings)

    second = start_server(settings)
    assert ask_all(second, questions) == answers
    second.stop()

    assert between == before and snapshot(settings) == before
    assert sum(not a["abstained"] for a in answers) >= len(questions) // 2
