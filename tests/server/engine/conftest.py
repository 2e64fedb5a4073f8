"""Engine fixtures shared by the ranking and abstention tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from server.engine.service import Sourcier
from sourcier.config import Settings
from tests.support.pages import DOCS, pages_service


@pytest.fixture(scope="session")
def aptitude_pages(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """The bundled articles plus the eleven pages of aptitude's manual of the docs suite."""
    pages = sorted(DOCS.glob("aptitude-doc-fr_*.txt"))
    assert len(pages) == 11
    yield from pages_service(pages, "aptitude-pages", embedder, corpus_index, tmp_path_factory)
