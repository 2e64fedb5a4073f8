"""``POST /feedback``: a reader's 👍/👎 on an answer, stored in ``<data_dir>/feedback.sqlite3``.

The cited spans are checked against the index before they are kept (each quote must still be its
document's text at those offsets), so that exported eval cases point at real passages. The
verdict is kept by the service (``Sourcier.add_feedback``), as the chat's 👍/👎 are.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool

from server.api.deps import ServiceDep
from server.api.schemas import FeedbackReceipt, FeedbackRequest
from server.engine.service import DocumentNotFoundError, Sourcier
from sourcier.feedback import CitedSpan, Feedback, FeedbackStoreError

router = APIRouter(tags=["feedback"])


def _check_citations(request: FeedbackRequest, service: Sourcier) -> None:
    for n, cited in enumerate(request.citations, start=1):
        try:
            document = service.document(cited.document_id)
        except DocumentNotFoundError:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"citations.{n} : aucun document d'identifiant « {cited.document_id} »",
            ) from None
        if document.text[cited.start : cited.end] != cited.quote:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"citations.{n} : la citation n'est pas le texte de « {cited.document_id} » "
                f"en [{cited.start}:{cited.end}]",
            )


@router.post(
    "/feedback",
    response_model=FeedbackReceipt,
    status_code=status.HTTP_201_CREATED,
    summary="Say whether an answer was right (👍 up / 👎 down), with an optional comment",
)
async def post_feedback(request: FeedbackRequest, service: ServiceDep) -> FeedbackReceipt:
    def run() -> Feedback:
        _check_citations(request, service)
        return service.add_feedback(
            Feedback(
                question=request.question,
                answer=request.answer,
                verdict=request.verdict,
                citations=tuple(
                    CitedSpan(c.document_id, c.start, c.end, c.quote, c.page) for c in request.citations
                ),
                comment=(request.comment or "").strip() or None,
                abstained=request.abstained,
                history=tuple((t.role, t.content) for t in request.history),
            )
        )

    try:
        saved = await run_in_threadpool(run)
    except FeedbackStoreError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from error
    assert saved.id is not None and saved.created_at is not None
    return FeedbackReceipt(id=saved.id, verdict=request.verdict, created_at=saved.created_at)
