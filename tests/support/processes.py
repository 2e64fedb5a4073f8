"""Real ``sourcier`` processes for the slow tier: ports, the child environment, a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from sourcier.config import Settings


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


class LiveServer:
    """A real ``sourcier serve`` process on 127.0.0.1."""

    def __init__(
        self,
        settings: Settings,
        env: dict[str, str],
        port: int,
        log: Path,
        command: Sequence[str] = (sys.executable, "-m", "sourcier_cli"),
    ) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
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
