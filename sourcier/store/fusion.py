"""Hybrid fusion: one ranking from the dense and the lexical result lists.

Each list's scores are rescaled to 0..1 over its own candidates (min-max), then blended
``dense_weight · dense + (1 − dense_weight) · lexical``; a chunk missing from a list gets 0 from
it. Why scores and not ranks (RRF, which the engines offer): a rank throws away how far the best
candidate stands above the rest. On a man page the lexical list has one chunk far ahead (the
option asked for) while the cosines of a small multilingual model are bunched together; RRF gave
both lists one vote and left hybrid below lexical retrieval alone in five of the six eval
halves. Replayed on the three suites' tuning halves (``python -m bench.fusion``: the store's own
dense and lexical top 40, chunk MRR / recall@5): RRF 0.777 / 0.799 / 0.777 and 0.933 / 0.928 /
0.934, this blend 0.809 / 0.797 / 0.825 and 0.933 / 0.917 / 0.934 (articles, docs, man pages);
it is at least as good as the better single retriever on both figures in four of the six halves
(RRF: one), and dense weights 0.3–0.5 form a plateau. Rescaling within the list makes a cosine
and a BM25 score comparable on any corpus without a constant fitted to one ("convex
combination" in Bruch et al., *An Analysis of Fusion Functions for Hybrid Retrieval*, 2023).

The fusion runs here, in Python, for both engines: the same arithmetic on the same candidates,
whatever the engine (Qdrant's own fusions are RRF and DBSF only, without this blend).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: Share of the dense list in the blend (the lexical list has the rest).
DENSE_WEIGHT = 0.4


class Scored(Protocol):
    """A point of one retriever's list: what the blend reads of it (an engine's hit will do)."""

    @property
    def point_id(self) -> str: ...

    @property
    def score(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Fused:
    """A point of the blended list, with its 0-based rank in each retriever's list (None: not in
    it). Points only: the engines fetch the payloads of the few they return."""

    point_id: str
    score: float
    dense_rank: int | None
    lexical_rank: int | None


def rescaled(hits: Sequence[Scored]) -> dict[str, float]:
    """Each hit's score mapped to 0..1 over the list (all 1.0 when the scores are equal)."""
    if not hits:
        return {}
    low = min(h.score for h in hits)
    spread = max(h.score for h in hits) - low
    return {h.point_id: (h.score - low) / spread if spread > 0 else 1.0 for h in hits}


def fuse(
    dense: Sequence[Scored], lexical: Sequence[Scored], dense_weight: float = DENSE_WEIGHT
) -> list[Fused]:
    """Every point of either list, scored by the blend, best first (equal scores in point-id
    order), each with its rank in the dense and the lexical list."""
    if not 0.0 <= dense_weight <= 1.0:
        raise ValueError(f"dense_weight must be within 0..1, got {dense_weight}")
    dense_scores, lexical_scores = rescaled(dense), rescaled(lexical)
    dense_ranks = {h.point_id: rank for rank, h in enumerate(dense)}
    lexical_ranks = {h.point_id: rank for rank, h in enumerate(lexical)}
    fused = [
        Fused(
            point_id,
            dense_weight * dense_scores.get(point_id, 0.0)
            + (1 - dense_weight) * lexical_scores.get(point_id, 0.0),
            dense_ranks.get(point_id),
            lexical_ranks.get(point_id),
        )
        for point_id in dict.fromkeys([*(h.point_id for h in lexical), *(h.point_id for h in dense)])
    ]
    return sorted(fused, key=lambda h: (-h.score, h.point_id))
