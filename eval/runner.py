"""``sourcier eval``: run the gold set, print and write the report, optionally gate or calibrate.

Exit codes: 0 done (and the gate passed, with ``--gate``), 1 the gate failed, 2 the eval could
not run (configuration, store, gold set or gate file problem).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eval import harness
from eval.dataset import GOLD_PATH, GoldSetError, gold_document_ids, load_gold, locate_passages
from eval.gate import DEFAULT_CONFIG, GateCheck, GateConfigError, check, load_thresholds
from eval.report import print_summary, write_all


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sourcier eval",
        description="Grounding eval on the French gold set: retrieval, citations, groundedness, "
        "answer correctness, abstention, and a self-test of the verifier.",
    )
    parser.add_argument("--report-dir", type=Path, default=Path("reports/eval"), help="where reports go")
    parser.add_argument("--gate", action="store_true", help="exit 1 when a metric is below its minimum")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="gate thresholds (TOML)")
    parser.add_argument("--data-dir", type=Path, default=None, help="index location (else SOURCIER_DATA_DIR)")
    parser.add_argument("--gold", type=Path, default=GOLD_PATH, help="gold set (JSONL)")
    parser.add_argument(
        "--answerer",
        choices=("extractive", "generative", "random"),
        default="extractive",
        help="extractive (default), generative (needs SOURCIER_LLM_*), random (a deliberately bad one)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the corruptions and the random answerer")
    parser.add_argument(
        "--calibrate", action="store_true", help="also sweep abstention, ranking and verifier thresholds"
    )
    return parser.parse_args(list(argv))


def open_service(settings: Any, needed: set[str], console: Console) -> tuple[Any, str, Path | None]:
    """The service over ``settings``' index; when it lacks the gold documents (e.g. a fresh
    checkout), over the bundled corpus ingested into a temporary data dir instead."""
    from ingest.pipeline import Ingestor
    from server.engine.service import Sourcier
    from sourcier.config import BUNDLED_CORPUS
    from sourcier.store import open_store

    with console.status("Loading the index and the embedding model…"):
        service = Sourcier.from_settings(settings)
    present = {r.document.id for r in service.store.list_documents()}
    if needed <= present:
        return (
            service,
            f"index at {settings.data_dir if settings.store_mode == 'edge' else settings.qdrant_url}",
            None,
        )
    service.store.close()
    temp = Path(tempfile.mkdtemp(prefix="sourcier-eval-"))
    console.print(
        f"[yellow]The index at {settings.data_dir} lacks the gold set's documents "
        f"({len(needed - present)} missing): ingesting the bundled corpus into {temp} for this run.[/yellow]"
    )
    fresh = settings.model_copy(
        update={"data_dir": temp, "model_cache_dir": settings.models_dir, "qdrant_url": None}
    )
    store = open_store(fresh)
    with console.status("Ingesting the bundled corpus…"):
        report = Ingestor(store, service.embedder, fresh).ingest([BUNDLED_CORPUS])
    if not report.ok:
        store.close()
        raise RuntimeError(f"ingesting the bundled corpus failed: {report.failed}")
    return (
        Sourcier(fresh, store, service.embedder, service.generator),
        f"bundled corpus ingested into {temp}",
        temp,
    )


def main(argv: Sequence[str]) -> int:
    """Entry point of ``sourcier eval`` (returns the exit code)."""
    args = parse_args(argv)
    console = Console(stderr=True)
    out = Console()
    from pydantic import ValidationError

    from sourcier.config import Settings
    from sourcier.runtime import configure_runtime
    from sourcier.store import StoreError

    configure_runtime()
    try:
        thresholds = load_thresholds(args.config)
        questions = load_gold(args.gold)
        settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    except (GateConfigError, GoldSetError, ValidationError, OSError) as error:
        console.print(f"[red]error:[/red] {error}")
        return 2
    started = time.perf_counter()
    try:
        service, index_note, temp = open_service(settings, gold_document_ids(questions), console)
    except (StoreError, RuntimeError, OSError) as error:
        console.print(f"[red]error:[/red] cannot open the index: {error}")
        return 2
    try:
        if args.answerer == "generative" and service.generator is None:
            console.print(
                "[red]error:[/red] --answerer generative needs SOURCIER_LLM_BASE_URL and SOURCIER_LLM_MODEL"
            )
            return 2
        return _run(args, service, questions, thresholds, index_note, started, console, out)
    except (GoldSetError, GateConfigError) as error:
        console.print(f"[red]error:[/red] {error}")
        return 2
    finally:
        service.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _run(
    args: argparse.Namespace,
    service: Any,
    questions: list[Any],
    thresholds: dict[str, float],
    index_note: str,
    started: float,
    console: Console,
    out: Console,
) -> int:
    documents = {r.document.id: r.document.text for r in service.store.list_documents()}
    gold = locate_passages(questions, documents)
    if args.answerer == "random":
        answerer = harness.random_answerer(documents, args.seed)
    else:
        answerer = harness.service_answerer(service, use_generator=args.answerer == "generative")
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
            service,
            questions,
            gold,
            documents,
            answerer,
            args.answerer,
            seed=args.seed,
            on_question=lambda q: progress.update(task, advance=1, description=q.id),
        )
    checks: list[GateCheck] = check(result.metrics, thresholds)
    calibration: dict[str, Any] | None = None
    calibration_md: str | None = None
    if args.calibrate:
        from eval.calibrate import calibrate

        with console.status("Calibrating…") as status:
            calibration, calibration_md = calibrate(
                service,
                result,
                questions,
                gold,
                documents,
                args.seed,
                lambda text: status.update(f"Calibrating: {text}…"),
            )
        out.print(calibration_md, markup=False, highlight=False)
    s = service.settings
    meta = {
        "answerer": args.answerer,
        "questions": len(questions),
        "index": index_note,
        "gold set": str(args.gold),
        "gate config": str(args.config),
        "settings": f"top_k={s.top_k}, abstain_min_dense={s.abstain_min_dense}, "
        f"answer_max_sentences={s.answer_max_sentences}, weights={service.weights}",
        "seed": args.seed,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print_summary(out, result, checks)
    paths = write_all(args.report_dir, result, checks, meta, calibration, calibration_md)
    console.print("Reports: " + ", ".join(str(p) for p in paths.values()))
    failing = [g for g in checks if not g.passed]
    if args.gate and failing:
        for g in failing:
            console.print(f"[red]gate:[/red] {g.metric} = {g.value:.3f} < minimum {g.minimum:.2f}")
        return 1
    if args.gate:
        console.print("[green]gate passed[/green]")
    return 0
