"""``sourcier eval``: run the eval suites, print and write their reports, optionally gate or calibrate.

Each suite (``eval.suite``) is evaluated on an index of its own, built from its documents in a
fresh temporary directory: the figures never depend on what a user ingested into ``.sourcier``.
Its tuning set is gated by its ``gate.toml``; its held-out set is reported beside it.

Exit codes: 0 done (and every gate passed, with ``--gate``), 1 a gate failed, 2 the eval could
not run (configuration, suite, question set or gate file problem).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eval import harness
from eval.dataset import GoldQuestion, GoldSetError, load_gold, locate_passages
from eval.gate import GateCheck, GateConfigError, check, load_thresholds
from eval.report import print_summary, write_all
from eval.suite import Suite, SuiteError, builtin_suites, find_suite
from server.engine.config import AnswerConfig
from server.engine.generative import Generator
from server.engine.service import Sourcier, generator_from_settings
from sourcier.config import Settings
from sourcier.embedding import Embedder


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sourcier eval",
        description="Grounding eval of every built-in suite (or one): retrieval, citations, "
        "groundedness, answer correctness, abstention, and a self-test of the verifier. Each suite "
        "runs on a fresh index of its own documents.",
    )
    parser.add_argument(
        "--suite",
        action="append",
        default=None,
        help="a built-in suite's name or a suite folder (suite.toml, documents/, gold.jsonl, "
        "holdout.jsonl, gate.toml); repeat it for several; default: every built-in suite",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="run up to N suites at once, each in a process of its own with its share of "
        "SOURCIER_NUM_THREADS (on 2 cores, 2 jobs finish the built-in suites sooner than 1)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports/eval"),
        help="where reports go: <dir>/<suite>/ and <dir>/<suite>-holdout/ (with --gold: <dir>/)",
    )
    parser.add_argument("--gate", action="store_true", help="exit 1 when a metric is below its minimum")
    parser.add_argument(
        "--config", type=Path, default=None, help="gate thresholds (TOML; default: the suite's)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="build the suite's index here and keep it (several suites: DIR/<suite>; default: a "
        "temporary directory, removed after)",
    )
    parser.add_argument(
        "--gold", type=Path, default=None, help="only this question set (JSONL), on the suite's documents"
    )
    parser.add_argument(
        "--answerer",
        choices=("extractive", "generative", "random"),
        default="extractive",
        help="extractive (default), generative (needs SOURCIER_LLM_*), random (a deliberately bad one)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the corruptions, the random answerer and --sample"
    )
    parser.add_argument(
        "--sample", type=int, default=None, help="evaluate N questions of each set (seeded sample)"
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="also sweep abstention, ranking and verifier thresholds"
    )
    return parser.parse_args(list(argv))


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """One set of questions to evaluate, where its report goes, and its gate: the report always
    shows the gate's checks; only a ``gated`` set fails the run with ``--gate``."""

    label: str
    path: Path
    report_dir: Path
    thresholds: dict[str, float]
    gate_path: Path
    gated: bool = True


def plan(args: argparse.Namespace) -> list[tuple[Suite, list[QuestionSet]]]:
    """The suites to run and, for each, its question sets (gate files read now: errors exit 2)."""
    suites = [find_suite(name) for name in args.suite] if args.suite else builtin_suites()
    if args.gold and not args.suite:
        suites = [find_suite("articles")]
    if not suites:
        raise SuiteError("no suite to run")
    if len({s.name for s in suites}) < len(suites):
        raise SuiteError("two suites have the same name: their reports would overwrite each other")
    if len(suites) > 1 and args.gold:
        raise SuiteError("--gold applies to one suite: give one --suite")
    planned = []
    for suite in suites:
        gate_path = args.config or suite.gate
        thresholds = load_thresholds(gate_path)
        if args.gold:
            sets = [QuestionSet(args.gold.name, args.gold, args.report_dir, thresholds, gate_path)]
        else:
            sets = [QuestionSet("tuning", suite.gold, args.report_dir / suite.name, thresholds, gate_path)]
            if suite.holdout is not None:
                holdout_dir = args.report_dir / f"{suite.name}-holdout"
                sets.append(QuestionSet("holdout", suite.holdout, holdout_dir, thresholds, gate_path, False))
        planned.append((suite, sets))
    return planned


def sample(questions: list[GoldQuestion], n: int | None, seed: int) -> list[GoldQuestion]:
    """``n`` questions drawn with ``seed`` (all of them when ``n`` is None or not smaller)."""
    if n is None or n >= len(questions):
        return questions
    picked = set(random.Random(seed).sample(range(len(questions)), n))
    return [q for i, q in enumerate(questions) if i in picked]


def main(argv: Sequence[str]) -> int:
    """Entry point of ``sourcier eval`` (returns the exit code)."""
    args = parse_args(argv)
    console = Console(stderr=True)
    out = Console()
    from pydantic import ValidationError

    from sourcier.embedding import load_embedder
    from sourcier.runtime import configure_runtime
    from sourcier.store import StoreError

    configure_runtime()
    try:
        if args.sample is not None and args.sample < 1:
            raise SuiteError("--sample must be at least 1")
        if args.jobs < 1:
            raise SuiteError("--jobs must be at least 1")
        planned = plan(args)
        for _, sets in planned:
            for s in sets:
                load_gold(s.path)
        settings = Settings()
    except (SuiteError, GateConfigError, GoldSetError, ValidationError, OSError) as error:
        console.print(f"[red]error:[/red] {error}")
        return 2
    if args.answerer == "generative" and not (settings.llm_base_url and settings.llm_model):
        console.print(
            "[red]error:[/red] --answerer generative needs SOURCIER_LLM_BASE_URL and SOURCIER_LLM_MODEL"
        )
        return 2
    if args.jobs > 1 and len(planned) > 1:
        return _run_in_processes(args, [suite for suite, _ in planned], settings, console, out)
    with console.status("Loading the embedding model…"):
        embedder = load_embedder(settings)
    codes = []
    for suite, sets in planned:
        try:
            data_dir = suite_data_dir(args.data_dir, suite, len(planned))
            with suite_service(settings, embedder, suite, data_dir, console) as service:
                codes.append(max(_run(args, suite, s, service, console, out) for s in sets))
        except (StoreError, RuntimeError, OSError) as error:
            console.print(f"[red]error:[/red] suite {suite.name}: cannot build its index: {error}")
            return 2
        except (GoldSetError, GateConfigError) as error:
            console.print(f"[red]error:[/red] suite {suite.name}: {error}")
            return 2
    return max(codes)


def suite_data_dir(data_dir: Path | None, suite: Suite, suites: int) -> Path | None:
    """Where ``--data-dir`` keeps a suite's index: the folder itself for one suite, a folder per
    suite in it for several (one index of all their documents would mix their corpora)."""
    if data_dir is None or suites == 1:
        return data_dir
    return data_dir / suite.name


def _run_in_processes(
    args: argparse.Namespace, suites: list[Suite], settings: Settings, console: Console, out: Console
) -> int:
    """``--jobs N``: each suite in a ``sourcier eval`` process of its own (``eval.parallel``), its
    output printed in one block as it ends; the exit code is the worst of theirs."""
    from eval.parallel import SuiteRun, run_suites, threads_per_job

    jobs = min(args.jobs, len(suites))
    threads = threads_per_job(settings.num_threads, jobs)
    console.print(
        f"Evaluating {len(suites)} suites, {jobs} at a time, {threads} thread(s) each: "
        + ", ".join(s.name for s in suites)
    )

    def done(run: SuiteRun, finished: int) -> None:
        out.rule(f"suite {run.suite.name}: exit {run.code} after {run.seconds:.0f} s")
        out.print(run.output, end="", markup=False, highlight=False, soft_wrap=True)
        console.print(f"{finished}/{len(suites)} suites done ({run.suite.name}: exit {run.code})")

    runs = run_suites(args, suites, jobs, threads, done, width=out.width)
    return max(run.code for run in runs)


@contextmanager
def suite_service(
    settings: Settings,
    embedder: Embedder,
    suite: Suite,
    data_dir: Path | None,
    console: Console,
    generator: Generator | None = None,
) -> Iterator[Sourcier]:
    """The service over an index of the suite's documents alone, built in ``data_dir`` (kept) or
    in a temporary directory (removed afterwards); its language model is ``generator`` if given,
    else the configured one."""
    from sourcier.store import open_store

    folder = data_dir or Path(tempfile.mkdtemp(prefix=f"sourcier-eval-{suite.name}-"))
    local = settings.model_copy(
        update={"data_dir": folder, "model_cache_dir": settings.models_dir, "qdrant_url": None}
    )
    store = open_store(local)
    try:
        service = Sourcier(local, store, embedder, generator or generator_from_settings(local))
        with console.status(f"Suite {suite.name}: indexing {suite.documents} into {folder}…"):
            report = service.ingest([suite.documents])
        if not report.ok:
            raise RuntimeError(f"ingesting {suite.documents} failed: {report.failed}")
        console.print(f"Suite [bold]{suite.name}[/bold]: {report.files} documents indexed into {folder}")
        yield service
    finally:
        store.close()
        if data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def _run(
    args: argparse.Namespace,
    suite: Suite,
    question_set: QuestionSet,
    service: Sourcier,
    console: Console,
    out: Console,
) -> int:
    started = time.perf_counter()
    questions = sample(load_gold(question_set.path), args.sample, args.seed)
    documents = {r.document.id: r.document.text for r in service.store.list_documents()}
    gold = locate_passages(questions, documents)
    config: AnswerConfig = service.config.replace(
        answerer="generative" if args.answerer == "generative" else "extractive"
    )
    engine = service.engine
    if args.answerer == "random":
        answerer = harness.random_answerer(documents, args.seed)
    else:
        answerer = harness.engine_answerer(engine, config)
    out.rule(f"{suite.name} — {question_set.label} ({len(questions)} questions)")
    with Progress(
        TextColumn("[bold]Evaluating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(questions))
        result = harness.evaluate(
            engine,
            config,
            questions,
            gold,
            documents,
            answerer,
            args.answerer,
            seed=args.seed,
            on_question=lambda q: progress.update(task, advance=1, description=q.id),
        )
    gated = question_set.gated
    checks: list[GateCheck] = check(result.metrics, question_set.thresholds)
    calibration: dict[str, Any] | None = None
    calibration_md: str | None = None
    if args.calibrate and gated:
        from eval.calibrate import calibrate

        with console.status("Calibrating…") as status:
            calibration, calibration_md = calibrate(
                engine,
                config,
                result,
                questions,
                gold,
                documents,
                args.seed,
                lambda text: status.update(f"Calibrating: {text}…"),
            )
        out.print(calibration_md, markup=False, highlight=False)
    meta = {
        "suite": suite.name,
        "answerer": args.answerer,
        "questions": len(questions),
        "index": f"{suite.documents} indexed into a fresh index",
        "gold set": str(question_set.path),
        "gate config": f"{question_set.gate_path}{'' if gated else ' (reported, not gated)'}",
        "settings": config.describe(),
        "seed": args.seed,
        "sample": args.sample,
        "threads": service.settings.num_threads,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print_summary(out, result, checks)
    paths = write_all(question_set.report_dir, result, checks, meta, calibration, calibration_md)
    console.print("Reports: " + ", ".join(str(p) for p in paths.values()))
    failing = [g for g in checks if not g.passed]
    if args.gate and gated and failing:
        for g in failing:
            console.print(
                f"[red]gate {suite.name}:[/red] {g.metric} = {g.value:.3f} < minimum {g.minimum:.2f}"
            )
        return 1
    if args.gate and gated:
        console.print(f"[green]gate {suite.name} passed[/green]")
    return 0
