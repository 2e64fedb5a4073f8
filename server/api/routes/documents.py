"""``GET /documents`` and ``GET /documents/{id}``: the texts every citation points into."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ServiceDep
from server.api.schemas import DocumentDetail, DocumentList

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentList, summary="The indexed documents")
async def list_documents(service: ServiceDep) -> DocumentList:
    return DocumentList.from_engine(await run_in_threadpool(service.documents))


@router.get("/documents/{document_id:path}", response_model=DocumentDetail, summary="One document's text")
async def get_document(
    document_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-/]{1,300}$")], service: ServiceDep
) -> DocumentDetail:
    return DocumentDetail.from_engine(await run_in_threadpool(service.document, document_id))
