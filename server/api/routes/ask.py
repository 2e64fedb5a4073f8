"""``POST /ask`` and ``POST /ask/stream``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from server.api.deps import ServiceDep
from server.api.schemas import AskRequest, AskResponse

router = APIRouter(tags=["answers"])


@router.post("/ask", response_model=AskResponse, summary="Answer a French question with cited sources")
async def ask(request: AskRequest, service: ServiceDep) -> AskResponse:
    return await run_in_threadpool(service.ask, request)


@router.post(
    "/ask/stream",
    summary="The same answer as Server-Sent Events",
    description="Events: `standalone` (follow-ups), `sentence` (each, as ready), `citations`, `done` "
    "(the whole AskResponse), or `error`.",
    response_class=EventSourceResponse,
)
async def ask_stream(request: AskRequest, service: ServiceDep) -> EventSourceResponse:
    # Compute before the stream starts, so errors become proper HTTP statuses, not broken streams.
    events = await run_in_threadpool(lambda: list(service.ask_stream(request)))

    async def publish() -> AsyncIterator[ServerSentEvent]:
        for event in events:
            yield ServerSentEvent(data=json.dumps(event.data, ensure_ascii=False), event=event.event)

    return EventSourceResponse(publish(), ping=15)
