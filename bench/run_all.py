"""Every benchmark in one run, then the summary page.

    python -m bench.run_all --corpus ../shared/bench-corpus/debian_fr_docs.jsonl.gz --sample 0.01 0.1

1. ``bench.ingest_throughput``: the 2 bundled articles and each sample, all four variants
   (floor, ours-edge, ours-qdrant, llamaindex); for samples of 10% and more only
   ``--large-variants`` (default: ours-edge and llamaindex, whose indexes the query and quality
   benchmarks need; the floor and qdrant ratios come from the smaller sizes) to stay near 15
   minutes on 2 idle cores. ``ours-edge`` is profiled (pyinstrument, 10 ms sampling).
2. ``bench.query_latency`` on every size's indexes (HTTP server, Python API, floor, llama-index).
3. ``bench.quality`` on every size.
4. optionally ``bench.store_scale`` (another benchmark, raw store speed on synthetic points),
   its output kept in ``bench/results/store_scale.txt`` for the scale plan.
5. ``bench.summary`` → ``docs/benchmarks.md`` and ``docs/benchmarks.png``.

Indexes go to a temporary directory unless ``--workdir`` is given (then they are kept).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.common import DEFAULT_CORPUS, REPO, RESULTS, setup_env, working_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=float, nargs="*", default=[0.01, 0.1])
    parser.add_argument(
        "--large-variants",
        nargs="+",
        default=["ours-edge", "llamaindex"],
        help="ingestion variants for samples of 10%% and more",
    )
    parser.add_argument("--allow-large", action="store_true", help="permit samples above 0.5 (hours)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--store-scale",
        type=int,
        nargs="*",
        default=None,
        help="also run bench.store_scale with these --points (e.g. 10000 100000) and keep its output",
    )
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--skip-ingest",
        action="store_true",
        help="reuse the indexes and bench/results/ingest_throughput.json of an earlier run (needs --workdir)",
    )
    args = parser.parse_args(argv)
    setup_env()

    from bench import ingest_throughput, quality, query_latency, summary

    started = time.perf_counter()
    steps: dict[str, float] = {}
    with working_dir(args.workdir, "bench-all-") as workdir:
        print(f"== ingestion (workdir {workdir})", flush=True)
        ingest_args = ["--corpus", str(args.corpus), "--workdir", str(workdir), "--sample"]
        ingest_args += [str(s) for s in args.sample]
        ingest_args += ["--large-variants", *args.large_variants]
        if args.allow_large:
            ingest_args.append("--allow-large")
        if not args.no_profile:
            ingest_args += ["--profile", str(workdir / "profiles")]
        t = time.perf_counter()
        if args.skip_ingest:
            if args.workdir is None:
                parser.error("--skip-ingest needs the --workdir of an earlier run")
            print("(skipped: reusing the indexes)", flush=True)
            earlier = json.loads((RESULTS / "ingest_throughput.json").read_text(encoding="utf-8"))
            steps["ingest_throughput (earlier run, workers only)"] = sum(
                v.get("wall_s", 0) for e in earlier["sizes"].values() for v in e["variants"].values()
            )
        else:
            ingest_throughput.main(ingest_args)
            steps["ingest_throughput"] = time.perf_counter() - t

        print("== query latency", flush=True)
        query_args = ["--workdir", str(workdir), "--clients", str(args.clients)]
        if not args.no_profile:
            query_args += ["--profile", str(workdir / "profiles")]
        t = time.perf_counter()
        query_latency.main(query_args)
        steps["query_latency"] = time.perf_counter() - t

        print("== quality", flush=True)
        t = time.perf_counter()
        quality.main(["--workdir", str(workdir)])
        steps["quality"] = time.perf_counter() - t

        if args.store_scale:
            print("== store scale (bench.store_scale)", flush=True)
            t = time.perf_counter()
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.store_scale",
                    "--points",
                    *map(str, args.store_scale),
                    "--optimize",
                ],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
            )
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / "store_scale.txt").write_text(out.stdout, encoding="utf-8")
            print(out.stdout)
            steps["store_scale"] = time.perf_counter() - t
    seconds = (
        time.perf_counter() - started + (steps.get("ingest_throughput (earlier run, workers only)", 0.0))
    )
    command = "python -m bench.run_all " + " ".join(argv if argv is not None else sys.argv[1:])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "run_all.json").write_text(
        json.dumps(
            {
                "command": command,
                "seconds": round(seconds, 1),
                "steps_s": {k: round(v, 1) for k, v in steps.items()},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    summary.main()
    print(f"done in {seconds / 60:.1f} min")


if __name__ == "__main__":
    main()
