"""``POST /ask`` and ``POST /ask/stream``."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import iterate_in_threadpool

from server.api.deps import ServiceDep
from server.api.schemas import AnswerSentence, AskRequest, AskResponse
from server.engine.types import Done, SentenceReady, Standalone, StreamEvent, Token, Unsupported

router = APIRouter(tags=["answers"])
logger = logging.getLogger("sourcier.server")


@router.post("/ask", response_model=AskResponse, summary="Answer a French question with cited sources")
async def ask(request: AskRequest, service: ServiceDep) -> AskResponse:
    config = request.config(service.config)
    answer = await run_in_threadpool(service.ask, request.to_engine(), config)
    return AskResponse.from_engine(answer)


@router.post(
    "/ask/stream",
    summary="The same answer as Server-Sent Events, each sent as soon as it is ready",
    description="Events: `standalone` (follow-ups), `token` (generated text as it arrives, generative "
    "answers only), `sentence` (each cited sentence, as soon as it is grounded), `unsupported` (a "
    "generated sentence dropped), `citations`, `done` (the whole AskResponse, what `/ask` returns), "
    "or `error`.",
    response_class=EventSourceResponse,
)
async def ask_stream(request: AskRequest, service: ServiceDep) -> EventSourceResponse:
    config = request.config(service.config)
    events = service.ask_stream(request.to_engine(), config)
    # The first event is computed before the response starts (retrieval happens before it), so a
    # bad question or an unavailable index is a proper HTTP status, not a broken stream.
    first = await run_in_threadpool(next, events, None)

    async def publish() -> AsyncIterator[ServerSentEvent]:
        if first is None:
            return
        for sse in _encoded(first):
            yield sse
        try:
            async for event in iterate_in_threadpool(events):
                for sse in _encoded(event):
                    yield sse
        except Exception as error:  # the status is sent already: report it in the stream
            logger.exception("answer stream failed")
            detail = (
                f"la réponse n'a pas pu être terminée ({type(error).__name__}) : voir le journal du serveur"
            )
            yield _sse("error", {"detail": detail, "code": "internal"})

    return EventSourceResponse(publish(), ping=15)


def _encoded(event: StreamEvent) -> Iterator[ServerSentEvent]:
    """The Server-Sent Events of one engine event (the final answer is two: citations, done)."""
    if isinstance(event, Standalone):
        yield _sse("standalone", {"question": event.question})
    elif isinstance(event, Token):
        yield _sse("token", {"text": event.text})
    elif isinstance(event, SentenceReady):
        yield _sse("sentence", AnswerSentence.from_engine(event.sentence).model_dump())
    elif isinstance(event, Unsupported):
        yield _sse("unsupported", {"text": event.text})
    elif isinstance(event, Done):
        response = AskResponse.from_engine(event.answer)
        yield _sse("citations", {"citations": [c.model_dump() for c in response.citations]})
        yield _sse("done", response.model_dump())


def _sse(name: str, data: object) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=name)
