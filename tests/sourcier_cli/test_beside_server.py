"""``sourcier ask`` and ``sourcier ingest`` while ``sourcier serve`` holds the embedded store:
real server process, real CLI subprocesses. They find the server through ``server.json`` (or
``--url``), talk to it over HTTP, and say at once what cannot work."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sourcier.config import Settings
from sourcier.server_discovery import running_server, server_file
from tests.ingest.sample_files import make_pdf, make_scanned_pdf
from tests.support.http_checks import ApiServer
from tests.support.index import copy_index
from tests.support.processes import child_env, free_port

QUESTION = "Quel est le nom de code du successeur de Llama ?"

pytestmark = pytest.mark.slow  # real `sourcier serve` processes


def cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcier_cli", *args],
        env=child_env(settings, COLUMNS="300", **env),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=settings.data_dir,
    )


def flat(result: subprocess.CompletedProcess[str]) -> str:
    return " ".join((result.stdout + result.stderr).split())


@pytest.fixture(scope="module")
def served(
    corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, ApiServer]]:
    settings = copy_index(corpus_index, tmp_path_factory.mktemp("beside-index"))
    server = ApiServer(
        settings, child_env(settings), tmp_path_factory.mktemp("beside-logs") / "server.log", ["--no-ui"]
    )
    try:
        server.wait_ready()
        yield settings, server
    finally:
        server.stop()


def test_serve_records_its_url(served: tuple[Settings, ApiServer]) -> None:
    settings, server = served
    info = json.loads(server_file(settings.data_dir).read_text())
    assert info["url"] == server.url and info["pid"] == server.process.pid
    found = running_server(settings.data_dir)
    assert found is not None and found.url == server.url


def test_ask_goes_through_the_running_server(served: tuple[Settings, ApiServer]) -> None:
    settings, server = served
    started = time.monotonic()
    result = cli(settings, "ask", QUESTION)
    assert result.returncode == 0, result.stderr
    text = flat(result)
    assert "Avocado est le nom de code du successeur de Llama" in text
    assert f"par le serveur {server.url}" in text
    assert re.search(r"Réponse en \d+ ms \(plongement \d+ ms, recherche \d+ ms", text), text
    assert "Chargement du modèle" not in text  # the model stays in the server
    assert time.monotonic() - started < 60


def test_ingest_goes_through_the_running_server(served: tuple[Settings, ApiServer], tmp_path: Path) -> None:
    settings, server = served
    folder = tmp_path / "mes-documents"
    (folder / "sous").mkdir(parents=True)
    make_pdf(folder / "sous" / "abeilles.pdf")
    result = cli(settings, "ingest", str(folder))
    assert result.returncode == 0, flat(result)
    text = flat(result)
    assert (
        "ajouté : abeilles.pdf → sous/abeilles" in text
        and "3 pages" in text
        and "Bilan de l'ingestion" in text
    )
    document = httpx.get(f"{server.url}/documents/sous/abeilles").json()
    assert document["page_starts"] and "pollinisateurs" in document["text"]
    again = cli(settings, "ingest", str(folder))
    assert again.returncode == 0 and "inchangé : abeilles.pdf" in flat(again)
    answer = cli(
        settings,
        "ask",
        "Combien d'euros la Commission européenne a-t-elle consacré aux pollinisateurs ?",
        "--document",
        "sous/abeilles",
    )
    assert answer.returncode == 0 and "sous/abeilles [" in flat(answer) and ", p. 2" in flat(answer), flat(
        answer
    )


def test_a_file_the_server_refuses_is_named_with_its_french_reason(
    served: tuple[Settings, ApiServer], tmp_path: Path
) -> None:
    settings, _ = served
    folder = tmp_path / "mauvais"
    folder.mkdir()
    make_scanned_pdf(folder / "scan.pdf")
    (folder / "latin1.txt").write_bytes("Été à Noël, déjà.".encode("latin-1"))
    result = cli(settings, "ingest", str(folder))
    assert result.returncode == 1 and "Traceback" not in flat(result), flat(result)
    failures = sorted(line for line in result.stderr.splitlines() if line.startswith("échec :"))
    assert len(failures) == 2, result.stderr
    assert failures[0].startswith(f"échec : {folder / 'latin1.txt'} : texte qui n'est pas en UTF-8 valide")
    assert failures[1].startswith(f"échec : {folder / 'scan.pdf'} : PDF sans couche texte (scanné ?)")


def test_prune_through_the_server_is_refused_at_once(served: tuple[Settings, ApiServer]) -> None:
    settings, _ = served
    result = cli(settings, "ingest", "--prune")
    assert result.returncode == 2 and "--prune ne passe pas par le serveur" in flat(result)


def test_explicit_url_wins_and_a_dead_one_is_a_message(
    served: tuple[Settings, ApiServer], tmp_path: Path
) -> None:
    settings, server = served
    elsewhere = Settings(_env_file=None, data_dir=tmp_path / "vide", model_cache_dir=settings.models_dir)  # type: ignore[call-arg]
    elsewhere.data_dir.mkdir()
    ok = cli(elsewhere, "ask", QUESTION, "--url", server.url)
    assert ok.returncode == 0 and "Avocado" in ok.stdout, flat(ok)
    dead = f"http://127.0.0.1:{free_port()}"
    refused = cli(elsewhere, "ask", QUESTION, SOURCIER_URL=dead)
    assert refused.returncode == 2 and f"le serveur {dead} ne répond pas" in flat(refused)
    assert "Traceback" not in refused.stderr


def test_locked_store_without_a_server_is_reported_before_loading_the_model(
    served: tuple[Settings, ApiServer], tmp_path: Path
) -> None:
    """The server's file is gone (say it was deleted): the CLI cannot reach it and says so at once."""
    settings, _ = served
    path = server_file(settings.data_dir)
    saved = path.read_text()
    path.unlink()
    try:
        started = time.monotonic()
        result = cli(settings, "ask", QUESTION)
        elapsed = time.monotonic() - started
    finally:
        path.write_text(saved)
    assert result.returncode == 2 and "utilisé par un autre processus Sourcier" in flat(result), flat(result)
    assert "--url" in flat(result) and "Chargement du modèle" not in flat(result)
    assert elapsed < 15, elapsed


def test_stale_server_file_is_ignored_and_removed(corpus_index: Settings, tmp_path: Path) -> None:
    settings = copy_index(corpus_index, tmp_path / "index")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    server_file(settings.data_dir).write_text(
        json.dumps({"url": f"http://127.0.0.1:{free_port()}", "pid": int(dead.stdout)})
    )
    assert running_server(settings.data_dir) is None
    assert not server_file(settings.data_dir).exists()


def test_server_file_is_removed_on_shutdown(corpus_index: Settings, tmp_path: Path) -> None:
    settings = copy_index(corpus_index, tmp_path / "index")
    server = ApiServer(settings, child_env(settings), tmp_path / "server.log", ["--no-ui"])
    try:
        server.wait_ready()
        assert server_file(settings.data_dir).exists()
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not server_file(settings.data_dir).exists(), server.log.read_text()[-2000:]
    assert os.path.exists(settings.data_dir)
