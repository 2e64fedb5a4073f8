"""Small indexes of real suite pages beside the bundled articles, and the engine's stages on them:
for tests that need a corpus of a kind the articles are not (a manual, a help system)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from server.engine.config import AnswerConfig
from server.engine.service import Sourcier
from server.engine.types import Question
from sourcier.config import Settings
from sourcier.store import open_store
from tests.support.index import REPO, ingested

DOCS = REPO / "eval" / "suites" / "docs" / "documents"
FRESH = REPO / "eval" / "suites" / "fresh" / "documents"


def pages_service(
    pages: Sequence[Path], name: str, embedder: Any, corpus_index: Settings, factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """The bundled articles plus ``pages`` (each a new document), in a private copy of the index."""
    settings = ingested(factory.mktemp(f"{name}-index"), pages, embedder, corpus_index, added=len(pages))
    service = Sourcier(settings, open_store(settings), embedder)
    yield service
    service.close()


def stages(service: Any, text: str, config: AnswerConfig | None = None) -> tuple[Any, Any, Any]:
    engine, config = service.engine, config or AnswerConfig()
    understanding = engine.understand(Question(text))
    retrieval = engine.retrieve(understanding, config)
    evidence = engine.gather(understanding, retrieval, config)
    return understanding, retrieval, evidence
