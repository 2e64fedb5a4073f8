"""The whole bench corpus, measured: ingestion through the real CLI with a crash half-way, the
index checked against an uninterrupted run's, then the query side on that index.

    python -m bench.full_corpus --sample 1 --workdir DIR [--interrupt-at 0.5] [--questions 200]

1. The sample of ``--corpus`` (``1``: all 5,008 documents; no bundled articles) is written as
   ``.txt`` files under ``DIR/docs``.
2. ``python -m sourcier_cli ingest DIR/docs`` (default runtime, or ``SOURCIER_EMBEDDING_BACKEND``'s;
   ``SOURCIER_DATA_DIR=DIR/data``) is
   killed with SIGKILL once its progress bar has passed ``--interrupt-at`` of the files: a crash,
   not a clean stop. Then the same command runs again to completion. Each run's wall time, CPU
   seconds and peak RSS come from ``wait4`` on that process alone; the second run's summary says
   which documents it found finished (unchanged) and which it (re)wrote.
3. A worker opens the index and compares it, document by document, with what the product's own
   chunking makes of each file (no document missing, no chunk missing, duplicated, stale or
   changed), and re-embeds a few stored chunks, from documents written before and after the crash,
   to check their stored vectors (cosine ≥ 0.999). A failed check ends the run with status 1.
4. ``sourcier serve --no-ui`` on that index: time to ready, then ``POST /ask`` and ``POST /search``
   one at a time over ``--questions`` questions (a seeded draw mixing the man-page dev set's
   questions whose pages are in the sample with the docs suite's gold questions), p50/p95, peak
   RSS.
5. A 10× projection from the measured rates and the Edge search-time fit of docs/benchmarks.md's
   scale plan, and a Markdown section to paste into docs/benchmarks.md.

Figures go to ``bench/results/full_corpus.json`` (a sample below 1: ``full_corpus.<size>.json``,
ignored by git). ``--sample 0.01`` takes a few minutes. The whole corpus is 49,173 chunks since
short sections are packed into chunks (251,849 before: one chunk per table-of-contents line).
Nothing is asserted but the index check.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from bench.common import (
    DEFAULT_CORPUS,
    REPO,
    emit,
    folder_apparent_bytes,
    folder_bytes,
    git_state,
    machine,
    materialise,
    model_folder,
    percentiles,
    read_corpus,
    run_worker,
    sample_docs,
    setup_env,
    size_label,
    working_dir,
    write_result,
)
from bench.query_latency import (
    http_callers,
    sequential,
    server_env,
    server_facts,
    start_server,
    stop_server,
    wait_idle,
)
from bench.summary import table

DEV_SET = REPO.parent / "shared" / "dev-sets" / "manpages_fr_dev.jsonl"
DOCS_GOLD = REPO / "eval" / "suites" / "docs" / "gold.jsonl"
BENCHMARKS_MD = REPO / "docs" / "benchmarks.md"
QUESTION_SEED = 20240615
VECTOR_SEED = 7
MIN_COSINE = 0.999
GROUP_NAMES = {"before_crash": "written before the crash", "after_resume": "after"}
WARM_UP_QUESTIONS = 5
#: Rich draws its progress bar only on a terminal: these make it draw into our pipe, so that the
#: run's progress can be read (``Ingestion ━━━  1234/5008 0:12:03 file.txt``).
LIVE_PROGRESS = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "NO_COLOR": "1", "COLUMNS": "200"}
#: The columns of the CLI's "Bilan de l'ingestion" table, in its order.
SUMMARY_FIELDS = (
    "files",
    "added",
    "updated",
    "unchanged",
    "removed",
    "failed",
    "chunks_written",
    "seconds",
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PROGRESS = re.compile(r"Ingestion\D*?(\d+)/(\d+)")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_EDGE_FIT = re.compile(r"- Edge: hybrid p50 ≈ ([\d.]+) ms \+ ([\d.]+) ms per 1,000 chunks")


# --- reading the CLI's output (pure) --------------------------------------------------------


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def parse_progress(text: str) -> tuple[int, int] | None:
    """The last ``done/total`` of the CLI's progress bar in ``text`` (ANSI codes removed)."""
    matches = _PROGRESS.findall(strip_ansi(text))
    return (int(matches[-1][0]), int(matches[-1][1])) if matches else None


def parse_summary(text: str) -> dict[str, float] | None:
    """The CLI's summary table row (``fichiers … secondes``) as numbers, or None."""
    found = None
    for line in strip_ansi(text).splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if len(cells) == len(SUMMARY_FIELDS) and all(_NUMBER.match(c) for c in cells):
            found = {
                name: float(c) if "." in c else int(c) for name, c in zip(SUMMARY_FIELDS, cells, strict=True)
            }
    return found


# --- the index check (pure) -----------------------------------------------------------------


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class IndexCheck:
    """How a stored index differs from the one the files should give. Every list holds
    ``document id`` or ``document id/chunk id`` strings."""

    docs_expected: int = 0
    docs_stored: int = 0
    chunks_expected: int = 0
    chunks_stored: int = 0
    missing_docs: list[str] = field(default_factory=list)
    extra_docs: list[str] = field(default_factory=list)
    record_mismatch: list[str] = field(
        default_factory=list
    )  # the record's chunk ids are not the expected ones
    missing_chunks: list[str] = field(default_factory=list)
    stale_chunks: list[str] = field(default_factory=list)  # stored, not expected (old versions, orphans)
    duplicate_chunks: list[str] = field(default_factory=list)  # an id or a position stored twice
    changed_chunks: list[str] = field(default_factory=list)  # expected id, other text or position

    PROBLEMS = (
        "missing_docs",
        "extra_docs",
        "record_mismatch",
        "missing_chunks",
        "stale_chunks",
        "duplicate_chunks",
        "changed_chunks",
    )

    @property
    def ok(self) -> bool:
        return not any(getattr(self, name) for name in self.PROBLEMS)

    def as_dict(self, examples: int = 5) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok,
            "docs_expected": self.docs_expected,
            "docs_stored": self.docs_stored,
            "chunks_expected": self.chunks_expected,
            "chunks_stored": self.chunks_stored,
        }
        for name in self.PROBLEMS:
            found: list[str] = getattr(self, name)
            out[name] = len(found)
            if found:
                out[f"{name}_examples"] = found[:examples]
        return out


def compare_index(
    expected: Mapping[str, Sequence[tuple[str, str]]],
    stored: Mapping[str, Sequence[tuple[str, int, str]]],
    records: Mapping[str, Sequence[str]],
) -> IndexCheck:
    """Compare an index with what its files should give.

    ``expected``: per document, its chunks in order as ``(chunk id, text sha)``; ``stored``: per
    document id found in the chunk points, ``(chunk id, position, text sha)`` in any order;
    ``records``: per stored document record, the chunk ids it lists.
    """
    check = IndexCheck(
        docs_expected=len(expected),
        docs_stored=len(records),
        chunks_expected=sum(len(c) for c in expected.values()),
        chunks_stored=sum(len(c) for c in stored.values()),
    )
    check.missing_docs = sorted(set(expected) - set(records))
    check.extra_docs = sorted(set(records) - set(expected))
    for doc_id in sorted(set(expected) | set(stored)):
        want = list(expected.get(doc_id, ()))
        want_ids = [chunk_id for chunk_id, _ in want]
        if doc_id in records and doc_id in expected and list(records[doc_id]) != want_ids:
            check.record_mismatch.append(doc_id)
        have = list(stored.get(doc_id, ()))
        ids = Counter(chunk_id for chunk_id, _, _ in have)
        positions = Counter(position for _, position, _ in have)
        check.duplicate_chunks += [f"{doc_id}/{i}" for i, n in sorted(ids.items()) if n > 1]
        check.duplicate_chunks += [f"{doc_id}/position {p}" for p, n in sorted(positions.items()) if n > 1]
        wanted = {chunk_id: (position, sha) for position, (chunk_id, sha) in enumerate(want)}
        check.missing_chunks += [f"{doc_id}/{i}" for i in want_ids if i not in ids]
        for chunk_id, position, sha in sorted(set(have)):
            if chunk_id not in wanted:
                check.stale_chunks.append(f"{doc_id}/{chunk_id}")
            elif wanted[chunk_id] != (position, sha):
                check.changed_chunks.append(f"{doc_id}/{chunk_id}")
    return check


# --- the check worker (its own process: it loads the model) ---------------------------------


def expected_chunks(docs_dir: Path, settings: Any) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """Per document id, the chunks our ingestion makes of each file under ``docs_dir`` (as the
    CLI finds them), and the files that do not load."""
    from ingest.loaders import LoadError, discover, load_file
    from ingest.pipeline import make_chunks

    expected: dict[str, list[tuple[str, str]]] = {}
    unloadable: list[str] = []
    for file, root in discover([docs_dir]):
        try:
            loaded = load_file(file, root, settings.max_file_bytes)
        except LoadError:
            unloadable.append(file.name)
            continue
        expected[loaded.document.id] = [(c.id, text_sha(c.text)) for c in make_chunks(loaded, settings)]
    return expected, unloadable


def edge_shard(store: Any) -> Any:
    shard = getattr(store, "_chunks", None)
    if shard is None:
        raise SystemExit(f"the check reads Qdrant Edge shards; this index is a {type(store).__name__}")
    return shard


def stored_chunks(store: Any) -> dict[str, list[tuple[str, int, str]]]:
    """Per document id, every chunk point of the Edge index as ``(id, position, text sha)``."""
    import qdrant_edge as qe

    shard = edge_shard(store)
    stored: dict[str, list[tuple[str, int, str]]] = {}
    offset: Any = None
    while True:
        points, offset = shard.scroll(
            qe.ScrollRequest(offset=offset, limit=1000, with_payload=True, with_vector=False)
        )
        for point in points:
            payload = point.payload or {}
            stored.setdefault(str(payload.get("document_id")), []).append(
                (str(point.id), int(payload.get("position", -1)), text_sha(str(payload.get("text", ""))))
            )
        if offset is None:
            return stored


def vector_check(
    store: Any, embedder: Any, records: Sequence[Any], resumed_at: str, count: int
) -> dict[str, Any]:
    """Re-embed one chunk of ``count`` documents, half written before the crash (their record is
    older than the resumed run), half after, and compare with the stored dense vectors."""
    import numpy as np

    from ingest.pipeline import embedding_text
    from sourcier.documents import Chunk
    from sourcier.store import DENSE

    rng = random.Random(VECTOR_SEED)
    groups = {
        "before_crash": [r for r in records if r.ingested_at and r.ingested_at < resumed_at and r.chunk_ids],
        "after_resume": [r for r in records if r.ingested_at and r.ingested_at >= resumed_at and r.chunk_ids],
    }
    wanted = {"before_crash": count - count // 2, "after_resume": count // 2}
    picked: list[tuple[str, str]] = []
    for group, members in groups.items():
        for record in rng.sample(members, min(len(members), wanted[group])):
            picked.append((group, rng.choice(record.chunk_ids)))
    out: dict[str, Any] = {"min_cosine": MIN_COSINE, "documents": {k: len(v) for k, v in groups.items()}}
    if not picked:
        return out | {"ok": False, "checked": 0}
    points = edge_shard(store).retrieve(
        [chunk_id for _, chunk_id in picked], with_payload=True, with_vector=True
    )
    by_id = {str(p.id): p for p in points}
    missing = [chunk_id for _, chunk_id in picked if chunk_id not in by_id]
    found = [(group, by_id[chunk_id]) for group, chunk_id in picked if chunk_id in by_id]
    texts = [embedding_text(Chunk.from_payload(p.payload or {})) for _, p in found]
    fresh = np.asarray(embedder.embed_passages(texts), dtype=float)
    kept = np.asarray([list(cast(Any, p.vector)[DENSE]) for _, p in found], dtype=float)
    cosines = (fresh * kept).sum(axis=1) / (np.linalg.norm(fresh, axis=1) * np.linalg.norm(kept, axis=1))
    per_group: dict[str, Any] = {}
    for (group, _), cosine in zip(found, cosines, strict=True):
        entry = per_group.setdefault(group, {"checked": 0, "min": 1.0})
        entry["checked"] += 1
        entry["min"] = round(min(entry["min"], float(cosine)), 6)
    return out | {
        "ok": not missing and bool(found) and float(cosines.min()) >= MIN_COSINE,
        "checked": len(found),
        "missing": missing,
        "lowest": round(float(cosines.min()), 6),
        "groups": per_group,
    }


def worker_check(docs_dir: Path, resumed_at: str, vectors: int) -> dict[str, Any]:
    """Settings as the CLI makes them (the same environment and working directory)."""
    from sourcier.config import Settings
    from sourcier.embedding import load_embedder
    from sourcier.store import open_store

    started = time.perf_counter()
    settings = Settings()
    expected, unloadable = expected_chunks(docs_dir, settings)
    store = open_store(settings)
    try:
        records = store.list_documents()
        check = compare_index(expected, stored_chunks(store), {r.document.id: r.chunk_ids for r in records})
        index_s = time.perf_counter() - started
        vector = vector_check(store, load_embedder(settings), records, resumed_at, vectors)
    finally:
        store.close()
    return {
        "index": check.as_dict(),
        "unloadable_files": unloadable,
        "vectors": vector,
        "ok": check.ok and vector["ok"] and not unloadable,
        "index_check_s": round(index_s, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- running the CLI ------------------------------------------------------------------------


def _note(message: str) -> None:
    print(f"[full_corpus {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def records_bytes(data_dir: Path) -> int:
    """Disk space of the Edge documents shard: it grows when a document record is written, i.e.
    when a document is committed."""
    return sum(folder_bytes(p) for p in (data_dir / "index").glob("*_documents"))


def run_ingest(
    docs_dir: Path, data_dir: Path, logs: Path, name: str, kill_at: int | None, every_s: float
) -> dict[str, Any]:
    """Run ``sourcier ingest docs_dir``; with ``kill_at``, SIGKILL it once its progress bar shows
    that many files read and at least one document has been committed (files are read ahead of
    their embedding, 256 chunks at a time). Wall, CPU and peak RSS are this process's own
    (``wait4``)."""
    command = [sys.executable, "-m", "sourcier_cli", "ingest", str(docs_dir)]
    env = server_env(data_dir) | LIVE_PROGRESS
    state: dict[str, Any] = {"done": 0, "total": 0, "killed_at": None}
    started = time.perf_counter()
    with (logs / f"{name}.out").open("wb") as out_file:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out_file, stderr=subprocess.PIPE)
    assert process.stderr is not None
    err_fd = process.stderr.fileno()

    def watch() -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        tail = ""
        last_note = time.perf_counter()
        baseline: int | None = None  # the records shard as created, before any record
        committed = False
        with (logs / f"{name}.err").open("wb") as err_log:
            while data := os.read(err_fd, 65536):
                err_log.write(data)
                tail = (tail + decoder.decode(data))[-4000:]
                progress = parse_progress(tail)
                if progress:
                    state["done"], state["total"] = progress
                if kill_at is not None and state["killed_at"] is None:
                    written = records_bytes(data_dir)
                    baseline = written if baseline is None and written else baseline
                    committed = baseline is not None and written > baseline
                if (
                    kill_at is not None
                    and state["killed_at"] is None
                    and committed
                    and state["done"] >= kill_at
                ):
                    # os.kill, not Popen.kill: that polls the child, which would reap it (and its
                    # rusage) before our wait4
                    os.kill(process.pid, signal.SIGKILL)
                    state["killed_at"] = time.perf_counter() - started
                    _note(
                        f"{name}: SIGKILL at {state['done']}/{state['total']} files, "
                        f"{state['killed_at']:.0f} s"
                    )
                if time.perf_counter() - last_note >= every_s:
                    last_note = time.perf_counter()
                    _note(
                        f"{name}: {state['done']}/{state['total'] or '?'} files, "
                        f"{time.perf_counter() - started:.0f} s"
                    )

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    watcher.join(30)
    process.stderr.close()
    summary = parse_summary((logs / f"{name}.out").read_text(encoding="utf-8", errors="replace"))
    result = {
        "returncode": process.returncode,
        "killed": state["killed_at"] is not None,
        "files_seen": state["done"],
        "files_total": state["total"],
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "summary": summary,
    }
    _note(
        f"{name}: exit {process.returncode}{' (killed)' if result['killed'] else ''}, {wall:.0f} s wall, "
        f"{result['cpu_s']:.0f} CPU s, peak RSS {result['peak_rss_mb']:.0f} MB, summary {summary}"
    )
    return result


# --- questions ------------------------------------------------------------------------------


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def draw_questions(
    sample_ids: set[str], count: int, dev_set: Path = DEV_SET, docs_gold: Path = DOCS_GOLD
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int]]:
    """``count`` questions (seeded): half the docs suite's gold questions (with their history),
    half the man-page dev set's whose gold pages are all in the sample (either fills in for the
    other when short), shuffled; plus a few other man-page questions for the warm-up."""
    rng = random.Random(QUESTION_SEED)
    docs_rows = _jsonl(docs_gold)
    manpages = _jsonl(dev_set) if dev_set.exists() else []
    on_index = [r for r in manpages if r.get("gold_doc_ids") and set(r["gold_doc_ids"]) <= sample_ids]
    n_docs = min(len(docs_rows), count // 2)
    n_man = min(len(on_index), count - n_docs)
    n_docs = min(len(docs_rows), count - n_man)
    chosen_man = rng.sample(on_index, n_man)
    rows = rng.sample(docs_rows, n_docs) + [
        {"id": r["id"], "question": r["question"], "history": []} for r in chosen_man
    ]
    rng.shuffle(rows)
    taken = {r["id"] for r in chosen_man}
    spare = [r for r in manpages if r["id"] not in taken] or docs_rows
    warm = [
        {"id": r["id"], "question": r["question"], "history": r.get("history") or []}
        for r in rng.sample(spare, min(WARM_UP_QUESTIONS, len(spare)))
    ]
    return rows, warm, {"docs_suite": n_docs, "manpages_dev": n_man, "manpages_on_index": len(on_index)}


# --- the query side -------------------------------------------------------------------------


def _counting(
    call: Callable[[dict[str, Any]], Any], label: str, every: int
) -> Callable[[dict[str, Any]], Any]:
    done = [0]

    def wrapped(row: dict[str, Any]) -> Any:
        out = call(row)
        done[0] += 1
        if done[0] % every == 0:
            _note(f"{label}: {done[0]} questions")
        return out

    return wrapped


def measure_queries(
    data_dir: Path, logs: Path, rows: list[dict[str, Any]], warm: list[dict[str, Any]]
) -> dict[str, Any]:
    _note(f"query side: starting sourcier serve --no-ui on {data_dir}")
    process, url, ready_s = start_server(data_dir, logs / "server.log", ui=False)
    try:
        at_ready = server_facts(process.pid)
        idle_s = wait_idle(process.pid)
        make_ask, make_search = http_callers(url)
        ask, search = make_ask(), make_search()
        for row in warm:
            ask(row)
            search(row)
        _note(f"query side: ready in {ready_s:.1f} s; {len(rows)} × /ask, then {len(rows)} × /search")
        ask_ms, bodies = sequential(_counting(ask, "/ask", 50), rows)
        search_ms, _ = sequential(_counting(search, "/search", 50), rows)
        after = server_facts(process.pid)
    finally:
        stop_server(process)
    split = {
        part: percentiles([b["timings_ms"][part] for b in bodies]) for part in ("embed", "search", "answer")
    }
    return {
        "questions": len(rows),
        "warm_up_questions": len(warm),
        "ready_s": round(ready_s, 2),
        "rss_ready_mb": at_ready["rss_mb"],
        "start_up_warm_s": round(idle_s, 1),
        "ask": percentiles(ask_ms),
        "ask_split_ms": {part: {"p50": s["p50"], "p95": s["p95"]} for part, s in split.items()},
        "abstained": sum(bool(b["abstained"]) for b in bodies),
        "search": percentiles(search_ms),
        "rss_after_mb": after["rss_mb"],
        "rss_peak_mb": after["rss_peak_mb"],
        "server_cpu_s": after["cpu_s"],
    }


# --- projection and report ------------------------------------------------------------------


def edge_fit(markdown: Path = BENCHMARKS_MD) -> tuple[float, float] | None:
    """(ms, ms per chunk) of the scale plan's Edge hybrid-search fit, as docs/benchmarks.md
    states it (``bench.summary`` fits it on the measured indexes and ``bench.store_scale``)."""
    if not markdown.exists():
        return None
    match = _EDGE_FIT.search(markdown.read_text(encoding="utf-8"))
    return (float(match.group(1)), float(match.group(2)) / 1000) if match else None


def project(result: dict[str, Any], factor: float = 10.0) -> dict[str, Any]:
    """Ingestion hours and query latencies at ``factor`` × the measured corpus (not measured)."""
    ingest, chunks = result["ingest"], result["index"]["chunks"]
    cores = result["cores"]
    target = round(chunks * factor)
    out: dict[str, Any] = {
        "factor": factor,
        "docs": round(result["docs"] * factor),
        "chunks": target,
        "ingest_hours_at_measured_rate": round(target / ingest["chunks_per_s"] / 3600, 2),
        "ingest_hours_cpu_over_cores": round(target * ingest["cpu_s_per_1k_chunks"] / 1000 / cores / 3600, 2),
        "cores": cores,
    }
    fit = edge_fit()
    queries = result.get("queries")
    if fit and queries:
        base, per_chunk = fit
        now, later = base + per_chunk * chunks, base + per_chunk * target
        out["edge_fit"] = {"ms": base, "ms_per_1k_chunks": round(per_chunk * 1000, 4)}
        out["edge_search_fit_ms"] = {"measured_size": round(now, 2), "projected": round(later, 2)}
        for name in ("ask", "search"):
            out[f"{name}_p50_ms"] = round(queries[name]["p50"] + later - now, 1)
            out[f"{name}_p95_ms"] = round(queries[name]["p95"] + later - now, 1)
    return out


def markdown(result: dict[str, Any]) -> str:
    ing, idx, check, q, proj = (
        result["ingest"],
        result["index"],
        result["check"],
        result.get("queries") or {},
        result["projection"],
    )
    first, second = ing["interrupted"], ing["resumed"]
    summary = second.get("summary") or {}
    vectors = check["vectors"]
    load_start, load_end = result["loadavg"]["start"], result["loadavg"]["end"]
    mib = 2**20
    rows: list[list[Any]] = [
        ["documents (files)", result["docs"]],
        ["text", f"{result['corpus_mb']:.1f} MB"],
        [
            "chunks in the index",
            f"{idx['chunks']:,} ({result['corpus_chars'] / idx['chunks']:,.0f} characters of text per chunk)",
        ],
        [
            "run 1, killed (SIGKILL)",
            f"at {first['files_seen']:,}/{first['files_total']:,} files: {first['wall_s']:,.0f} s wall, "
            f"{first['cpu_s']:,.0f} CPU s, peak RSS {first['peak_rss_mb']:,.0f} MB",
        ],
        [
            "run 2, resumed",
            f"{second['wall_s']:,.0f} s wall, {second['cpu_s']:,.0f} CPU s, "
            f"peak RSS {second['peak_rss_mb']:,.0f} MB",
        ],
        [
            "run 2 found / wrote",
            f"{summary.get('unchanged', '?'):,} documents finished before the crash (skipped as unchanged); "
            f"{summary.get('added', '?'):,} added, {summary.get('updated', '?'):,} updated, "
            f"{summary.get('failed', '?')} failed; {summary.get('chunks_written', '?'):,} chunks written",
        ],
        [
            "both runs",
            f"{ing['wall_s']:,.0f} s wall ({ing['wall_s'] / 60:.1f} min), {ing['cpu_s']:,.0f} CPU s, "
            f"peak RSS {ing['peak_rss_mb']:,.0f} MB",
        ],
        ["chunks/s (index chunks / wall of both runs)", f"{ing['chunks_per_s']:.2f}"],
        ["CPU s per 1k chunks", f"{ing['cpu_s_per_1k_chunks']:.1f}"],
        [
            "index = an uninterrupted run's",
            ("**yes**" if check["index"]["ok"] else "**no**")
            + f": {check['index']['docs_stored']:,}/{check['index']['docs_expected']:,} documents, "
            f"{check['index']['chunks_stored']:,}/{check['index']['chunks_expected']:,} chunks; missing "
            f"{check['index']['missing_chunks']}, stale {check['index']['stale_chunks']}, duplicated "
            f"{check['index']['duplicate_chunks']}, changed {check['index']['changed_chunks']}",
        ],
        [
            "stored vectors = fresh embeddings",
            ("**yes**" if vectors["ok"] else "**no**")
            + f": {vectors.get('checked', 0)} chunks re-embedded ("
            + ", ".join(f"{v['checked']} {GROUP_NAMES[g]}" for g, v in vectors.get("groups", {}).items())
            + f"), lowest cosine {vectors.get('lowest', '–')} (≥ {MIN_COSINE})",
        ],
        [
            "index on disk",
            f"{idx['bytes'] / mib:,.0f} MB allocated ({idx['apparent_bytes'] / mib:,.0f} MB apparent), "
            f"{idx['bytes'] / mib / idx['chunks'] * 1000:.1f} MB per 1k chunks",
        ],
    ]
    if q:
        rows += [
            [
                "server ready (`serve --no-ui`)",
                f"{q['ready_s']:.1f} s, RSS {q['rss_ready_mb']:,.0f} MB; idle again after "
                f"{q['start_up_warm_s']:.0f} s (start-up warm-up)",
            ],
            [
                f"`POST /ask`, {q['questions']} questions one at a time",
                f"p50 {q['ask']['p50']:,.0f} ms, p95 {q['ask']['p95']:,.0f} ms "
                f"(server side p50: embed {q['ask_split_ms']['embed']['p50']:.0f}, search "
                f"{q['ask_split_ms']['search']['p50']:.0f}, "
                f"answer {q['ask_split_ms']['answer']['p50']:.0f} ms); "
                f"{q['abstained']} abstained",
            ],
            [
                "`POST /search` (hybrid, top 8)",
                f"p50 {q['search']['p50']:,.0f} ms, p95 {q['search']['p95']:,.0f} ms",
            ],
            ["server peak RSS (VmHWM)", f"{q['rss_peak_mb']:,.0f} MB"],
        ]
    rows += [
        [
            "load average (1/5/15 min)",
            f"start {'/'.join(f'{x:.1f}' for x in load_start)}, end {'/'.join(f'{x:.1f}' for x in load_end)}",
        ],
        ["commit", f"`{result['commit']}`, {result['date']}"],
    ]
    lines = [
        "## The whole bench corpus, measured",
        "",
        f"`{result['command']}`: the {result['sample_name']} ingested by `sourcier ingest` (embedding "
        f"runtime {result.get('runtime', 'torch')}) killed with SIGKILL part-way, then run again to "
        "completion; the index checked "
        "document by document against what the product's chunking makes of each file, and a few "
        "stored vectors against fresh embeddings; then `sourcier serve --no-ui` on that index. "
        f"Questions: {result['question_mix']['docs_suite']} of the docs suite's and "
        f"{result['question_mix']['manpages_dev']} of the man-page dev set's (seeded draw), after "
        f"{q.get('warm_up_questions', 0)} warm-up questions. {result['machine_line']}",
        "",
        *table(["figure", "measured"], rows),
        f"10× projection ({proj['docs']:,} documents, ≈ {proj['chunks']:,} chunks; not measured):",
        "",
    ]
    prow: list[list[Any]] = [
        ["ingestion at the measured rate", f"{proj['ingest_hours_at_measured_rate']:.1f} h"],
        [f"ingestion, CPU time / {proj['cores']} cores", f"{proj['ingest_hours_cpu_over_cores']:.1f} h"],
    ]
    if "edge_search_fit_ms" in proj:
        fit = proj["edge_fit"]
        prow += [
            [
                "Edge hybrid search (scale-plan fit, as written)",
                f"{fit['ms']} ms + {fit['ms_per_1k_chunks']} ms per 1k chunks: "
                f"{proj['edge_search_fit_ms']['measured_size']} ms now → "
                f"{proj['edge_search_fit_ms']['projected']} ms",
            ],
            ["`POST /search` p50 / p95", f"{proj['search_p50_ms']:,.0f} / {proj['search_p95_ms']:,.0f} ms"],
            ["`POST /ask` p50 / p95", f"{proj['ask_p50_ms']:,.0f} / {proj['ask_p95_ms']:,.0f} ms"],
        ]
    lines += table(["at 10×", "projected"], prow)
    lines += [
        "The latency projection adds the fit's growth of the store search to the measured times "
        "(embedding and answering do not grow with the corpus). On a Qdrant server "
        "(`SOURCIER_QDRANT_URL`) ingestion would cost the same (the embedding is the work), but "
        "search would run on its HNSW index instead of Edge's brute-force segments as written, so "
        "the search term would hardly grow with the corpus, for a network round trip per query; and "
        "ingesting would no longer need the server stopped.",
        "",
    ]
    return "\n".join(lines)


# --- orchestration --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=float, default=1.0, help="fraction of the corpus (1: all of it)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep docs, index and logs here")
    parser.add_argument(
        "--interrupt-at", type=float, default=0.5, help="kill run 1 after this share of files"
    )
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--vector-checks", type=int, default=8, help="stored vectors re-embedded")
    parser.add_argument("--progress-every", type=float, default=30.0, help="seconds between progress lines")
    parser.add_argument("--no-queries", action="store_true", help="skip the query side")
    # worker mode
    parser.add_argument("--worker", choices=("check",), help=argparse.SUPPRESS)
    parser.add_argument("--docs", help=argparse.SUPPRESS)
    parser.add_argument("--resumed-at", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        setup_env()
        emit(worker_check(Path(args.docs), args.resumed_at, args.vector_checks))
        return 0
    if not 0 < args.interrupt_at < 1:
        parser.error("--interrupt-at must be between 0 and 1")
    if not 0 < args.sample <= 1:
        parser.error("--sample must be in (0, 1]")

    setup_env()
    model_folder()
    load_start = os.getloadavg()
    command = "python -m bench.full_corpus " + " ".join(argv if argv is not None else sys.argv[1:])
    with working_dir(args.workdir, "bench-full-") as workdir:
        docs_dir, data_dir, logs = workdir / "docs", workdir / "data", workdir / "logs"
        for folder in (docs_dir, data_dir, logs):
            shutil.rmtree(folder, ignore_errors=True)
        logs.mkdir(parents=True)
        corpus = read_corpus(args.corpus)
        sample = sample_docs(corpus, args.sample)
        materialise(sample, docs_dir, with_bundled=False)
        files = sum(1 for p in docs_dir.iterdir() if p.is_file())
        corpus_mb = sum(len(d["text"].encode()) for d in sample) / 1e6
        corpus_chars = sum(len(d["text"]) for d in sample)
        kill_at = min(files - 1, max(1, math.ceil(files * args.interrupt_at)))
        _note(
            f"{files:,} documents ({corpus_mb:.1f} MB) under {docs_dir}; run 1 is killed at {kill_at:,} files"
        )

        first = run_ingest(docs_dir, data_dir, logs, "ingest-1-interrupted", kill_at, args.progress_every)
        if not first["killed"]:
            _note("warning: run 1 ended before it could be killed (the sample is too small?)")
        resumed_at = datetime.now(UTC).isoformat(timespec="seconds")
        second = run_ingest(docs_dir, data_dir, logs, "ingest-2-resumed", None, args.progress_every)
        if second["returncode"] != 0:
            _note(f"run 2 failed (exit {second['returncode']}): see {logs}")
            return 2
        index_dir = data_dir / "index"
        _note("checking the index against the files (and a few vectors)")
        check = run_worker(
            "bench.full_corpus",
            [
                "--worker",
                "check",
                "--docs",
                str(docs_dir),
                "--resumed-at",
                resumed_at,
                "--vector-checks",
                str(args.vector_checks),
            ],
            env=server_env(data_dir),
        )
        chunks = check["index"]["chunks_stored"]
        wall, cpu = first["wall_s"] + second["wall_s"], first["cpu_s"] + second["cpu_s"]
        result: dict[str, Any] = {
            "command": command,
            "corpus": str(args.corpus),
            "sample": args.sample,
            "sample_name": "whole corpus"
            if args.sample == 1
            else f"{size_label(args.sample).replace('pct', '%')} sample",
            "docs": files,
            "corpus_mb": round(corpus_mb, 2),
            "corpus_chars": corpus_chars,
            "interrupt_at": args.interrupt_at,
            "cores": len(os.sched_getaffinity(0)),
            "workdir": str(workdir),
            "ingest": {
                "interrupted": first,
                "resumed": second,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "peak_rss_mb": max(first["peak_rss_mb"], second["peak_rss_mb"]),
                "chunks_per_s": round(chunks / wall, 2),
                "cpu_s_per_1k_chunks": round(cpu / chunks * 1000, 2),
            },
            "index": {
                "chunks": chunks,
                "docs": check["index"]["docs_stored"],
                "bytes": folder_bytes(index_dir),
                "apparent_bytes": folder_apparent_bytes(index_dir),
            },
            "check": check,
        }
        _note(f"index check: {'ok' if check['ok'] else 'FAILED'} {json.dumps(check['index'])}")
        _note(f"vectors: {json.dumps(check['vectors'])}")
        rows, warm, mix = draw_questions({d["id"] for d in sample}, args.questions)
        result["question_mix"] = mix
        if not args.no_queries:
            result["queries"] = measure_queries(data_dir, logs, rows, warm)
        load_end = os.getloadavg()
        result["loadavg"] = {
            "start": [round(x, 2) for x in load_start],
            "end": [round(x, 2) for x in load_end],
        }
        facts = machine()
        result["commit"], result["date"] = git_state(), facts["date"]
        result["machine_line"] = (
            f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['ram_gb']} GB RAM, "
            f"torch {facts['versions']['torch']}, qdrant-edge-py {facts['versions']['qdrant-edge-py']}."
        )
        result["runtime"] = os.environ.get("SOURCIER_EMBEDDING_BACKEND", "torch")
        result["projection"] = project(result)
        text = markdown(result)
        result["markdown"] = text
        name = "full_corpus" if args.sample == 1 else f"full_corpus.{size_label(args.sample)}"
        if result["runtime"] != "torch":  # the default runtime's run keeps the plain name
            name += "_" + result["runtime"].replace("-", "_")
        path = write_result(name, result)
        print(text)
        print(f"wrote {path}")
        if not check["ok"]:
            _note("the index check FAILED: see above")
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
