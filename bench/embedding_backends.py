"""The embedding runtimes side by side: fp32 PyTorch (the floor) against int8 ONNX Runtime.

    python -m bench.embedding_backends [--part speed quality] [--backends torch onnx-int8] [--sample 0.01]

Per backend, each measurement in its own fresh process, through the product's own code:

- ingestion: ``Ingestor.ingest`` of the bundled articles plus a ``--sample`` of the Debian bench
  corpus into Qdrant Edge; chunks/s (wall and per CPU second; model load apart), peak RSS;
- queries: ``embed_query`` of the 82 gold questions (p50/p95 ms), then in-process ``Sourcier.ask``
  on the articles' index, once to fill the sentence cache and once measured (p50/p95 ms); whether
  torch was imported at all;
- server: ``sourcier serve --no-ui`` on the articles, every gold question asked over HTTP once after
  the start-up warm-up; peak RSS (VmHWM) and RSS at the end, seconds to ``/ready``;
- cold ``sourcier ask``: the whole command, ``--runs`` times (median), model load included;
- install: the size on disk of the distributions each runtime needs beyond the shared ones;
- quality (``--part quality``): ``sourcier eval`` of every built-in suite, gold and held-out
  sets, each on a fresh index built with that backend; every ONNX figure is checked against the
  torch run's 95% interval.

Results: ``bench/results/embedding_backends.json`` (speed) and ``embedding_backends_quality.json``
(``embedding_backends_quality_<suites>.json`` with ``--suites``).
On a shared machine compare ratios and CPU seconds rather than wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import (
    DEFAULT_CORPUS,
    REPO,
    Clock,
    emit,
    gold_questions,
    make_settings,
    materialise,
    percentiles,
    read_corpus,
    run_worker,
    sample_docs,
    setup_env,
    stop_process,
    working_dir,
    write_result,
)

BACKENDS = ("torch", "onnx-int8")
#: Distributions only the torch runtime needs (and their own heavy dependencies).
TORCH_STACK = ("torch", "sentence-transformers", "transformers", "sympy", "networkx", "mpmath")
#: Distributions only the ONNX runtime needs (``tokenizers`` is shared: both tokenize with it).
ONNX_STACK = ("onnxruntime", "onnx", "flatbuffers", "ml_dtypes")
QUESTION = "Quel est le nom de code du successeur de Llama ?"
#: The figures ``sourcier eval`` prints in its table (every figure with an interval is checked).
HEADLINE = (
    "retrieval.hybrid.chunks.recall@5",
    "retrieval.hybrid.ranked.recall@5",
    "retrieval.hybrid.ranked.mrr",
    "citation.precision",
    "citation.recall",
    "citation.exact",
    "citation.confident_share",
    "citation.precision.confident",
    "groundedness",
    "answer.correct",
    "answer.key_facts",
    "abstention.recall",
    "abstention.precision",
    "abstention.answered",
    "questions.passed",
    "verifier.caught",
    "verifier.untouched_passed",
    "verifier.benign_passed",
)


# --- workers (child processes) --------------------------------------------------------------


def worker_ingest(backend: str, docs: Path, data_dir: Path) -> dict[str, Any]:
    from ingest.pipeline import Ingestor
    from sourcier.embedding import load_embedder
    from sourcier.store import open_store

    settings = make_settings(data_dir, embedding_backend=backend)
    started = time.perf_counter()
    embedder = load_embedder(settings)
    embedder.embed_passages(["passage de chauffe"])
    load_s = time.perf_counter() - started
    store = open_store(settings)
    try:
        with Clock() as clock:
            report = Ingestor(store, embedder, settings).ingest([docs])
    finally:
        store.close()
    if not report.ok:
        raise RuntimeError(f"ingestion failed: {report.failed[:3]}")
    return {
        "chunks": report.chunks_written,
        "files": report.files,
        "seconds": round(clock.wall, 2),
        "cpu_s": round(clock.cpu, 2),
        "chunks_per_s": round(report.chunks_written / clock.wall, 1),
        "chunks_per_cpu_s": round(report.chunks_written / clock.cpu, 1),
        "load_s": round(load_s, 2),
    }


def worker_queries(backend: str, data_dir: Path) -> dict[str, Any]:
    from server.engine.service import Sourcier
    from server.engine.types import Question, Turn
    from sourcier.embedding import load_embedder
    from sourcier.store import open_store

    settings = make_settings(data_dir, embedding_backend=backend)
    embedder = load_embedder(settings)
    rows = gold_questions()
    embedder.embed_query("requête de chauffe")
    embed_ms = []
    for row in rows:
        started = time.perf_counter()
        embedder.embed_query(row["question"])
        embed_ms.append((time.perf_counter() - started) * 1000)
    service = Sourcier(settings, open_store(settings), embedder)
    try:

        def ask(row: dict[str, Any]) -> float:
            history = tuple(Turn(t["role"], t["content"]) for t in row.get("history") or [])
            started = time.perf_counter()
            service.ask(Question(row["question"], history))
            return (time.perf_counter() - started) * 1000

        cold = [ask(row) for row in rows]  # fills the sentence cache
        warm = [ask(row) for row in rows]
    finally:
        service.close()
    return {
        "questions": len(rows),
        "query_embedding_ms": percentiles(embed_ms),
        "ask_first_pass_ms": percentiles(cold),
        "ask_ms": percentiles(warm),
        "torch_imported": "torch" in sys.modules,
    }


# --- whole processes ------------------------------------------------------------------------


def backend_env(backend: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCIER_")}
    env.update(
        SOURCIER_DATA_DIR=str(data_dir),
        SOURCIER_MODEL_CACHE_DIR=os.environ["SOURCIER_MODEL_CACHE_DIR"],
        SOURCIER_EMBEDDING_BACKEND=backend,
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    return env


def measure_server(backend: str, data_dir: Path, log: Path) -> dict[str, Any]:
    """Peak RSS of a real server answering every gold question once, after its warm-up."""
    import httpx

    from bench.query_latency import free_port, vm_hwm_mb, wait_idle

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "sourcier_cli",
        "serve",
        "--no-ui",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=backend_env(backend, data_dir), stdout=out, stderr=subprocess.STDOUT, cwd=REPO
        )
    try:
        ready_s = None
        while time.perf_counter() - started < 300:
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    ready_s = time.perf_counter() - started
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        if ready_s is None:
            raise TimeoutError(f"server not ready in 300 s:\n{log.read_text()[-3000:]}")
        wait_idle(process.pid)
        with httpx.Client(base_url=url, timeout=60) as client:
            for row in gold_questions():
                response = client.post(
                    "/ask", json={"question": row["question"], "history": row.get("history") or []}
                )
                response.raise_for_status()
        rss = int(Path(f"/proc/{process.pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        return {
            "ready_s": round(ready_s, 2),
            "rss_peak_mb": round(vm_hwm_mb(process.pid), 1),
            "rss_end_mb": round(rss / 2**20, 1),
        }
    finally:
        stop_process(process, grace_s=20)


def measure_cold_ask(backend: str, data_dir: Path, runs: int) -> dict[str, Any]:
    """Wall seconds of the whole ``sourcier ask`` command, median of ``runs`` (one warm-up run)."""
    command = [sys.executable, "-m", "sourcier_cli", "ask", QUESTION]
    times = []
    for attempt in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(
            command, env=backend_env(backend, data_dir), capture_output=True, text=True, cwd=REPO
        )
        if done.returncode != 0:
            raise RuntimeError(f"sourcier ask failed ({done.returncode}):\n{done.stderr[-3000:]}")
        if attempt:  # the first run warms the page cache
            times.append(time.perf_counter() - started)
    return {"runs": runs, "median_s": round(statistics.median(times), 2), "min_s": round(min(times), 2)}


def measure_eval(backend: str, work: Path, suites: list[str] | None) -> dict[str, Any]:
    """``sourcier eval`` of ``suites`` (default: every built-in suite), gold and held-out sets,
    each on a fresh index built with ``backend``: each report's figures and 95% intervals."""
    reports = work / "reports"
    selected: list[str | None] = list(suites) if suites else [None]
    for suite in selected:
        command = [sys.executable, "-m", "sourcier_cli", "eval", "--report-dir", str(reports)]
        command += ["--suite", suite] if suite else []
        env = backend_env(backend, work / "data")
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
        if done.returncode not in (0, 1):  # 1: a gate failed, the figures are still there
            raise RuntimeError(f"sourcier eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
    results = {}
    for path in sorted(reports.glob("*/eval-report.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        intervals = {k: v for k, v in report["intervals"].items() if isinstance(v, list)}
        results[path.parent.name] = {
            "questions": report["meta"].get("questions"),
            "metrics": {
                k: round(float(v), 4)
                for k, v in report["metrics"].items()
                if (k in intervals or k in HEADLINE) and isinstance(v, (int, float))
            },
            "intervals": {k: [round(float(v[0]), 4), round(float(v[1]), 4)] for k, v in intervals.items()},
        }
    if not results:
        raise RuntimeError(f"sourcier eval wrote no report under {reports}")
    return results


def outside_intervals(candidate: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """The candidate's figures outside the reference run's 95% intervals (figures without an
    interval, the verifier's, must be equal)."""
    outside = []
    for name, value in candidate["metrics"].items():
        same = reference["metrics"].get(name)
        low, high = reference["intervals"].get(name, [same, same])
        if low is None or not low - 1e-9 <= value <= high + 1e-9:
            outside.append(name)
    return outside


def distribution_mb(names: tuple[str, ...]) -> dict[str, float]:
    """Size on disk of each installed distribution's files (absent ones left out)."""
    sizes: dict[str, float] = {}
    for name in names:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            continue
        total = 0
        for file in files:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
        sizes[name] = round(total / 2**20, 1)
    return sizes


def install_sizes(model_cache: Path) -> dict[str, Any]:
    torch_stack = distribution_mb(TORCH_STACK)
    onnx_stack = distribution_mb(ONNX_STACK)
    exported = model_cache / "multilingual-e5-small-onnx-int8"
    return {
        "torch_stack_mb": torch_stack,
        "onnx_stack_mb": onnx_stack,
        "torch_stack_total_mb": round(sum(torch_stack.values()), 1),
        "onnx_stack_total_mb": round(sum(onnx_stack.values()), 1),
        "fp32_model_folder_mb": round(
            sum(p.stat().st_size for p in (model_cache / "multilingual-e5-small").rglob("*") if p.is_file())
            / 2**20,
            1,
        ),
        "int8_onnx_folder_mb": round(
            sum(p.stat().st_size for p in exported.rglob("*") if p.is_file()) / 2**20, 1
        )
        if exported.is_dir()
        else None,
    }


# --- orchestration --------------------------------------------------------------------------


def run_speed(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    docs = read_corpus(args.corpus)
    results: dict[str, Any] = {"sample": args.sample, "backends": {}, "load_avg": []}
    sample_dir = materialise(sample_docs(docs, args.sample), work / "sample-docs")
    articles_dir = materialise([], work / "articles-docs")
    for backend in args.backends:
        results["load_avg"].append(round(os.getloadavg()[0], 1))
        print(f"[{backend}] ingestion of the articles and a {args.sample:.0%} sample…", flush=True)
        ingest = run_worker(
            "bench.embedding_backends",
            [
                "--worker",
                "ingest",
                "--backend",
                backend,
                "--docs",
                str(sample_dir),
                "--data",
                str(work / f"{backend}-sample"),
            ],
        )
        articles = work / f"{backend}-articles"
        run_worker(
            "bench.embedding_backends",
            [
                "--worker",
                "ingest",
                "--backend",
                backend,
                "--docs",
                str(articles_dir),
                "--data",
                str(articles),
            ],
        )
        print(f"[{backend}] query embedding and in-process ask…", flush=True)
        queries = run_worker(
            "bench.embedding_backends", ["--worker", "queries", "--backend", backend, "--data", str(articles)]
        )
        print(f"[{backend}] server…", flush=True)
        server = measure_server(backend, articles, work / f"{backend}-server.log")
        print(f"[{backend}] cold `sourcier ask`…", flush=True)
        cold = measure_cold_ask(backend, articles, args.runs)
        results["backends"][backend] = {
            "ingest": ingest,
            "queries": queries,
            "server": server,
            "cold_ask": cold,
        }
        print(json.dumps(results["backends"][backend], indent=1), flush=True)
    results["load_avg"].append(round(os.getloadavg()[0], 1))
    results["install"] = install_sizes(Path(os.environ["SOURCIER_MODEL_CACHE_DIR"]))
    if set(BACKENDS) <= set(results["backends"]):
        torch, onnx = results["backends"]["torch"], results["backends"]["onnx-int8"]
        results["onnx_vs_torch"] = {
            "ingest_chunks_per_s": round(onnx["ingest"]["chunks_per_s"] / torch["ingest"]["chunks_per_s"], 2),
            "ingest_chunks_per_cpu_s": round(
                onnx["ingest"]["chunks_per_cpu_s"] / torch["ingest"]["chunks_per_cpu_s"], 2
            ),
            "query_embedding_p50": round(
                onnx["queries"]["query_embedding_ms"]["p50"] / torch["queries"]["query_embedding_ms"]["p50"],
                2,
            ),
            "ask_p50": round(onnx["queries"]["ask_ms"]["p50"] / torch["queries"]["ask_ms"]["p50"], 2),
            "server_rss_peak": round(onnx["server"]["rss_peak_mb"] / torch["server"]["rss_peak_mb"], 2),
            "cold_ask": round(onnx["cold_ask"]["median_s"] / torch["cold_ask"]["median_s"], 2),
        }
    return results


def run_quality(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"suites": args.suites or "all", "backends": {}, "load_avg": []}
    for backend in args.backends:
        results["load_avg"].append(round(os.getloadavg()[0], 1))
        print(f"[{backend}] sourcier eval ({args.suites or 'every suite'}, gold and held-out)…", flush=True)
        results["backends"][backend] = measure_eval(backend, work / f"{backend}-eval", args.suites)
    results["load_avg"].append(round(os.getloadavg()[0], 1))
    if set(BACKENDS) <= set(results["backends"]):
        torch, onnx = results["backends"]["torch"], results["backends"]["onnx-int8"]
        results["onnx_outside_torch_intervals"] = {
            name: outside_intervals(onnx[name], torch[name]) for name in torch if name in onnx
        }
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", choices=("speed", "quality"), default=["speed", "quality"])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=float, default=0.01, help="fraction of the bench corpus to ingest")
    parser.add_argument("--runs", type=int, default=3, help="cold `sourcier ask` runs per backend")
    parser.add_argument(
        "--suites", nargs="+", help="eval suites for --part quality (default: every built-in one)"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--worker", choices=("ingest", "queries"), help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    setup_env()
    if args.worker == "ingest":
        emit(worker_ingest(args.backend, args.docs, args.data))
        return
    if args.worker == "queries":
        emit(worker_queries(args.backend, args.data))
        return
    if "speed" in args.part and not args.corpus.is_file():
        parser.error(f"no bench corpus at {args.corpus} (--corpus)")
    with working_dir(args.workdir, "sourcier-backends-") as work:
        for part in args.part:
            results = (
                run_speed(args, work / "speed") if part == "speed" else run_quality(args, work / "quality")
            )
            name = "embedding_backends"
            if part == "quality":  # one results file per choice of suites: runs can be split up
                name += "_quality" + (f"_{'_'.join(args.suites)}" if args.suites else "")
            path = write_result(name, results)
            print(f"results: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


if __name__ == "__main__":
    main()
