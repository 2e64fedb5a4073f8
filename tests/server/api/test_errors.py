"""Every error body carries a stable ``code`` beside its ``detail`` sentence: clients (the chat)
choose what to show from the code, never from the wording."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/ask", {"question": ""}, 422, "invalid_request"),
        ("POST", "/ask", {"question": "Qui ?", "top_k": 0}, 422, "invalid_request"),
        ("POST", "/ask", {"question": "x" * 5000}, 422, "question_too_long"),
        ("POST", "/ask/stream", {"question": "x" * 5000}, 422, "question_too_long"),
        ("POST", "/search", {"query": "x" * 5000}, 422, "question_too_long"),
        ("GET", "/documents/000_inexistant", None, 404, "document_not_found"),
        ("GET", "/nowhere", None, 404, "not_found"),
        ("DELETE", "/ask", None, 405, "method_not_allowed"),
    ],
)
def test_error_bodies_have_a_code(
    client: httpx.Client, method: str, path: str, body: object, status: int, code: str
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_a_body_over_the_limit_is_413_body_too_large(client: httpx.Client) -> None:
    response = client.post("/ask", content=b'{"question": "' + b"x" * 1_100_000 + b'"}')
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_the_documented_error_model_has_the_code(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ErrorResponse"]
    assert set(schema["required"]) == {"detail", "code"}
