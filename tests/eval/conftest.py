"""The gold set run once through the extractive answerer, shared by the harness and calibration
tests (a run is ~15 s: worth doing once per session)."""

from __future__ import annotations

from typing import Any

import pytest

from eval import harness
from eval.dataset import load_gold, locate_passages


@pytest.fixture(scope="session")
def setup(service: Any) -> tuple[Any, list[Any], Any, dict[str, str]]:
    questions = load_gold()
    documents = {r.document.id: r.document.text for r in service.store.list_documents()}
    return service, questions, locate_passages(questions, documents), documents


@pytest.fixture(scope="session")
def extractive(setup: tuple[Any, ...]) -> harness.EvalResult:
    service, questions, gold, documents = setup
    config = service.config.replace(answerer="extractive")
    answerer = harness.engine_answerer(service.engine, config)
    return harness.evaluate(service.engine, config, questions, gold, documents, answerer, "extractive")
