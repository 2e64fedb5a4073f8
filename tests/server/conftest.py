"""Fixtures for the HTTP tests: the in-process app, the shared server, configured servers, the
fake LLM.

``client`` is the fast tier's: ``create_app(settings, service=…)`` served in-process by Starlette's
``TestClient`` (the real app, routes, middleware and service; no socket). ``server`` and
``configured`` start real ``sourcier serve`` processes: tests using them are the slow tier.
Clients come from :func:`tests.support.http_checks.checked_client`, whose hook checks every
response (no 5xx, no stack trace, the citation invariant on every answer).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server.api.app import create_app
from server.engine.service import Sourcier
from sourcier.config import Settings
from sourcier.store import open_store
from tests.support.fake_llm import FakeLLM, closed_port
from tests.support.http_checks import (
    API_KEY,
    LLM_API_KEY,
    LLM_MODEL,
    RATE_LIMIT,
    SMALL_BODY_BYTES,
    SMALL_QUESTION_CHARS,
    ApiServer,
    Checker,
    ConfiguredServers,
    checked_client,
)
from tests.support.index import copy_index
from tests.support.processes import LiveServer, child_env, free_port

# --- servers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(live_server: LiveServer) -> LiveServer:
    """The session's shared server: the default ``sourcier serve`` (chat UI mounted)."""
    return live_server


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker()


@pytest.fixture(scope="session")
def client(
    corpus_index: Settings, embedder: Any, checker: Checker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """The app in-process over a service of its own, built as ``sourcier serve`` builds it (less
    the chat): its sentence cache warmed up front, as the server does at start-up (a sentence
    embedded in a warm-up batch or alone can differ in the last float digits, enough to move a
    borderline decision), here before the first request rather than in a thread."""
    settings = copy_index(corpus_index, tmp_path_factory.mktemp("api-index"), warm_up_sentences=0)
    service = Sourcier(settings, open_store(settings), embedder)
    service.warm_up(Settings().warm_up_sentences)  # the default, as `sourcier serve` uses it
    try:
        with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as test_client:
            yield checked_client(str(test_client.base_url), checker, client=test_client)
    finally:
        service.close()


@pytest.fixture(scope="session")
def server_client(server: LiveServer, checker: Checker) -> Iterator[httpx.Client]:
    """A client of the real server process (slow tier)."""
    with checked_client(server.url, checker) as c:
        yield c


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[FakeLLM]:
    llm = FakeLLM(free_port()).start()
    yield llm
    llm.stop()


@pytest.fixture(scope="session")
def configured(
    corpus_index: Settings, fake_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConfiguredServers]:
    """Two more API-only servers, started side by side (each over its own copy of the index)."""
    logs = tmp_path_factory.mktemp("configured-logs")
    secured_settings = copy_index(corpus_index, tmp_path_factory.mktemp("secured-index"))
    secured = ApiServer(
        secured_settings,
        child_env(
            secured_settings,
            SOURCIER_API_KEY=API_KEY,
            SOURCIER_LLM_BASE_URL=fake_llm.base_url,
            SOURCIER_LLM_MODEL=LLM_MODEL,
            SOURCIER_LLM_API_KEY=LLM_API_KEY,
            SOURCIER_LLM_TIMEOUT_S="20",
            SOURCIER_MAX_QUESTION_CHARS=str(SMALL_QUESTION_CHARS),
            SOURCIER_MAX_BODY_BYTES=str(SMALL_BODY_BYTES),
        ),
        logs / "secured.log",
        ["--no-ui"],
    )
    offline_settings = copy_index(corpus_index, tmp_path_factory.mktemp("offline-llm-index"))
    offline = ApiServer(
        offline_settings,
        child_env(
            offline_settings,
            SOURCIER_LLM_BASE_URL=f"http://127.0.0.1:{closed_port()}/v1",
            SOURCIER_LLM_MODEL=LLM_MODEL,
            SOURCIER_LLM_TIMEOUT_S="5",
            SOURCIER_RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT),
        ),
        logs / "offline-llm.log",
        ["--no-ui"],
    )
    try:
        secured.wait_ready()
        offline.wait_ready()
        yield ConfiguredServers(secured, offline)
    finally:
        secured.stop()
        offline.stop()
