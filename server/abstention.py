"""Deciding, from retrieval evidence alone, whether the corpus supports an answer.

Prompts are not trusted to refuse. The decision uses two measured signals of the best
evidence: how similar its best sentence is to the question (embedding cosine), and how much
of the question's content terms the best sentences contain. Both thresholds are settings,
calibrated on the eval set's answerable and unanswerable questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.evidence import Evidence

ABSTENTION_MESSAGE = (
    "Le corpus ne contient pas de réponse à cette question : aucun passage des documents indexés ne l'étaye."
)


@dataclass(frozen=True, slots=True)
class Decision:
    abstain: bool
    best_dense: float
    best_coverage: float
    reason: str


def decide(evidence: Sequence[Evidence], min_dense: float, min_coverage: float) -> Decision:
    """Abstain unless some sentence is close to the question and the evidence covers its terms."""
    if not evidence:
        return Decision(True, 0.0, 0.0, "nothing retrieved")
    best_dense = max(e.dense for e in evidence)
    best_coverage = max(e.coverage for e in evidence[:5])
    if best_dense < min_dense:
        return Decision(True, best_dense, best_coverage, f"best similarity {best_dense:.3f} < {min_dense}")
    if best_coverage < min_coverage:
        return Decision(
            True, best_dense, best_coverage, f"question terms covered {best_coverage:.2f} < {min_coverage}"
        )
    return Decision(False, best_dense, best_coverage, "supported")
