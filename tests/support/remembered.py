"""The real model with its passage vectors kept per text, for tests about what ingestion writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class RememberedPassages:
    """Delegates to ``model``; ``embed_passages`` embeds (in one batch) only the texts it has not
    embedded before. Why: the ingestion tests ingest the same two articles some thirty times
    into both engines, and what they check (ids, counts, replacements, reports) does not depend
    on the vectors' last digits. Not for ranking tests: a text embedded alone or in another batch
    can differ in those digits, which can move a borderline decision."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.passages: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self.passages))
        if new:
            self.passages.update(zip(new, self.model.embed_passages(new), strict=True))
        if not texts:
            return np.zeros((0, self.model.dimension), dtype=np.float32)
        return np.stack([self.passages[t] for t in texts])
