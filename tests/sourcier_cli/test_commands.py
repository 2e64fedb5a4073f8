"""The ``sourcier`` command as users run it: real subprocesses, exit codes, messages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sourcier.config import BUNDLED_CORPUS
from tests.support.index import make_settings
from tests.support.processes import child_env

pytestmark = pytest.mark.slow  # a real subprocess per test


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcier_cli", *args],
        env=child_env(make_settings(data_dir), COLUMNS="200", **env),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=data_dir.parent,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path / "data")
    assert result.returncode == 0
    for command in ("ingest", "ask", "serve", "ui", "eval", "model"):
        assert command in result.stdout


def test_model_prepares_the_configured_runtime_and_says_where(model_cache: Path, tmp_path: Path) -> None:
    for backend in ("onnx-int8", "torch"):
        result = run(["model"], tmp_path / "data", SOURCIER_EMBEDDING_BACKEND=backend)
        assert result.returncode == 0, result.stderr
        assert f"multilingual-e5-small prêt ({backend}, 384 dimensions) dans {model_cache}" in result.stderr


def test_ingest_twice_then_a_bad_file(model_cache: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    data = tmp_path / "data"

    first = run(["ingest", str(corpus)], data)
    assert first.returncode == 0, first.stderr
    assert "Bilan de l'ingestion" in first.stdout
    row = [line for line in first.stdout.splitlines() if line.count("│") > 5][-1]
    assert [c.strip() for c in row.split("│")[1:7]] == ["2", "2", "0", "0", "0", "0"]
    assert "Modèle de plongement chargé en" in first.stderr

    second = run(["ingest", str(corpus)], data)
    assert second.returncode == 0
    # nothing new: the model is not even loaded (≈ 15 s of torch and sentence-transformers spared)
    assert "Rien de nouveau à plonger : modèle de plongement non chargé" in second.stderr, second.stderr
    row = [line for line in second.stdout.splitlines() if line.count("│") > 5][-1]
    assert [c.strip() for c in row.split("│")[1:8]] == ["2", "0", "0", "2", "0", "0", "0"]

    (corpus / "cassé.txt").write_bytes(b"\xff\xfe\x00\x00garbage")
    third = run(["ingest", str(corpus)], data)
    assert third.returncode == 1
    failures = [line for line in third.stderr.splitlines() if line.startswith("échec :")]
    assert failures == [
        f"échec : {corpus / 'cassé.txt'} : fichier binaire (il contient des octets NUL) : "
        "ce n'est pas du texte"
    ], third.stderr
    assert "Traceback" not in third.stderr + third.stdout


def test_ingest_of_a_missing_path_names_it(model_cache: Path, tmp_path: Path) -> None:
    result = run(["ingest", str(tmp_path / "absent.md")], tmp_path / "data")
    assert result.returncode == 1
    assert "absent.md : fichier introuvable" in result.stderr
    assert "modèle de plongement non chargé" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_configuration_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run(["ingest"], tmp_path / "data", SOURCIER_CHUNK_TOKENS="beaucoup")
    assert result.returncode == 2
    assert "SOURCIER_CHUNK_TOKENS='beaucoup' : un nombre entier est attendu" in result.stderr
    assert "Traceback" not in result.stderr
