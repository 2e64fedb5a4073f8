"""``GET /health`` (the process is up) and ``GET /ready`` (model loaded, store reachable)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from server.api.deps import STARTING
from server.engine.service import Sourcier
from sourcier.store import StoreError

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Ready to answer: model loaded and store reachable (503 otherwise)")
async def ready(request: Request) -> JSONResponse:
    service: Sourcier | None = getattr(request.app.state, "service", None)
    if service is None:
        reason = getattr(request.app.state, "startup_error", None) or STARTING
        return JSONResponse({"status": "unavailable", "reason": reason}, status.HTTP_503_SERVICE_UNAVAILABLE)
    try:
        state = await run_in_threadpool(service.health)
    except StoreError as error:
        return JSONResponse(
            {"status": "unavailable", "reason": str(error)}, status.HTTP_503_SERVICE_UNAVAILABLE
        )
    return JSONResponse({"status": "ready", "model": state.model, "store": state.store})
