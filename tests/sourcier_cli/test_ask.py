"""``sourcier ask`` as a user runs it: a real subprocess over the ingested corpus."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from sourcier.config import Settings
from tests.support.index import copy_index
from tests.support.processes import child_env

pytestmark = pytest.mark.slow  # a real subprocess per test (model load included)


def run_ask(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "ask", *args],
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=settings.data_dir,
    )


@pytest.fixture(scope="module")
def cli_index(corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return copy_index(corpus_index, tmp_path_factory.mktemp("cli-index"))


def test_ask_prints_a_cited_french_answer(cli_index: Settings, service: Any) -> None:
    result = run_ask(cli_index, "Quel est le nom de code du successeur de Llama ?")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    flat = " ".join(result.stdout.split())  # rich wraps long lines when stdout is not a terminal
    assert "Avocado est le nom de code du successeur de Llama" in flat
    assert "[1]" in flat
    located = re.search(r"000_9d4ca8a47585dcb9 \[(\d+):(\d+)\]", flat)
    assert located, result.stdout
    start, end = int(located.group(1)), int(located.group(2))
    quote = service.document("000_9d4ca8a47585dcb9").text[start:end]
    assert quote.startswith("Avocado est le nom de code du successeur de Llama")
    assert f"« {' '.join(quote.split())} »" in flat  # the printed span is the printed quote


def test_ask_says_when_the_choice_was_close(cli_index: Settings) -> None:
    result = run_ask(
        cli_index, "Qui devra approuver tout changement de stratégie de Meta sur l'ouverture de ses modèles ?"
    )
    assert result.returncode == 0, result.stderr
    flat = " ".join((result.stdout + result.stderr).split())
    assert "À vérifier" in flat and "à comparer avec" in flat
    assert "tout changement devra encore recevoir l'approbation de Zuckerberg" in flat
    clear = run_ask(cli_index, "Quel est le nom de code du successeur de Llama ?")
    assert "À vérifier" not in clear.stdout + clear.stderr


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_exits_2_with_a_clear_message(cli_index: Settings, question: str) -> None:
    result = run_ask(cli_index, question)
    assert result.returncode == 2
    assert "question : la question est vide" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
