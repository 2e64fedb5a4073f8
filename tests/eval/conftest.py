"""The gold set run once through the extractive answerer, shared by the harness, interval and
calibration tests (a run is ≈ 45 s of CPU: done once per checkout and code version, whichever
test worker needs it first; ``tests.support.shared_results``)."""

from __future__ import annotations

from typing import Any

import pytest

from eval import harness
from eval.dataset import GOLD_PATH, load_gold, locate_passages
from sourcier.config import BUNDLED_CORPUS
from tests.support.shared_results import shared_result


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
    return shared_result(
        "extractive",
        [GOLD_PATH, BUNDLED_CORPUS],
        f"{config!r} {service.settings.model_dump(exclude={'data_dir'})!r}",
        lambda: harness.evaluate(service.engine, config, questions, gold, documents, answerer, "extractive"),
    )
