"""``compose.yaml``, ``Dockerfile`` and ``.dockerignore``, checked without a Docker engine.

- ``docker compose config -q`` (or Debian's ``docker-compose config -q``) validates the file when
  one of them is installed; the test skips with the reason otherwise.
- The YAML is parsed and its structure asserted: services, images, volumes, health checks,
  dependencies, profiles, and every ``SOURCIER_*`` variable is a real setting.
- The health-check commands are run for real: the api's against a live ``sourcier serve``, the
  Qdrant one against a tiny HTTP server answering ``/readyz`` like Qdrant does.
- The Dockerfile's inline Python compiles, torch is pinned to the CPU build, the process is not root.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from sourcier.config import Settings
from tests.support.processes import LiveServer, free_port

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"


def compose_command() -> list[str] | None:
    """``docker compose`` (v2 plugin) if it works, else ``docker-compose`` (v1), else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


@pytest.mark.parametrize("profiles", [[], ["llm"]], ids=["default", "llm-profile"])
def test_compose_config_is_valid(profiles: list[str]) -> None:
    command = compose_command()
    if command is None:
        pytest.skip(
            "neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)"
        )
    args = [*command, "-f", str(COMPOSE)]
    for profile in profiles:
        args += ["--profile", profile]
    result = subprocess.run([*args, "config", "-q"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_services_and_volumes(compose: dict[str, Any]) -> None:
    assert set(services(compose)) == {"qdrant", "api", "ingest", "ollama"}
    assert set(compose["volumes"]) >= {"qdrant_storage", "sourcier_data", "ollama_models"}


def test_qdrant_is_the_official_image_with_a_volume_and_a_healthcheck(compose: dict[str, Any]) -> None:
    qdrant = services(compose)["qdrant"]
    assert re.fullmatch(r"qdrant/qdrant:\$\{QDRANT_VERSION:-v\d+\.\d+\.\d+\}", qdrant["image"]), qdrant[
        "image"
    ]
    assert "qdrant_storage:/qdrant/storage" in qdrant["volumes"]
    assert "readyz" in " ".join(qdrant["healthcheck"]["test"])
    assert "profiles" not in qdrant


def test_api_is_built_here_points_at_qdrant_and_waits_for_it(compose: dict[str, Any]) -> None:
    api = services(compose)["api"]
    assert api["build"]["context"] == "." and (REPO / api["build"]["dockerfile"]).is_file()
    assert api["environment"]["SOURCIER_QDRANT_URL"] == "http://qdrant:6333"
    assert api["depends_on"]["qdrant"]["condition"] == "service_healthy"
    assert api["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
    assert any(str(port).endswith(":8000") for port in api["ports"])
    assert api["command"][:2] == ["sourcier", "serve"] and "0.0.0.0" in api["command"]
    assert "/ready" in " ".join(api["healthcheck"]["test"])


def test_ingest_is_a_one_shot_job_on_the_same_image(compose: dict[str, Any]) -> None:
    api, ingest = services(compose)["api"], services(compose)["ingest"]
    assert ingest["command"] == ["sourcier", "ingest"]
    assert ingest["restart"] == "no"
    assert ingest["image"] == api["image"] and ingest["build"] == api["build"]
    assert ingest["environment"] == api["environment"]
    assert ingest["depends_on"]["qdrant"]["condition"] == "service_healthy"


def test_ollama_is_optional_under_the_llm_profile(compose: dict[str, Any]) -> None:
    ollama = services(compose)["ollama"]
    assert ollama["profiles"] == ["llm"]
    assert ollama["image"].startswith("ollama/ollama:")
    assert "ollama" not in services(compose)["api"].get("depends_on", {})  # the api runs without it
    assert "SOURCIER_LLM_BASE_URL" in services(compose)["api"]["environment"]


def test_every_sourcier_variable_is_a_setting(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    for name, service in services(compose).items():
        for variable in service.get("environment") or {}:
            if variable.startswith("SOURCIER_"):
                assert variable.removeprefix("SOURCIER_").lower() in fields, (name, variable)


def test_secrets_are_passed_through_never_defaulted_to_empty(compose: dict[str, Any]) -> None:
    """An empty API key is not "no key": unset secrets must stay unset in the containers."""
    for name, service in services(compose).items():
        for variable, value in (service.get("environment") or {}).items():
            if "API_KEY" in variable:
                assert value is None, (name, variable, value)


# --- the health checks, run for real ---------------------------------------------------------


def test_api_healthcheck_command_against_a_live_server(
    compose: dict[str, Any], live_server: LiveServer
) -> None:
    kind, program, flag, code = services(compose)["api"]["healthcheck"]["test"]
    assert (kind, program, flag) == ("CMD", "python", "-c")
    assert "http://127.0.0.1:8000/ready" in code
    ready = subprocess.run(
        [sys.executable, "-c", code.replace("http://127.0.0.1:8000", live_server.url)], timeout=60
    )
    assert ready.returncode == 0
    closed = subprocess.run(
        [sys.executable, "-c", code.replace("127.0.0.1:8000", f"127.0.0.1:{free_port()}")],
        capture_output=True,
        timeout=60,
    )
    assert closed.returncode != 0


class _ReadyzHandler(BaseHTTPRequestHandler):
    ready = True

    def do_GET(self) -> None:
        ok = self.path == "/readyz" and self.ready
        body = b"all shards are ready" if ok else b"some shards are not ready"
        self.send_response(200 if ok else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_readyz() -> Iterator[tuple[int, type[_ReadyzHandler]]]:
    handler = type("Handler", (_ReadyzHandler,), {"ready": True})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


def test_qdrant_healthcheck_command_against_a_readyz_endpoint(
    compose: dict[str, Any], fake_readyz: tuple[int, type[_ReadyzHandler]]
) -> None:
    if not shutil.which("bash"):
        pytest.skip("bash is not installed here (the qdrant image has it)")
    kind, program, flag, script = services(compose)["qdrant"]["healthcheck"]["test"]
    assert (kind, program, flag) == ("CMD", "bash", "-c")
    port, handler = fake_readyz
    probe = script.replace("/dev/tcp/127.0.0.1/6333", f"/dev/tcp/127.0.0.1/{port}")
    assert subprocess.run(["bash", "-c", probe], timeout=30).returncode == 0
    handler.ready = False
    assert subprocess.run(["bash", "-c", probe], timeout=30).returncode != 0
    closed = script.replace("/dev/tcp/127.0.0.1/6333", f"/dev/tcp/127.0.0.1/{free_port()}")
    assert subprocess.run(["bash", "-c", closed], capture_output=True, timeout=30).returncode != 0


# --- Dockerfile and .dockerignore ------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", "", DOCKERFILE.read_text(encoding="utf-8"))
    result = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            instruction, _, arguments = stripped.partition(" ")
            result.append((instruction.upper(), arguments.strip()))
    return result


def test_dockerfile_base_torch_pin_and_user() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = [args for kind, args in instructions if kind == "RUN"]
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in runs
    assert any("ensure_e5_model" in run for run in runs), "the model must be converted at build time"
    users = [args for kind, args in instructions if kind == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("EXPOSE", "8000") in instructions
    assert any(kind == "HEALTHCHECK" and "/ready" in args for kind, args in instructions)
    copied = {args.split()[0] for kind, args in instructions if kind == "COPY"}
    assert "." in copied, "the code is copied whole: .dockerignore decides what stays out"


def test_dockerfile_inline_python_compiles() -> None:
    snippets = [
        match.group(1)
        for _, args in dockerfile_instructions()
        for match in re.finditer(r'python -c "([^"]+)"', args)
    ]
    assert len(snippets) >= 3
    for snippet in snippets:
        compile(snippet, "<Dockerfile>", "exec")


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".cache", ".sourcier", ".env", "tests"} <= ignored
    assert not ignored & {*project_packages(), "data", "pyproject.toml", "README.md"}


def project_packages() -> list[str]:
    """pyproject.toml's one list of the project's packages (what the image installs)."""
    with (REPO / "pyproject.toml").open("rb") as handle:
        include = tomllib.load(handle)["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = [pattern.rstrip("*") for pattern in include]
    assert all((REPO / p / "__init__.py").is_file() for p in packages), packages
    return packages
