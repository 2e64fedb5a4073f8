"""One call's answering configuration: every knob the stages read, passed with each question.

Why per call and not read from a live service: the eval, the calibration and the bench answer the
same questions under other configurations side by side; none of them may change what a running
service does. ``AnswerConfig.from_settings`` is the product's configuration."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from server.engine.abstention import Support
from server.engine.evidence import Weights
from server.engine.grounding import Thresholds
from sourcier.config import Settings
from sourcier.store.fusion import DENSE_WEIGHT

Answerer = Literal["extractive", "generative"]


@dataclass(frozen=True, slots=True)
class AnswerConfig:
    """``answerer="generative"`` uses the language model when one is configured (else extractive)."""

    top_k: int = 8
    dense_weight: float = DENSE_WEIGHT  # dense retrieval's share of the hybrid blend
    weights: Weights = field(default_factory=Weights)
    abstain_min_dense: float = 0.0  # optional best-cosine floor (off: see Support)
    support: Support = field(default_factory=Support)
    max_sentences: int = 2
    confident_margin: float = 0.04
    answerer: Answerer = "extractive"
    grounding: Thresholds = field(default_factory=Thresholds)

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerConfig:
        return cls(
            top_k=settings.top_k,
            dense_weight=settings.hybrid_dense_weight,
            abstain_min_dense=settings.abstain_min_dense,
            support=Support(
                min_alignment=settings.abstain_min_alignment,
                strong_alignment=settings.abstain_strong_alignment,
                min_agreement=settings.abstain_min_agreement,
                rare_idf=settings.abstain_rare_idf,
                rare_alignment=settings.abstain_rare_alignment,
                widespread_share=settings.abstain_widespread_share,
                answer_agreement=settings.abstain_answer_agreement,
                answer_alignment=settings.abstain_answer_alignment,
            ),
            max_sentences=settings.answer_max_sentences,
            confident_margin=settings.confident_margin,
            answerer="generative" if settings.llm_base_url and settings.llm_model else "extractive",
        )

    def replace(self, **changes: Any) -> AnswerConfig:
        """A copy with some knobs changed (the original is frozen)."""
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        return (
            f"top_k={self.top_k}, dense_weight={self.dense_weight}, support={self.support}, "
            f"abstain_min_dense={self.abstain_min_dense}, "
            f"answer_max_sentences={self.max_sentences}, weights={self.weights}"
        )
