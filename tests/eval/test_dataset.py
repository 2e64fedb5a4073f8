"""The harness's loader: it parses the checked-in set and rejects malformed records loudly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import GoldSetError, Passage, Span, load_gold, locate


def test_checked_in_gold_set_parses() -> None:
    questions = load_gold()
    assert len(questions) >= 60
    assert all(q.passages and q.key_facts for q in questions if q.answerable)


def _write(tmp_path: Path, records: list[dict[str, object]]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


GOOD = {
    "id": "q001",
    "question": "Qui ?",
    "answerable": True,
    "category": "factual",
    "passages": [{"document_id": "d", "text": "Alice dirige le lab."}],
    "key_facts": ["Alice"],
    "history": [],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": "nope"}, "unknown category"),
        ({"answerable": False}, "contradicts"),
        ({"key_facts": ["Bob"]}, "in none of its passages"),
        ({"extra": 1}, "fields"),
    ],
)
def test_malformed_records_are_rejected(tmp_path: Path, change: dict[str, object], message: str) -> None:
    with pytest.raises(GoldSetError, match=message):
        load_gold(_write(tmp_path, [{**GOOD, **change}]))


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(GoldSetError, match="duplicate"):
        load_gold(_write(tmp_path, [GOOD, GOOD]))


def test_locate() -> None:
    assert locate(Passage("d", "le lab"), {"d": "Alice dirige le lab."}) == Span("d", 13, 19)
    with pytest.raises(GoldSetError, match="not found"):
        locate(Passage("d", "absent"), {"d": "Alice dirige le lab."})
    with pytest.raises(GoldSetError, match="not in the index"):
        locate(Passage("x", "le lab"), {"d": "Alice dirige le lab."})
