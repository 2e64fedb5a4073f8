"""Fixtures shared by the whole suite: real model, real stores, real server processes.

Fixtures only: the helpers they use live in ``tests/support/`` and tests import them from there.

Nothing is mocked. The e5 model is converted once per checkout into ``<repo>/.cache/models``
(or ``SOURCIER_TEST_MODELS_DIR``); the bundled corpus is ingested into an embedded Qdrant Edge
store once per checkout and code version (``tests.support.index.ingested``, kept in
``<repo>/.cache/test-indexes``); tests get copies; tests that need a server start ``sourcier
serve`` as a real process on 127.0.0.1 with a copy of that index.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from sourcier.runtime import configure_runtime

configure_runtime()

from sourcier.config import BUNDLED_CORPUS, Settings  # noqa: E402
from tests.support.index import ARTIFACTS, MODEL_CACHE, REPO, copy_index, ingested, make_settings  # noqa: E402, F401
from tests.support.processes import LiveServer, StartServer, child_env, free_port  # noqa: E402

#: Fixtures that make a test part of the slow tier: real ``sourcier serve`` processes, and the
#: whole gold set run through the answerer (``extractive``).
SLOW_FIXTURES = frozenset(
    {"live_server", "start_server", "server", "server_client", "configured", "extractive"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers: tests using a slow fixture are marked ``slow`` (``make test-fast`` leaves them out)."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def model_cache() -> Path:
    from sourcier.e5_conversion import ensure_e5_model
    from sourcier.onnx_export import ensure_onnx_int8

    # the int8 export (SOURCIER_EMBEDDING_BACKEND=onnx-int8) too, once, before any process needs it
    ensure_onnx_int8(ensure_e5_model(MODEL_CACHE), MODEL_CACHE)
    return MODEL_CACHE


@pytest.fixture(scope="session")
def embedder(model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sourcier.embedding import load_embedder

    return load_embedder(make_settings(tmp_path_factory.mktemp("embedder")))


@pytest.fixture(scope="session")
def corpus_index(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data dir holding the bundled corpus, ingested into Qdrant Edge (closed afterwards; built
    once per checkout, ``tests.support.index.ingested``)."""
    return ingested(tmp_path_factory.mktemp("corpus-index"), [BUNDLED_CORPUS], embedder, added=2)


@pytest.fixture(scope="session")
def service(corpus_index: Settings, embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The Python API over a copy of the ingested corpus, sharing the session's embedder."""
    from server.engine.service import Sourcier
    from sourcier.store import open_store

    settings = copy_index(corpus_index, tmp_path_factory.mktemp("service-index"))
    sourcier = Sourcier(settings, open_store(settings), embedder)
    yield sourcier
    sourcier.close()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start servers on demand: ``start_server(settings, wait=True, **env)``; all stopped after."""
    servers: list[LiveServer] = []

    def start(settings: Settings, wait: bool = True, **env: str) -> LiveServer:
        server = LiveServer(
            settings, child_env(settings, **env), free_port(), tmp_path / f"server-{len(servers)}.log"
        )
        servers.append(server)
        if wait:
            server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the session, over a copy of the ingested corpus."""
    settings = copy_index(corpus_index, tmp_path_factory.mktemp("live-index"))
    server = LiveServer(
        settings, child_env(settings), free_port(), tmp_path_factory.mktemp("logs") / "server.log"
    )
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
