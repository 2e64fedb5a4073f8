"""The codes of the API's error bodies: stable identifiers that clients match on (the ``detail``
sentence may be reworded; a code is not)."""

from __future__ import annotations

from typing import Literal

ErrorCode = Literal[
    "invalid_request",  # 422: the body or a parameter fails validation
    "question_too_long",  # 422: over SOURCIER_MAX_QUESTION_CHARS
    "unreadable_body",  # 400: not JSON
    "unauthorized",  # 401: missing or wrong API key
    "not_found",  # 404: no such route
    "document_not_found",  # 404: no document with this id
    "method_not_allowed",  # 405
    "source_missing",  # 409: a document's source file is gone, it cannot be re-indexed
    "unsupported_file",  # 415: an upload of a type the loaders do not read
    "body_too_large",  # 413: over SOURCIER_MAX_BODY_BYTES
    "rate_limited",  # 429: over SOURCIER_RATE_LIMIT_PER_MINUTE
    "service_unavailable",  # 503: the service is starting or could not start
    "index_unavailable",  # 503: the store cannot be reached
    "internal",  # 500: a bug; see the server log
    "http_error",  # any other HTTP status
]


def error_body(detail: str, code: ErrorCode) -> dict[str, str]:
    return {"detail": detail, "code": code}
