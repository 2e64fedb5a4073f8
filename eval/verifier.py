"""The deterministic verifier as the harness uses it: ``server.engine.grounding.check_support`` plus the
embedding similarity it needs, computed exactly as the generative answerer's alignment does
(passage embeddings of both texts, cosine), and cached so threshold sweeps cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.engine.evidence import SentenceVectors
from server.engine.grounding import SupportCheck, Thresholds, check_support
from sourcier.lexical import LexicalEncoder


class Verifier:
    """``check(sentence, span)``: does the cited span support the sentence?"""

    def __init__(
        self, vectors: SentenceVectors, lexical: LexicalEncoder, thresholds: Thresholds = Thresholds()
    ) -> None:
        self.vectors = vectors
        self.lexical = lexical
        self.thresholds = thresholds
        self._similarity: dict[tuple[str, str], float] = {}
        self._checks: dict[tuple[str, str, Thresholds], SupportCheck] = {}

    def prefetch(self, texts: Iterable[str]) -> None:
        """Embed many texts in one batch (pairwise calls would embed them one by one)."""
        self.vectors.embed(list(dict.fromkeys(texts)))

    def similarity(self, a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        if key not in self._similarity:
            vectors = self.vectors.embed([a, b])
            self._similarity[key] = float(vectors[0] @ vectors[1])
        return self._similarity[key]

    def check(self, sentence: str, span: str, thresholds: Thresholds | None = None) -> SupportCheck:
        key = (sentence, span, thresholds or self.thresholds)
        if key not in self._checks:
            self._checks[key] = check_support(
                sentence, span, self.similarity(sentence, span), self.lexical, key[2]
            )
        return self._checks[key]

    def supports(self, sentence: str, span: str) -> bool:
        return self.check(sentence, span).supported
