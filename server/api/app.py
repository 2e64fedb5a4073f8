"""The FastAPI application: routes, error handling, middleware, and the service's lifespan.

Every error body is ``{"detail": <one sentence>, "code": <stable identifier>}``: clients (the
chat) choose what to show from ``code``, never from the wording of ``detail``."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import Depends, FastAPI, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.api.deps import require_api_key
from server.api.errors import ApiError, ErrorCode, error_body
from server.api.metrics import install_metrics
from server.api.middleware import BodySizeLimitMiddleware, RateLimitMiddleware, RequestLogMiddleware
from server.api.routes import ask, document_admin, documents, feedback, health, search
from server.api.schemas import ErrorResponse
from server.engine.service import DocumentNotFoundError, QuestionTooLongError, SourceMissingError, Sourcier
from sourcier import validation_fr
from sourcier.config import Settings, get_settings
from sourcier.embedding import Embedder, load_embedder
from sourcier.feedback import FeedbackStore, feedback_path
from sourcier.runtime import release_free_memory
from sourcier.store import StoreError, StoreLockedError

logger = logging.getLogger("sourcier.server")
#: Room for the multipart framing around an uploaded file of ``SOURCIER_MAX_FILE_BYTES``.
UPLOAD_OVERHEAD_BYTES = 64 * 1024
#: How often a server whose embedded store is locked tries again.
LOCK_RETRY_S = 2.0

#: Where a validation error about the whole body (not one field) is.
BODY = "corps de la requête"

#: The error statuses the API routes answer, all with an ``ErrorResponse`` body (documented so the
#: OpenAPI spec matches what is sent: the 422 body is a sentence, not FastAPI's list of errors).
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status_code: {"model": ErrorResponse, "description": description}
    for status_code, description in (
        (400, "Unreadable request body"),
        (401, "Missing or wrong API key"),
        (404, "Not found"),
        (413, "Request body too large"),
        (422, "Invalid request"),
        (429, "Too many requests"),
        (503, "Index or model unavailable"),
    )
}


def _validation_message(error: RequestValidationError) -> str:
    """One French sentence naming every field that failed and why (pydantic's list of errors,
    reworded from its stable error types)."""

    def place(item: Mapping[str, Any]) -> str:
        if item.get("type") == "json_invalid":
            return BODY
        return validation_fr.where(item.get("loc", ()), skip=("body", "path", "query")) or BODY

    return f"Requête invalide — {validation_fr.describe(error.errors(), place=place)}"


def _warm_up(service: Sourcier, max_sentences: int) -> None:
    try:
        count = service.warm_up(max_sentences)
        released = release_free_memory()
        logger.info("warm-up: %d sentences embedded%s", count, ", free memory released" if released else "")
    except Exception:  # warm-up is an optimisation: never let it take the server down
        logger.exception("warm-up failed")


def _open_when_free(app: FastAPI, settings: Settings, embedder: Embedder, stopping: threading.Event) -> None:
    """Retry opening a locked embedded store until it is free (or the server stops)."""
    while not stopping.wait(LOCK_RETRY_S):
        try:
            service = Sourcier.from_settings(settings, embedder)
        except StoreLockedError as error:
            app.state.startup_error = str(error)
            continue
        except Exception as error:
            app.state.startup_error = f"ouverture de l'index impossible ({type(error).__name__}) : {error}"
            logger.exception("opening the store failed")
            continue
        app.state.service, app.state.startup_error = service, None
        service.observer = app.state.answer_metrics.observe
        logger.info("store opened: the lock was released")
        if settings.warm_up_sentences:
            _warm_up(service, settings.warm_up_sentences)
        return


def create_app(
    settings: Settings | None = None,
    service: Sourcier | None = None,
    *,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """Build the app. With no ``service``, it is built from ``settings`` at start-up (and closed
    at shut-down); a given one is the caller's. The chat is mounted by the caller
    (``ui.app.mount_ui``): the API does not depend on it, but the caller passes the body limits
    its routes need (``body_limits``: path -> bytes, over ``SOURCIER_MAX_BODY_BYTES``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.service = service
        app.state.startup_error = None
        owned = service is None
        stopping = threading.Event()
        if owned:
            try:
                embedder = await run_in_threadpool(load_embedder, settings)
                try:
                    app.state.service = await run_in_threadpool(Sourcier.from_settings, settings, embedder)
                except StoreLockedError as error:
                    # Another process (an ingest run) holds the embedded store: answer 503 with
                    # the reason, and open it as soon as it is released.
                    app.state.startup_error = str(error)
                    logger.error("store locked: %s", error)
                    threading.Thread(
                        target=_open_when_free, args=(app, settings, embedder, stopping), daemon=True
                    ).start()
            except Exception as error:  # any start-up failure must show in /ready, not kill the process
                app.state.startup_error = f"échec du démarrage ({type(error).__name__}) : {error}"
                logger.exception("start-up failed")
        if app.state.service is not None:
            app.state.service.observer = app.state.answer_metrics.observe
        if app.state.service is not None and settings.warm_up_sentences:
            threading.Thread(
                target=_warm_up, args=(app.state.service, settings.warm_up_sentences), daemon=True
            ).start()
        try:
            yield
        finally:
            stopping.set()
            if owned and app.state.service is not None:
                app.state.service.close()

    # /docs and /redoc from the package's own copies of Swagger UI and ReDoc: no CDN, so they
    # render on a machine without internet.
    app = FastAPIOffline(
        title="Sourcier",
        version="0.1.0",
        summary="French question answering that cites a source span for every sentence.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.answer_metrics = install_metrics(app, FeedbackStore(feedback_path(settings.data_dir)))
    for router in (ask.router, search.router, documents.router, document_admin.router, feedback.router):
        app.include_router(router, dependencies=[Depends(require_api_key)], responses=ERROR_RESPONSES)
    app.include_router(health.router)  # open: orchestrators probe it without credentials

    _handle_errors(app)
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    # The API's own upload route takes whole files, as the chat's does (``body_limits``).
    limits = {"/documents": settings.max_file_bytes + UPLOAD_OVERHEAD_BYTES, **(body_limits or {})}
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, path_limits=limits)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestLogMiddleware)
    return app


def _handle_errors(app: FastAPI) -> None:
    """Map the service's errors to HTTP statuses, all with an ``ErrorResponse`` body."""

    def reply(
        status_code: int, code: ErrorCode, detail: str, headers: Mapping[str, str] | None = None
    ) -> JSONResponse:
        return JSONResponse(error_body(detail, code), status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return reply(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_request", _validation_message(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code: ErrorCode = {
            400: "unreadable_body",
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            409: "source_missing",
            413: "body_too_large",
            415: "unsupported_file",
            422: "invalid_request",
            503: "service_unavailable",
        }.get(error.status_code, "http_error")  # type: ignore[assignment]
        return reply(error.status_code, code, _http_detail(request, error), error.headers)

    @app.exception_handler(ApiError)
    async def refused(_: Request, error: ApiError) -> JSONResponse:
        return reply(error.status_code, error.code, error.detail)

    @app.exception_handler(QuestionTooLongError)
    async def too_long(_: Request, error: QuestionTooLongError) -> JSONResponse:
        return reply(status.HTTP_422_UNPROCESSABLE_CONTENT, "question_too_long", str(error))

    @app.exception_handler(DocumentNotFoundError)
    async def not_found(_: Request, error: DocumentNotFoundError) -> JSONResponse:
        return reply(status.HTTP_404_NOT_FOUND, "document_not_found", str(error))

    @app.exception_handler(SourceMissingError)
    async def source_missing(_: Request, error: SourceMissingError) -> JSONResponse:
        return reply(status.HTTP_409_CONFLICT, "source_missing", str(error))

    @app.exception_handler(StoreError)
    async def store_down(_: Request, error: StoreError) -> JSONResponse:
        return reply(
            status.HTTP_503_SERVICE_UNAVAILABLE, "index_unavailable", f"Index indisponible : {error}"
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s", request.url.path)
        return reply(
            status.HTTP_500_INTERNAL_SERVER_ERROR, "internal", "Erreur interne : voir le journal du serveur."
        )


def _http_detail(request: Request, error: StarletteHTTPException) -> str:
    """The detail of an HTTP error: the route's own (French) sentence, or, where Starlette only
    gave the status's English name (an unknown route, a wrong method), a French one."""
    try:
        default = HTTPStatus(error.status_code).phrase
    except ValueError:
        default = ""
    if str(error.detail) != default:
        return str(error.detail)
    path = request.url.path
    return {
        400: "Corps de la requête illisible.",
        404: f"Aucune route {path} : voir /docs pour la liste des routes.",
        405: f"Méthode {request.method} non acceptée sur {path}.",
    }.get(error.status_code, f"Erreur HTTP {error.status_code}.")
