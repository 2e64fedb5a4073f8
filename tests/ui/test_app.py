"""The UI's glue without a browser: form filters, building before the service exists, the API key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.support.index import make_settings
from ui.app import build_demo, make_filters


def test_empty_filters_mean_the_whole_corpus() -> None:
    assert make_filters(None, "", "  ") is None
    assert make_filters([], None, None) is None


def test_filters_from_the_form() -> None:
    filters = make_filters(["a", "b"], "2025-01-01", "2025-12-31")
    assert filters is not None
    assert filters.document_ids == ["a", "b"]
    assert (filters.date_from, filters.date_to) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("2025-13-01", "", "Date « 2025-13-01 » invalide pour « du »"),
        ("", "31/12/2025", "utilisez le format AAAA-MM-JJ"),
        ("2025-12-31", "2025-01-01", "La date de début est postérieure à la date de fin."),
    ],
)
def test_invalid_filters_explained_in_french(date_from: str, date_to: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_filters(None, date_from, date_to)


def test_demo_builds_before_the_service_exists() -> None:
    # mounted in `sourcier serve`, the UI is built before the lifespan has loaded the service
    demo = build_demo(lambda: None)
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert {"sourcier-chat", "sourcier-question", "sourcier-sources", "sourcier-document"} <= ids


def test_the_chat_asks_for_the_api_key_when_one_is_set(tmp_path: Path) -> None:
    # the UI calls the service directly: without this, /ui would bypass SOURCIER_API_KEY
    from fastapi.testclient import TestClient

    from sourcier_cli.serving import build_app

    client = TestClient(build_app(make_settings(tmp_path, api_key="s3cret")))  # no lifespan: no model
    assert client.get("/ui/config").status_code == 401
    assert client.post("/ui/login", data={"username": "x", "password": "wrong"}).status_code == 400
    assert client.post("/ui/login", data={"username": "x", "password": "s3cret"}).status_code == 200
    assert client.get("/ui/config").status_code == 200


def test_the_chat_is_open_without_an_api_key(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sourcier_cli.serving import build_app

    client = TestClient(build_app(make_settings(tmp_path)))
    assert client.get("/ui/config").status_code == 200
