"""``POST /documents`` (upload), ``POST /documents/{id}/reindex``, ``DELETE /documents/{id}``.

Each is one call to the service facade, which writes through the same ingestion pipeline as
``sourcier ingest``, one write at a time (its lock, shared with the chat), while questions keep
being answered. A file the index cannot take is refused with its loader's ``code``, and the HTTP
status is chosen from that code, never from the wording of the (French) detail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, cast

from fastapi import APIRouter, Form, Path, UploadFile, status
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ServiceDep
from server.api.errors import ApiError, ErrorCode
from server.api.schemas import DocumentChange, DocumentDeleted, ErrorResponse
from server.engine import types
from server.engine.service import FileRejectedError

router = APIRouter(
    tags=["documents"],
    responses={
        409: {"model": ErrorResponse, "description": "The document's source file is gone"},
        413: {"model": ErrorResponse, "description": "File over SOURCIER_MAX_FILE_BYTES"},
        415: {"model": ErrorResponse, "description": "Unsupported file type"},
        422: {"model": ErrorResponse, "description": "A file that cannot be ingested (the code says why)"},
    },
)
DocumentIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-/]{1,300}$")]

#: The status of a refused file by its code; every other reason is 422 (the file is unprocessable).
REFUSAL_STATUS: dict[str, int] = {
    "file_too_large": status.HTTP_413_CONTENT_TOO_LARGE,
    "unsupported_file": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


async def _write(operation: Callable[[], types.DocumentChange]) -> DocumentChange:
    """Run an upload or a re-index off the event loop; a refused file becomes its code's status."""
    try:
        change = await run_in_threadpool(operation)
    except FileRejectedError as error:
        status_code = REFUSAL_STATUS.get(error.code, status.HTTP_422_UNPROCESSABLE_CONTENT)
        # the code is one of the loaders' (ingest.failures.FailureCode), all of them ErrorCodes
        raise ApiError(status_code, cast(ErrorCode, error.code), str(error)) from error
    return DocumentChange(**asdict(change))


@router.post(
    "/documents",
    response_model=DocumentChange,
    status_code=status.HTTP_201_CREATED,
    summary="Add (or replace) a document by uploading its file (.txt, .md, .html, .pdf, .docx)",
)
async def upload_document(
    file: UploadFile,
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
    return await _write(lambda: service.add_file(file.filename, data, document_id=document_id, force=force))


@router.post(
    "/documents/{document_id:path}/reindex",
    response_model=DocumentChange,
    summary="Re-read one document's source file and rewrite its chunks",
)
async def reindex_document(document_id: DocumentIdPath, service: ServiceDep) -> DocumentChange:
    return await _write(lambda: service.reindex(document_id))


@router.delete(
    "/documents/{document_id:path}",
    response_model=DocumentDeleted,
    summary="Delete a document and every one of its chunks",
)
async def delete_document(document_id: DocumentIdPath, service: ServiceDep) -> DocumentDeleted:
    removed = await run_in_threadpool(service.delete, document_id)
    return DocumentDeleted(document_id=document_id, chunks_deleted=removed)
