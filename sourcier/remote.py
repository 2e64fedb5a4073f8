"""The CLI's HTTP client for a running ``sourcier serve``: ask, upload a file.

Errors come back as :class:`RemoteError` with a French sentence for people (the server's own
``detail`` when it sent one), never as a stack trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

#: Seconds for one answer or one upload (a large PDF is embedded on the server).
TIMEOUT_S = 600.0


class RemoteError(RuntimeError):
    """The server could not be reached or refused the request: ``status`` is its HTTP status,
    ``code`` and ``detail`` the error body's (the detail is the whole message when it sent none)."""

    def __init__(
        self, message: str, status: int | None = None, code: str | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail or message


class RemoteServer:
    """A running Sourcier server at ``url`` (with the API key when it needs one)."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def __enter__(self) -> RemoteServer:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise RemoteError(f"le serveur {self.url} ne répond pas ({type(error).__name__})") from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            code = body.get("code") if isinstance(body, dict) else None
            said = str(detail or response.text[:300] or response.reason_phrase)
            raise RemoteError(
                f"le serveur {self.url} refuse la requête ({response.status_code}) : {said}",
                response.status_code,
                str(code) if code else None,
                said,
            )
        if not isinstance(body, dict):
            raise RemoteError(f"réponse inattendue du serveur {self.url} (pas du JSON)")
        return body

    def ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/ask", json=payload)

    def upload(self, path: Path, document_id: str, *, force: bool = False) -> dict[str, Any]:
        """Send a file to ``POST /documents`` under ``document_id`` (as a local ingest names it)."""
        with path.open("rb") as data:
            return self._send(
                "POST",
                "/documents",
                files={"file": (path.name, data)},
                data={"document_id": document_id, "force": "true" if force else "false"},
            )
