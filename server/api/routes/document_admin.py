"""``POST /documents`` (upload), ``POST /documents/{id}/reindex``, ``DELETE /documents/{id}``.

Writes go through the same ingestion pipeline as ``sourcier ingest`` (ingest.one_document), one at
a time per server, while questions keep being answered.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from ingest import one_document
from server.api.deps import ServiceDep
from server.api.schemas import DocumentChange, DocumentDeleted, ErrorResponse
from server.engine.service import DocumentNotFoundError, Sourcier

router = APIRouter(
    tags=["documents"],
    responses={
        409: {"model": ErrorResponse, "description": "The document's source file is gone"},
        415: {"model": ErrorResponse, "description": "Unsupported file type"},
    },
)
DocumentIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-/]{1,300}$")]


def _write_lock(request: Request) -> threading.Lock:
    """One index write at a time in this server (made on first use, kept on the app)."""
    state = request.app.state
    if getattr(state, "write_lock", None) is None:
        state.write_lock = threading.Lock()
    lock: threading.Lock = state.write_lock
    return lock


def _change(service: Sourcier, result: one_document.DocumentResult) -> DocumentChange:
    report = result.report
    if result.document_id is None:
        reasons = "; ".join(f"{path.rsplit('/', 1)[-1]}: {reason}" for path, reason in report.failed)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"Not ingested: {reasons}")
    record = service.store.get_document(result.document_id)
    assert record is not None
    state = "added" if report.added else "updated" if report.updated else "unchanged"
    return DocumentChange(
        document_id=result.document_id,
        title=record.document.title,
        chunks=result.chunks,
        pages=len(record.document.page_starts) or None,
        status=state,
    )


@router.post(
    "/documents",
    response_model=DocumentChange,
    status_code=status.HTTP_201_CREATED,
    summary="Add (or replace) a document by uploading its file (.txt, .md, .html, .pdf, .docx)",
)
async def upload_document(
    file: UploadFile,
    request: Request,
    service: ServiceDep,
    document_id: Annotated[
        str | None,
        Form(
            pattern=r"^[A-Za-z0-9_.\-/]{1,300}$",
            description="The document's id (default: the file name without its suffix).",
        ),
    ] = None,
    force: Annotated[bool, Form(description="Rewrite it even if unchanged.")] = False,
) -> DocumentChange:
    data = await file.read()

    def run() -> DocumentChange:
        with _write_lock(request):
            result = one_document.add_upload(
                service.store,
                service.embedder,
                service.settings,
                file.filename,
                data,
                doc_id=document_id,
                force=force,
            )
            return _change(service, result)

    try:
        return await run_in_threadpool(run)
    except one_document.UploadRejectedError as error:
        message = str(error)
        code = (
            status.HTTP_413_CONTENT_TOO_LARGE
            if "too large" in message
            else status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
            if "file type" in message
            else status.HTTP_422_UNPROCESSABLE_CONTENT
        )
        raise HTTPException(code, detail=str(error)) from error


@router.post(
    "/documents/{document_id:path}/reindex",
    response_model=DocumentChange,
    summary="Re-read one document's source file and rewrite its chunks",
)
async def reindex_document(
    document_id: DocumentIdPath, request: Request, service: ServiceDep
) -> DocumentChange:
    def run() -> DocumentChange:
        with _write_lock(request):
            result = one_document.reindex(service.store, service.embedder, service.settings, document_id)
            return _change(service, result)

    try:
        return await run_in_threadpool(run)
    except one_document.DocumentUnavailableError as error:
        raise DocumentNotFoundError(str(error)) from error
    except one_document.SourceMissingError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error


@router.delete(
    "/documents/{document_id:path}",
    response_model=DocumentDeleted,
    summary="Delete a document and every one of its chunks",
)
async def delete_document(
    document_id: DocumentIdPath, request: Request, service: ServiceDep
) -> DocumentDeleted:
    def run() -> int:
        with _write_lock(request):
            return one_document.delete(service.store, service.settings, document_id)

    try:
        removed = await run_in_threadpool(run)
    except one_document.DocumentUnavailableError as error:
        raise DocumentNotFoundError(str(error)) from error
    return DocumentDeleted(document_id=document_id, chunks_deleted=removed)
