"""The hybrid blend (sourcier.store.fusion) on hand-made lists: what each score means."""

from __future__ import annotations

import pytest

from sourcier.documents import Chunk, ScoredChunk
from sourcier.store.fusion import fuse, rescaled


def hit(point_id: str, score: float) -> ScoredChunk:
    chunk = Chunk("d", 0, 0, 1, "x", title="t", source="s", document_hash="h")
    return ScoredChunk(chunk=chunk, score=score, point_id=point_id)


def test_rescaled_maps_each_list_to_zero_one() -> None:
    assert rescaled([hit("a", 0.9), hit("b", 0.85), hit("c", 0.8)]) == pytest.approx(
        {"a": 1.0, "b": 0.5, "c": 0.0}
    )
    assert rescaled([hit("a", 12.0), hit("b", 12.0)]) == {"a": 1.0, "b": 1.0}  # no spread: all best
    assert rescaled([]) == {}


def test_a_clear_lexical_winner_beats_bunched_cosines() -> None:
    """Why a blend of scores and not RRF: cosines 0.84–0.86 say little, BM25 24 against 9 says a
    lot. RRF would rank ``dense-first`` and ``lexical-first`` alike (each first in one list)."""
    dense = [hit("dense-first", 0.86), hit("other", 0.85), hit("lexical-first", 0.84)]
    lexical = [hit("lexical-first", 24.0), hit("other", 9.0), hit("third", 8.0)]
    fused = fuse(dense, lexical, 0.4)
    assert [h.point_id for h in fused] == ["lexical-first", "dense-first", "other", "third"]
    assert fused[0].score == pytest.approx(0.4 * 0.0 + 0.6 * 1.0)
    assert fused[1].score == pytest.approx(0.4 * 1.0)
    assert [(h.dense_rank, h.lexical_rank) for h in fused] == [(2, 0), (0, None), (1, 1), (None, 2)]


def test_weight_one_is_dense_order_and_weight_zero_lexical_order() -> None:
    dense = [hit("a", 0.9), hit("b", 0.8), hit("c", 0.7)]
    lexical = [hit("c", 5.0), hit("b", 3.0), hit("a", 1.0)]
    assert [h.point_id for h in fuse(dense, lexical, 1.0)] == ["a", "b", "c"]
    assert [h.point_id for h in fuse(dense, lexical, 0.0)] == ["c", "b", "a"]
    assert [h.point_id for h in fuse(dense, [], 0.4)] == ["a", "b", "c"]  # no lexical term
    with pytest.raises(ValueError, match="dense_weight"):
        fuse(dense, lexical, 1.5)


def test_equal_scores_are_ordered_by_point_id() -> None:
    fused = fuse([hit("b", 0.9), hit("a", 0.9)], [], 0.4)
    assert [h.point_id for h in fused] == ["a", "b"]
