"""An installation without PyTorch serves and answers on the int8 ONNX runtime (given the export
``sourcier model`` made where torch is installed), and says clearly what it cannot do.

"Without torch" is real here, not a flag: the child interpreter runs with ``-S`` (no site
packages) and a site folder that links every installed distribution of this environment except
PyTorch, transformers, sentence-transformers and onnx, so importing them fails as it would in
an installation without them.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx
import pytest

from sourcier.config import Settings
from tests.support.index import copy_index
from tests.support.processes import LiveServer, child_env, free_port

pytestmark = pytest.mark.slow  # server and CLI processes

#: What the ONNX runtime does not need (import and distribution names, normalised).
TORCH_STACK = {"torch", "torchgen", "functorch", "sentence_transformers", "transformers", "onnx"}
BOOT = (
    "import runpy, site, sys; site.addsitedir(sys.argv.pop(1)); sys.argv[0] = 'sourcier'; "
    "runpy.run_module('sourcier_cli', run_name='__main__')"
)


def _distribution(entry: str) -> str:
    """``torch-2.13.0+cpu.dist-info`` → ``torch``; ``sentence_transformers`` → itself."""
    name = entry.split("-")[0] if entry.endswith((".dist-info", ".egg-info")) else entry
    return name.removesuffix(".py").lower().replace("-", "_")


@pytest.fixture(scope="module")
def slim_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("slim-site")
    folders = {Path(sysconfig.get_paths()[kind]) for kind in ("purelib", "platlib")}
    for entry in (e for folder in sorted(folders) for e in folder.iterdir()):
        if _distribution(entry.name) not in TORCH_STACK and not (site / entry.name).exists():
            (site / entry.name).symlink_to(entry)
    return site


def _slim(site: Path, *args: str) -> list[str]:
    return [sys.executable, "-S", "-c", BOOT, str(site), *args]


def test_the_slim_interpreter_really_lacks_torch(slim_site: Path) -> None:
    probe = "import importlib.util as u; print([n for n in ('torch', 'transformers', 'onnx', 'onnxruntime', 'sourcier') if u.find_spec(n)])"
    run = subprocess.run(
        [sys.executable, "-S", "-c", f"import site, sys; site.addsitedir({str(slim_site)!r}); {probe}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.split() == ["['onnxruntime',", "'sourcier']"], run.stderr


def test_serves_and_answers_without_torch(corpus_index: Settings, slim_site: Path, tmp_path: Path) -> None:
    settings = copy_index(corpus_index, tmp_path / "index")
    env = child_env(settings, SOURCIER_EMBEDDING_BACKEND="onnx-int8")
    server = LiveServer(settings, env, free_port(), tmp_path / "server.log", command=_slim(slim_site))
    try:
        server.wait_ready()
        reply = httpx.post(f"{server.url}/ask", json={"question": "Qui dirige le TBD Lab ?"}, timeout=60)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert not body["abstained"] and body["citations"], body
        assert "Alexandr Wang" in body["answer"]
    finally:
        server.stop()
    assert "ModuleNotFoundError" not in server.log.read_text(encoding="utf-8", errors="replace")


def test_the_torch_runtime_says_torch_is_missing(
    corpus_index: Settings, slim_site: Path, tmp_path: Path
) -> None:
    settings = copy_index(corpus_index, tmp_path / "index")
    env = child_env(settings, SOURCIER_EMBEDDING_BACKEND="torch")
    run = subprocess.run(
        _slim(slim_site, "ask", "Qui dirige le TBD Lab ?"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "demande PyTorch" in run.stderr and "pip install torch==2.13.0" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_export_without_torch_says_how_to_get_one(slim_site: Path, tmp_path: Path) -> None:
    """A models folder without the export: the conversion (numpy only) runs, the export cannot."""
    env = child_env(
        Settings(_env_file=None, data_dir=tmp_path / "data", model_cache_dir=tmp_path / "models"),  # type: ignore[call-arg]
        SOURCIER_EMBEDDING_BACKEND="onnx-int8",
    )
    run = subprocess.run(
        _slim(slim_site, "model"), env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "demande PyTorch" in run.stderr and "sourcier model" in run.stderr
    assert "Traceback" not in run.stderr
    assert (tmp_path / "models" / "multilingual-e5-small" / "model.safetensors").is_file()
