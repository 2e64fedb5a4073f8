"""``POST /search``: ranked chunks, for clients that do their own answering (and for debugging)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ServiceDep
from server.api.schemas import SearchRequest, SearchResponse

router = APIRouter(tags=["search"])


@router.post("/search", response_model=SearchResponse, summary="Hybrid search over the chunks")
async def search(request: SearchRequest, service: ServiceDep) -> SearchResponse:
    hits = await run_in_threadpool(
        service.search, request.query, request.top_k, request.filters_to_engine(), request.mode
    )
    return SearchResponse.from_engine(hits)
