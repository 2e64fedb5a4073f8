"""How the CLI finds a running ``sourcier serve``: ``<data_dir>/server.json``.

The embedded store admits one process, so while a server holds it, ``sourcier ask`` and
``sourcier ingest`` must go through that server. ``serve`` writes its URL and process id to the
data directory when it starts and removes the file when it stops; a file left by a server that
was killed is recognised as stale (its process is gone, or nothing answers at its URL).
An explicit ``--url`` or ``SOURCIER_URL`` always wins.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

#: Seconds to wait for a found server's /health before calling it stale.
PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class ServerInfo:
    url: str
    pid: int | None
    started_at: str | None = None


def server_file(data_dir: Path) -> Path:
    return data_dir / "server.json"


def local_url(host: str, port: int) -> str:
    """The URL a client on this machine uses (a server on all interfaces is reached on loopback)."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in reachable and not reachable.startswith("["):
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


def announce(data_dir: Path, url: str) -> Path:
    """Record this process as the data directory's server (atomically: readers never see half)."""
    path = server_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {"url": url, "pid": os.getpid(), "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(info), encoding="utf-8")
    partial.replace(path)
    return path


def withdraw(data_dir: Path) -> None:
    """Remove the server file if it is this process's (another server may have replaced it)."""
    path = server_file(data_dir)
    info = read(path)
    if info is not None and info.pid == os.getpid():
        path.unlink(missing_ok=True)


def read(path: Path) -> ServerInfo | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        pid = raw.get("pid")
        return ServerInfo(str(raw["url"]), int(pid) if pid is not None else None, raw.get("started_at"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def answers(url: str) -> bool:
    """True when something answers ``GET /health`` at ``url``."""
    try:
        return httpx.get(f"{url.rstrip('/')}/health", timeout=PROBE_TIMEOUT_S).status_code < 500
    except httpx.HTTPError:
        return False


def running_server(data_dir: Path) -> ServerInfo | None:
    """The data directory's live server, or None; a stale file (dead process) is removed."""
    path = server_file(data_dir)
    info = read(path)
    if info is None:
        return None
    if info.pid is not None and not _process_alive(info.pid):
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return info if answers(info.url) else None


def announce_while_serving(app: Any, data_dir: Path, url: str) -> None:
    """Wrap a Starlette/FastAPI app's lifespan so that the server file exists exactly while the
    app is up. (Removing it after ``uvicorn.run`` returns is too late: on SIGTERM uvicorn shuts
    the app down, then re-raises the signal, which ends the process.)"""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            announce(data_dir, url)
            try:
                yield state
            finally:
                withdraw(data_dir)

    app.router.lifespan_context = lifespan
