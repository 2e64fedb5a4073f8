"""The API's offline docs, and the error codes it shares with the service's exceptions (in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from server.api.app import create_app
from server.engine.service import DocumentNotFoundError, QuestionTooLongError, Sourcier
from tests.support.index import make_settings


@pytest.fixture
def client(service: Sourcier, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, warm_up_sentences=0), service=service)) as client:
        yield client


def test_api_docs_are_served_from_local_assets(tmp_path: Path) -> None:
    client = TestClient(create_app(make_settings(tmp_path)))  # no lifespan: no model needed
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = client.get(page).text
        assert f"/static-offline-docs/{asset}" in html
        assert "cdn." not in html and "fonts.googleapis" not in html
        assert client.get(f"/static-offline-docs/{asset}").status_code == 200


def test_the_api_answers_the_code_the_service_exception_declares(
    client: TestClient, service: Sourcier
) -> None:
    # the chat renders the exception's code, HTTP clients the body's: they must be the same
    too_long = client.post("/ask", json={"question": "x" * (service.settings.max_question_chars + 1)})
    assert too_long.status_code == 422 and too_long.json()["code"] == QuestionTooLongError.code
    missing = client.get("/documents/000_inexistant")
    assert missing.status_code == 404 and missing.json()["code"] == DocumentNotFoundError.code
