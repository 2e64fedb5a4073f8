"""A server started while another process holds the embedded store recovers when it is released."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from sourcier.config import Settings
from tests.support.index import copy_index
from tests.support.processes import StartServer

HOLDER = """
import sys
from sourcier.config import Settings
from sourcier.store import open_store
store = open_store(Settings(_env_file=None, data_dir=sys.argv[1]))
store.list_documents()
print("held", flush=True)
sys.stdin.read()
"""


def wait_for(url: str, status: int, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=2)
            if last.status_code == status:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered {status}: {last and last.text}")


def test_server_waits_for_the_lock_then_serves(
    corpus_index: Settings, start_server: StartServer, tmp_path: Path
) -> None:
    settings = copy_index(corpus_index, tmp_path / "index")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(settings.data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        server = start_server(settings, wait=False)
        unavailable = wait_for(f"{server.url}/ready", 503, 120).json()
        # 503 first while the model loads, then with the lock as the reason.
        deadline = time.monotonic() + 120
        while "utilisé par un autre processus" not in unavailable["reason"] and time.monotonic() < deadline:
            time.sleep(0.5)
            unavailable = httpx.get(f"{server.url}/ready", timeout=2).json()
        assert "utilisé par un autre processus" in unavailable["reason"], unavailable
        asked = httpx.post(f"{server.url}/ask", json={"question": "Qui dirige le TBD Lab ?"}, timeout=30)
        assert asked.status_code == 503 and "utilisé par un autre processus" in asked.json()["detail"]
    finally:
        holder.kill()
        holder.wait(10)
    wait_for(f"{server.url}/ready", 200, 30)
    answer = httpx.post(f"{server.url}/ask", json={"question": "Qui dirige le TBD Lab ?"}, timeout=60)
    assert answer.status_code == 200 and answer.json()["citations"], answer.text
