"""Cross-cutting HTTP concerns: request ids and structured logs, body size, rate limit.

Written as pure ASGI middleware (no ``BaseHTTPMiddleware``) so streaming responses pass
through untouched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.failures import bytes_text
from server.api.errors import ErrorCode, error_body

logger = logging.getLogger("sourcier.http")


async def _json_error(
    send: Send,
    status: int,
    detail: str,
    code: ErrorCode,
    headers: list[tuple[bytes, bytes]] = [],  # noqa: B006
) -> None:
    body = json.dumps(error_body(detail, code), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLogMiddleware:
    """Gives every request an id (``X-Request-ID``, kept if the client sent a sane one) and logs
    one JSON line per request: id, method, path, status, duration. Never headers or bodies, so
    API keys and questions stay out of the logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if given.isalnum() and len(given) <= 64 else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logger.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status_code,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                )
            )


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, whether announced or streamed.

    ``path_limits`` gives a route its own limit (the chat's file upload takes files up to
    ``SOURCIER_MAX_FILE_BYTES``, larger than any JSON request)."""

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(str(scope.get("path", "")), self.max_bytes)
        length = dict(scope.get("headers", [])).get(b"content-length")
        too_large = f"Corps de la requête trop volumineux : la limite est de {bytes_text(limit)}."
        if length is not None and length.isdigit() and int(length) > limit:
            await _json_error(send, 413, too_large, "body_too_large")
            return
        received = 0
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The framework turns an exception raised while it reads the body into its own 400
            # ("error parsing the body"): once the limit is exceeded, drop that and send the 413.
            if not exceeded:
                await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if exceeded:
            await _json_error(send, 413, too_large, "body_too_large")


class _BodyTooLarge(Exception):
    pass


#: Probes, and the chat's page and assets (its questions go through the same service, not /ask).
_UNLIMITED = frozenset({"/health", "/ready"})


class RateLimitMiddleware:
    """At most ``per_minute`` requests per client address in any sliding minute (429 beyond).

    In-process: it limits one server process; put a proxy in front for a fleet.
    Health checks and the chat's page loads are not counted."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or self.per_minute <= 0 or path in _UNLIMITED or path.startswith("/ui"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] > 60:
                hits.popleft()
            allowed = len(hits) < self.per_minute
            if allowed:
                hits.append(now)
            retry = 60 - (now - hits[0]) if hits else 60
        if not allowed:
            await _json_error(
                send,
                429,
                f"Trop de requêtes : la limite est de {self.per_minute} par minute et par client.",
                "rate_limited",
                [(b"retry-after", str(max(1, int(retry) + 1)).encode())],
            )
            return
        await self.app(scope, receive, send)
