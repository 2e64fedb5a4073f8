"""The ``sourcier`` command: ingest, ask, serve, ui, eval, model.

Heavy imports (torch, the store engines, FastAPI, Gradio) happen inside the commands so that
``sourcier --help`` answers at once.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sourcier import validation_fr
from sourcier.config import Settings

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport
    from server.api.schemas import AskRequest, AskResponse
    from sourcier.store import VectorStore

app = typer.Typer(
    name="sourcier",
    help="Répondre à des questions en français, chaque phrase citant le passage exact de sa source.",
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
        problems = validation_fr.describe(error.errors(), place=_variable, separator="\n  ")
        console.print(
            f"[red]Configuration invalide (variables SOURCIER_*) :[/red]\n  {problems}", highlight=False
        )
        raise typer.Exit(2) from error


def _variable(error: Mapping[str, Any]) -> str:
    """The environment variable a settings error is about, and the value it was given."""
    loc = error.get("loc", ())
    name = f"SOURCIER_{str(loc[0]).upper()}" if loc else "SOURCIER_*"
    given = error.get("input")
    return name if given is None or isinstance(given, dict) else f"{name}={given!r}"


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]erreur :[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _server_url(settings: Settings, url: str | None) -> str | None:
    """The server to talk to: ``--url``, else ``SOURCIER_URL``, else the data directory's live
    ``sourcier serve`` (server.json), else None (open the store directly)."""
    from sourcier.server_discovery import running_server

    if url or settings.url:
        return url or settings.url
    found = running_server(settings.data_dir)
    return found.url if found else None


def _api_key(settings: Settings) -> str | None:
    return settings.api_key.get_secret_value() if settings.api_key else None


def _open_store_or_fail(settings: Settings) -> VectorStore:
    """Open the store before anything slow: a locked one is reported at once, in French."""
    from sourcier.store import StoreError, StoreLockedError, open_store

    try:
        return open_store(settings)
    except StoreLockedError as error:
        raise _fail(
            f"l'index {settings.edge_path} est utilisé par un autre processus Sourcier, et aucun serveur "
            f"n'a été trouvé pour passer par lui ({settings.data_dir / 'server.json'} absent ou sans "
            "réponse). Donnez son adresse avec --url ou SOURCIER_URL, ou arrêtez l'autre processus."
        ) from error
    except StoreError as error:
        raise _fail(str(error)) from error


_SUMMARY_COLUMNS = (
    "fichiers",
    "ajoutés",
    "mis à jour",
    "inchangés",
    "retirés",
    "échecs",
    "chunks écrits",
    "secondes",
)


def _print_summary(report: IngestReport) -> None:
    table = Table(title="Bilan de l'ingestion", show_header=True)
    for column in _SUMMARY_COLUMNS:
        table.add_column(column, justify="right")
    counts = (
        report.files,
        report.added,
        report.updated,
        report.unchanged,
        report.removed,
        len(report.failed),
        report.chunks_written,
    )
    table.add_row(*(str(v) for v in counts), f"{report.seconds:.1f}")
    out.print(table)
    for failure in report.failed:
        console.print(
            f"[red]échec :[/red] {escape(str(failure.path))} : {escape(failure.reason)}", highlight=False
        )


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Fichiers ou dossiers (par défaut : le corpus fourni).")
    ] = None,
    prune: Annotated[
        bool, typer.Option(help="Retirer les documents dont le fichier source n'existe plus.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Réindexer même ce qui n'a pas changé.")] = False,
    url: Annotated[
        str | None, typer.Option(help="Passer par ce serveur Sourcier (sinon SOURCIER_URL ou server.json).")
    ] = None,
) -> None:
    """Lire, nettoyer, découper, plonger et indexer des documents (.txt, .md, .html, .pdf, .docx).
    Idempotent. Passe par le serveur s'il tourne."""
    settings = _settings()
    targets = paths or [settings.corpus_dir]
    server = _server_url(settings, url)
    if server is not None:
        if prune:
            raise _fail(
                f"--prune ne passe pas par le serveur ({server}) : arrêtez-le, ou supprimez les "
                "documents avec DELETE /documents/{id}."
            )
        raise typer.Exit(_ingest_remote(settings, server, targets, force))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.loaders import discover
    from ingest.pipeline import Ingestor
    from sourcier.embedding import DeferredEmbedder, EmbeddingModelError, deferred_embedder
    from sourcier.store import StoreError

    total = sum(1 for _ in discover(targets))
    store = _open_store_or_fail(settings)
    try:
        # loaded when the first new or changed document is embedded: an unchanged folder never waits for it
        embedder = deferred_embedder(settings)
        ingestor = Ingestor(store, embedder, settings)
        with Progress(
            TextColumn("[bold]Ingestion"),
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
                force=force,
                progress=lambda name, done: progress.update(task, completed=done, description=name),
            )
    except (StoreError, EmbeddingModelError) as error:
        raise _fail(str(error)) from error
    finally:
        store.close()
    if isinstance(embedder, DeferredEmbedder):
        loaded = embedder.load_seconds
        console.print(
            f"[dim]Modèle de plongement chargé en {loaded:.1f} s[/dim]"
            if loaded is not None
            else "[dim]Rien de nouveau à plonger : modèle de plongement non chargé[/dim]"
        )
    _print_summary(report)
    raise typer.Exit(0 if report.ok else 1)


def _ingest_remote(settings: Settings, url: str, targets: list[Path], force: bool) -> int:
    """Upload every file to the running server; same summary and exit status as a local run."""
    from ingest.failures import MISSING_REASON, Failure, unsupported_reason
    from ingest.loaders import SUPPORTED_SUFFIXES, discover, document_id
    from ingest.pipeline import IngestReport
    from sourcier.remote import RemoteError, RemoteServer

    console.print(f"Serveur Sourcier trouvé : {url} (les fichiers lui sont envoyés)", highlight=False)
    report = IngestReport()
    started = time.perf_counter()
    with RemoteServer(url, _api_key(settings)) as server:
        for file, root in discover(targets):
            report.files += 1
            if not file.exists():
                report.failed.append(Failure(str(file), "file_missing", MISSING_REASON))
                continue
            if not file.is_file() or file.suffix.lower() not in SUPPORTED_SUFFIXES:
                report.failed.append(Failure(str(file), "unsupported_file", unsupported_reason(file.suffix)))
                continue
            try:
                change = server.upload(file, document_id(file, root), force=force)
            except RemoteError as error:
                if error.status is None or error.status >= 500 or error.status in (401, 429):
                    console.print(f"[red]erreur :[/red] {escape(str(error))}", highlight=False)
                    return 2
                reason = error.detail.removeprefix(f"{file.name} : ")  # the file is named on the line
                report.failed.append(Failure(str(file), error.code or "http_error", reason))
                continue
            status = change["status"]
            report.added += status == "added"
            report.updated += status == "updated"
            report.unchanged += status == "unchanged"
            if status != "unchanged":
                report.chunks_written += int(change["chunks"])
            pages = f", {change['pages']} pages" if change.get("pages") else ""
            label = {"added": "ajouté", "updated": "mis à jour", "unchanged": "inchangé"}[status]
            console.print(
                f"{label} : {file.name} → {change['document_id']} ({change['chunks']} chunks{pages})",
                highlight=False,
            )
    report.seconds = time.perf_counter() - started
    _print_summary(report)
    return 0 if report.ok else 1


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="La question, en français.")],
    top_k: Annotated[int | None, typer.Option(min=1, max=50, help="Passages à retrouver.")] = None,
    document: Annotated[
        list[str] | None, typer.Option(help="Seulement ce document (option répétable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Afficher la réponse JSON complète.")] = False,
    url: Annotated[
        str | None, typer.Option(help="Passer par ce serveur Sourcier (sinon SOURCIER_URL ou server.json).")
    ] = None,
) -> None:
    """Répondre à une question à partir de l'index, avec ses citations. Passe par le serveur
    s'il tourne."""
    from pydantic import ValidationError

    from server.api.schemas import AskRequest, AskResponse, Filters

    settings = _settings()
    try:
        request = AskRequest(
            question=question, top_k=top_k, filters=Filters(document_ids=document) if document else None
        )
    except ValidationError as error:
        problems = validation_fr.describe(error.errors(), place=lambda e: validation_fr.where(e["loc"]))
        raise _fail(problems) from error
    server = _server_url(settings, url)
    if server is not None:
        from sourcier.remote import RemoteError, RemoteServer

        try:
            with RemoteServer(server, _api_key(settings)) as remote:
                response = AskResponse.model_validate(remote.ask(request.model_dump(mode="json")))
        except RemoteError as error:
            raise _fail(str(error)) from error
        except ValidationError as error:
            raise _fail(f"réponse inattendue du serveur {server} : {error}") from error
        via = f" — par le serveur {server}"
    else:
        response = _ask_locally(settings, request)
        via = ""
    _print_answer(response, as_json)
    t = response.timings_ms
    console.print(
        f"[dim]Réponse en {t.total:.0f} ms (plongement {t.embed:.0f} ms, recherche {t.search:.0f} ms, "
        f"choix des phrases {t.answer:.0f} ms){via}[/dim]",
        highlight=False,
    )


def _ask_locally(settings: Settings, request: AskRequest) -> AskResponse:
    from server.api.schemas import AskResponse
    from server.engine.service import QuestionTooLongError, Sourcier
    from sourcier.embedding import EmbeddingModelError, load_embedder
    from sourcier.store import StoreError

    store = _open_store_or_fail(settings)
    try:
        with console.status("Chargement du modèle…"):
            started = time.perf_counter()
            embedder = load_embedder(settings)
        console.print(f"[dim]Modèle chargé en {time.perf_counter() - started:.1f} s[/dim]")
        service = Sourcier.from_settings(settings, embedder, store=store)
        return AskResponse.from_engine(service.ask(request.to_engine(), request.config(service.config)))
    except (StoreError, QuestionTooLongError, EmbeddingModelError) as error:
        raise _fail(str(error)) from error
    finally:
        store.close()


def _print_answer(response: AskResponse, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(response.model_dump(), ensure_ascii=False))
        return
    out.print(response.answer, highlight=False)
    for sentence in response.sentences:
        if sentence.confident is False:
            console.print(
                f"[yellow]À vérifier : « {sentence.text} » l'emporte de peu sur un autre passage.[/yellow]",
                highlight=False,
            )
            if sentence.alternative is not None:
                alt = sentence.alternative
                page = f", p. {alt.page}" if alt.page else ""
                out.print(
                    f"    à comparer avec {alt.document_id} [{alt.start}:{alt.end}]{page} « {alt.quote} »",
                    highlight=False,
                )
    if response.notice:
        console.print(f"[yellow]{response.notice}[/yellow]", highlight=False)
    for citation in response.citations:
        page = f", p. {citation.page}" if citation.page else ""
        out.print(
            f"[bold][{citation.n}][/bold] {citation.title} ({citation.date or 'sans date'}) — "
            f"{citation.document_id} [{citation.start}:{citation.end}]{page}\n    « {citation.quote} »",
            highlight=False,
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (par défaut SOURCIER_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (par défaut SOURCIER_PORT, 8000).")] = None,
    ui: Annotated[bool, typer.Option(help="Monter le chat Gradio sur /ui.")] = True,
) -> None:
    """Servir l'API HTTP (et le chat sur /ui) sur l'index ingéré. Son adresse est notée dans
    <data_dir>/server.json pour que `sourcier ask` et `ingest` passent par lui."""
    import uvicorn

    from sourcier.server_discovery import announce_while_serving, local_url
    from sourcier_cli.serving import build_app

    settings = _settings()
    host, port = host or settings.host, port or settings.port
    url = local_url(host, port)
    console.print(
        f"Sourcier sur {url}  (doc. de l'API : /docs{', chat : /ui' if ui else ''})", highlight=False
    )
    application = build_app(settings, with_ui=ui)
    announce_while_serving(application, settings.data_dir, url)
    # without a grace period uvicorn waits for every open connection, and an open chat tab keeps
    # one: the server outlived SIGTERM until killed
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="info",
        timeout_graceful_shutdown=settings.shutdown_grace_s,
    )


@app.command()
def model() -> None:
    """Préparer le modèle d'embedding du runtime choisi (conversion, export ONNX int8 : une fois) et
    dire où il est. Pour servir sans PyTorch (runtime onnx-int8) : le lancer là où PyTorch est
    installé, puis copier le dossier des modèles."""
    from sourcier.embedding import EmbeddingModelError, load_embedder

    settings = _settings()
    started = time.perf_counter()
    try:
        embedder = load_embedder(settings)
    except EmbeddingModelError as error:
        raise _fail(str(error)) from error
    console.print(
        f"{embedder.name} prêt ({settings.embedding_backend}, {embedder.dimension} dimensions) dans "
        f"{settings.models_dir} en {time.perf_counter() - started:.1f} s",
        highlight=False,
    )


feedback_app = typer.Typer(help="Les avis des lecteurs (👍/👎) sur les réponses.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Fichier JSONL à écrire (par défaut : la sortie standard).")
    ] = None,
    gold_only: Annotated[
        bool,
        typer.Option(help="Seulement les 👍, au format exact du jeu de référence (sourcier eval --gold)."),
    ] = False,
) -> None:
    """Écrire les avis comme cas d'évaluation au format du jeu de référence ; les 👎 sont marqués
    « à revoir » (feedback.review)."""
    from eval.feedback_cases import cases, write_cases
    from sourcier.feedback import FeedbackStore, FeedbackStoreError, feedback_path

    settings = _settings()
    path = feedback_path(settings.data_dir)
    try:
        items = FeedbackStore(path).list_all()
    except FeedbackStoreError as error:
        raise _fail(str(error)) from error
    records = cases(items, gold_only=gold_only)
    if out_file is None:
        for record in records:
            out.print(json.dumps(record, ensure_ascii=False), highlight=False, soft_wrap=True)
    else:
        write_cases(records, out_file)
    ups = sum(item.verdict == "up" for item in items)
    downs = len(items) - ups
    where = f" dans {out_file}" if out_file else ""
    review = "" if gold_only else f", dont {downs} 👎 à revoir"
    console.print(
        f"{len(records)} cas exportés{where} ({ups} 👍, {downs} 👎 dans {path}{review})", highlight=False
    )


@app.command(name="ui")
def ui_command(
    host: Annotated[str | None, typer.Option(help="Interface.")] = None,
    port: Annotated[int | None, typer.Option(help="Port (par défaut 7860).")] = None,
) -> None:
    """Lancer le chat Gradio seul (sans l'API HTTP)."""
    from ui.app import launch

    settings = _settings()
    launch(settings, host or settings.host, port or 7860)


@app.command(
    name="eval",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
)
def eval_command(ctx: typer.Context) -> None:
    """Lancer l'évaluation de l'ancrage des réponses (voir `sourcier eval --help`)."""
    from eval.runner import main

    _settings()
    raise typer.Exit(main(ctx.args))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
