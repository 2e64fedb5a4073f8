"""The ``sourcier`` command: ingest, ask, serve, ui, eval.

Heavy imports (torch, the store engines, FastAPI, Gradio) happen inside the commands so that
``sourcier --help`` answers at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sourcier.config import Settings

app = typer.Typer(
    name="sourcier",
    help="French question answering that cites a source span for every sentence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()


def _settings() -> Settings:
    from pydantic import ValidationError

    from sourcier.runtime import configure_runtime

    configure_runtime()
    try:
        return Settings()
    except ValidationError as error:
        console.print(f"[red]Invalid configuration (SOURCIER_* variables):[/red]\n{error}")
        raise typer.Exit(2) from error


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories (default: the bundled corpus).")
    ] = None,
    prune: Annotated[bool, typer.Option(help="Remove documents whose source file no longer exists.")] = False,
) -> None:
    """Read, clean, chunk, embed and index French articles (.txt, .md, .html). Idempotent."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.loaders import discover
    from ingest.pipeline import Ingestor
    from sourcier.embedding import load_embedder
    from sourcier.store import StoreError, open_store

    settings = _settings()
    targets = paths or [settings.corpus_dir]
    total = sum(1 for _ in discover(targets))
    try:
        store = open_store(settings)
    except StoreError as error:
        raise _fail(str(error)) from error
    try:
        with console.status("Loading the embedding model…"):
            embedder = load_embedder(settings)
        ingestor = Ingestor(store, embedder, settings)
        with Progress(
            TextColumn("[bold]Ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
        ) as progress:
            task = progress.add_task("", total=total)
            report = ingestor.ingest(
                targets,
                prune=prune,
                progress=lambda name, done: progress.update(task, completed=done, description=name),
            )
    except StoreError as error:
        raise _fail(str(error)) from error
    finally:
        store.close()
    table = Table(title="Ingestion summary", show_header=True)
    for column in (
        "files",
        "added",
        "updated",
        "unchanged",
        "removed",
        "failed",
        "chunks written",
        "seconds",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(v)
            for v in (
                report.files,
                report.added,
                report.updated,
                report.unchanged,
                report.removed,
                len(report.failed),
                report.chunks_written,
            )
        ),
        f"{report.seconds:.1f}",
    )
    out.print(table)
    for path, reason in report.failed:
        console.print(f"[red]failed:[/red] {path}: {reason}")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in French.")],
    top_k: Annotated[int | None, typer.Option(min=1, max=50, help="Chunks to retrieve.")] = None,
    document: Annotated[list[str] | None, typer.Option(help="Only this document id (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full JSON response.")] = False,
) -> None:
    """Answer one question from the index and print the answer with its citations."""
    from pydantic import ValidationError

    from server.api.schemas import AskRequest, AskResponse, Filters
    from server.engine.service import QuestionTooLongError, Sourcier
    from sourcier.store import StoreError

    settings = _settings()
    try:
        request = AskRequest(
            question=question, top_k=top_k, filters=Filters(document_ids=document) if document else None
        )
    except ValidationError as error:
        raise _fail("; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())) from error
    try:
        with console.status("Loading…"):
            service = Sourcier.from_settings(settings)
        try:
            answer = service.ask(request.to_engine(), request.config(service.config))
        finally:
            service.close()
    except (StoreError, QuestionTooLongError) as error:
        raise _fail(str(error)) from error
    response = AskResponse.from_engine(answer)
    if as_json:
        out.print_json(json.dumps(response.model_dump(), ensure_ascii=False))
        return
    out.print(response.answer, highlight=False)
    for sentence in response.sentences:
        if sentence.confident is False:
            console.print(
                f"[yellow]À vérifier : « {sentence.text} » l'emporte de peu sur un autre passage.[/yellow]"
            )
            if sentence.alternative is not None:
                alt = sentence.alternative
                out.print(
                    f"    à comparer avec {alt.document_id} [{alt.start}:{alt.end}] « {alt.quote} »",
                    highlight=False,
                )
    if response.notice:
        console.print(f"[yellow]{response.notice}[/yellow]")
    for citation in response.citations:
        out.print(
            f"[bold][{citation.n}][/bold] {citation.title} ({citation.date or 'sans date'}) — "
            f"{citation.document_id} [{citation.start}:{citation.end}]\n    « {citation.quote} »",
            highlight=False,
        )
    console.print(f"[dim]{response.timings_ms.total:.0f} ms[/dim]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default SOURCIER_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SOURCIER_PORT, 8000).")] = None,
    ui: Annotated[bool, typer.Option(help="Mount the Gradio chat at /ui.")] = True,
) -> None:
    """Serve the HTTP API (and the chat at /ui) on the ingested index."""
    import uvicorn

    from sourcier_cli.serving import build_app

    settings = _settings()
    host, port = host or settings.host, port or settings.port
    console.print(f"Sourcier on http://{host}:{port}  (API docs: /docs{', chat: /ui' if ui else ''})")
    uvicorn.run(build_app(settings, with_ui=ui), host=host, port=port, log_level="info")


@app.command(name="ui")
def ui_command(
    host: Annotated[str | None, typer.Option(help="Interface.")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 7860).")] = None,
) -> None:
    """Run the Gradio chat on its own (no HTTP API)."""
    from ui.app import launch

    settings = _settings()
    launch(settings, host or settings.host, port or 7860)


@app.command(
    name="eval",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)
def eval_command(ctx: typer.Context) -> None:
    """Run the grounding eval (see `sourcier eval --help`)."""
    from eval.runner import main

    _settings()
    raise typer.Exit(main(ctx.args))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
