"""The codes of the API's error bodies: stable identifiers that clients match on (the ``detail``
sentence may be reworded; a code is not)."""

from __future__ import annotations

from typing import Literal

from ingest.failures import FailureCode

#: The API's own codes, and the loaders' codes for a file it cannot ingest (``POST /documents``:
#: ``file_too_large`` 413, ``unsupported_file`` 415, the others 422; see ``ingest.failures``).
ErrorCode = (
    Literal[
        "invalid_request",  # 422: the body or a parameter fails validation
        "question_too_long",  # 422: over SOURCIER_MAX_QUESTION_CHARS
        "unreadable_body",  # 400: not JSON
        "unauthorized",  # 401: missing or wrong API key
        "not_found",  # 404: no such route
        "document_not_found",  # 404: no document with this id
        "method_not_allowed",  # 405
        "source_missing",  # 409: a document's source file is gone, it cannot be re-indexed
        "body_too_large",  # 413: over SOURCIER_MAX_BODY_BYTES
        "rate_limited",  # 429: over SOURCIER_RATE_LIMIT_PER_MINUTE
        "service_unavailable",  # 503: the service is starting or could not start
        "index_unavailable",  # 503: the store cannot be reached
        "internal",  # 500: a bug; see the server log
        "http_error",  # any other HTTP status
    ]
    | FailureCode
)


class ApiError(Exception):
    """An error a route answers with its own status and code (the generic handler would derive
    the code from the status alone)."""

    def __init__(self, status_code: int, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.detail = detail


def error_body(detail: str, code: ErrorCode) -> dict[str, str]:
    return {"detail": detail, "code": code}
