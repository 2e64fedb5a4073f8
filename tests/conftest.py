"""Fixtures shared by the whole suite: real model, real stores, real server processes.

Nothing is mocked. The e5 model is converted once per checkout into ``<repo>/.cache/models``
(or ``SOURCIER_TEST_MODELS_DIR``); the bundled corpus is ingested once per test session into
an embedded Qdrant Edge store; tests that need a server start ``sourcier serve`` as a real
process on 127.0.0.1 with a copy of that index.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from sourcier.runtime import configure_runtime

configure_runtime()

from sourcier.config import BUNDLED_CORPUS, Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODEL_CACHE = Path(os.environ.get("SOURCIER_TEST_MODELS_DIR") or REPO / ".cache" / "models")
ARTIFACTS = REPO / "test-artifacts"


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


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test: its own data dir, the shared model cache, no .env file."""
    values: dict[str, Any] = {"data_dir": data_dir, "model_cache_dir": MODEL_CACHE, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a child process needs to see the same configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCIER_")}
    env.update(
        SOURCIER_DATA_DIR=str(settings.data_dir),
        SOURCIER_MODEL_CACHE_DIR=str(settings.models_dir),
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    if settings.qdrant_url:
        env["SOURCIER_QDRANT_URL"] = settings.qdrant_url
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def model_cache() -> Path:
    from sourcier.e5_conversion import ensure_e5_model

    ensure_e5_model(MODEL_CACHE)
    return MODEL_CACHE


@pytest.fixture(scope="session")
def embedder(model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sourcier.embedding import load_embedder

    return load_embedder(make_settings(tmp_path_factory.mktemp("embedder")))


@pytest.fixture(scope="session")
def corpus_index(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data dir holding the bundled corpus, ingested into Qdrant Edge (closed afterwards)."""
    from ingest.pipeline import Ingestor
    from sourcier.store import open_store

    settings = make_settings(tmp_path_factory.mktemp("corpus-index"))
    store = open_store(settings)
    try:
        report = Ingestor(store, embedder, settings).ingest([BUNDLED_CORPUS])
        assert report.ok and report.added == 2, report
    finally:
        store.close()
    return settings


def copy_index(source: Settings, target_dir: Path, **overrides: Any) -> Settings:
    """A private copy of an ingested index (the embedded store admits one process at a time)."""
    shutil.copytree(source.data_dir, target_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("models"))
    return make_settings(target_dir, **overrides)


@pytest.fixture(scope="session")
def service(corpus_index: Settings, embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The Python API over a copy of the ingested corpus, sharing the session's embedder."""
    from server.engine.service import Sourcier
    from sourcier.store import open_store

    settings = copy_index(corpus_index, tmp_path_factory.mktemp("service-index"))
    sourcier = Sourcier(settings, open_store(settings), embedder)
    yield sourcier
    sourcier.close()


class LiveServer:
    """A real ``sourcier serve`` process on 127.0.0.1."""

    def __init__(self, settings: Settings, env: dict[str, str], port: int, log: Path) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sourcier_cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            cwd=settings.data_dir,
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"server not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log_file.close()


StartServer = Callable[..., LiveServer]


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
