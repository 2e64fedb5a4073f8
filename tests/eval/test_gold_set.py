"""Consistency checks for the hand-written French gold set (eval/data/gold.jsonl).

Every supporting passage must be an exact substring of one sentence of a line that ingestion keeps,
after the same light normalisation ingestion applies (typographic apostrophe -> ', NBSP and narrow
NBSP -> space). Passages must never come from the parts ingestion removes: the leading date field,
the "Lire aussi :" block and the stray related-article headline.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from eval.dataset import CATEGORIES, GOLD_PATH, UNANSWERABLE, read_records

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = ROOT / "data" / "corpus"

MIN_COUNTS = {
    "factual": 20,
    "paraphrase": 15,
    "followup": 6,
    "unanswerable_related": 10,
    "unanswerable_offtopic": 8,
}
REQUIRED_FIELDS = {
    "id": str,
    "question": str,
    "answerable": bool,
    "category": str,
    "passages": list,
    "key_facts": list,
    "history": list,
}

STRAY_HEADLINE = (
    "Meta recrute Ruoming Pang d'Apple : Comment son embauche va-t-elle booster la stratégie IA de Meta ?"
)
DATE_FIELD = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def normalise(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")


def load_gold(path: Path = GOLD_PATH) -> list[dict[str, Any]]:
    """Read the gold set (raw records) with the harness's own loader."""
    return read_records(path)


def split_document(raw: str) -> tuple[list[str], list[str]]:
    """Return (kept lines, removed fragments) of a normalised raw document."""
    text = normalise(raw)
    kept: list[str] = []
    removed: list[str] = []
    match = DATE_FIELD.match(text)
    if match:
        removed.append(match.group(0).strip())
        text = text[match.end() :]
    in_read_also = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Lire aussi"):
            in_read_also = True
            removed.append(stripped)
            continue
        if in_read_also and stripped.startswith("- "):
            removed.append(stripped)
            continue
        in_read_also = False
        if stripped == STRAY_HEADLINE:
            removed.append(stripped)
            continue
        if stripped:
            kept.append(stripped)
    return kept, removed


def sentences(lines: list[str]) -> list[str]:
    return [s for line in lines for s in SENTENCE_END.split(line) if s]


@pytest.fixture(scope="module")
def gold() -> list[dict[str, Any]]:
    return load_gold()


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict[str, Any]]:
    docs = {}
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        kept, removed = split_document(raw)
        docs[path.stem] = {
            "normalised": normalise(raw),
            "sentences": sentences(kept),
            "removed": removed,
        }
    return docs


def test_corpus_cleaning_is_modelled(corpus: dict[str, dict[str, Any]]) -> None:
    removed = [frag for doc in corpus.values() for frag in doc["removed"]]
    assert any(frag.startswith("date ") for frag in removed)
    assert any(frag.startswith("Lire aussi") for frag in removed)
    assert sum(frag.startswith("- ") for frag in removed) >= 1
    assert STRAY_HEADLINE in removed


def test_ids_unique_and_ordered(gold: list[dict[str, Any]]) -> None:
    ids = [rec["id"] for rec in gold]
    assert ids == [f"q{i:03d}" for i in range(1, len(gold) + 1)]


def test_fields_and_types(gold: list[dict[str, Any]]) -> None:
    for rec in gold:
        assert set(rec) == set(REQUIRED_FIELDS), rec.get("id")
        for field, typ in REQUIRED_FIELDS.items():
            assert isinstance(rec[field], typ), (rec["id"], field)
        assert rec["category"] in CATEGORIES, rec["id"]
        assert rec["question"].strip() == rec["question"] and rec["question"].endswith("?"), rec["id"]
        assert rec["answerable"] is (rec["category"] not in UNANSWERABLE), rec["id"]
        for passage in rec["passages"]:
            assert set(passage) == {"document_id", "text"}, rec["id"]
            assert isinstance(passage["document_id"], str) and isinstance(passage["text"], str)
        assert all(isinstance(fact, str) and fact.strip() for fact in rec["key_facts"]), rec["id"]
        for turn in rec["history"]:
            assert set(turn) == {"role", "content"}, rec["id"]
            assert turn["role"] in {"user", "assistant"} and turn["content"].strip(), rec["id"]


def test_questions_unique(gold: list[dict[str, Any]]) -> None:
    counts = Counter(rec["question"] for rec in gold if not rec["history"])
    assert [q for q, n in counts.items() if n > 1] == []


def test_sizes_and_mix(gold: list[dict[str, Any]]) -> None:
    counts = Counter(rec["category"] for rec in gold)
    assert len(gold) >= 60
    assert sum(counts[c] for c in UNANSWERABLE) >= 15
    assert set(counts) == CATEGORIES
    for category, minimum in MIN_COUNTS.items():
        assert counts[category] >= minimum, (category, counts[category])
    assert counts["multi_sentence"] + counts["cross_document"] >= 6


def test_passages_are_exact_kept_spans(gold: list[dict[str, Any]], corpus: dict[str, dict[str, Any]]) -> None:
    for rec in gold:
        for passage in rec["passages"]:
            doc_id, text = passage["document_id"], passage["text"]
            assert doc_id in corpus, (rec["id"], doc_id)
            doc = corpus[doc_id]
            assert len(text) >= 10 and text == text.strip(), (rec["id"], text)
            assert text == normalise(text), (rec["id"], "passage not normalised")
            assert text in doc["normalised"], (rec["id"], text)
            in_one_sentence = any(text in sentence for sentence in doc["sentences"])
            assert in_one_sentence, (rec["id"], "not within one sentence")
            for fragment in doc["removed"]:
                assert text not in fragment and fragment not in text, (rec["id"], fragment)


def test_key_facts_in_passages(gold: list[dict[str, Any]]) -> None:
    for rec in gold:
        if not rec["answerable"]:
            continue
        assert rec["passages"], rec["id"]
        assert 1 <= len(rec["key_facts"]) <= 3, rec["id"]
        for fact in rec["key_facts"]:
            assert any(fact in p["text"] for p in rec["passages"]), (rec["id"], fact)


def test_unanswerable_have_no_support(gold: list[dict[str, Any]]) -> None:
    for rec in gold:
        if rec["category"] in UNANSWERABLE:
            assert rec["passages"] == [] and rec["key_facts"] == [] and rec["history"] == [], rec["id"]


def test_multi_passage_categories(gold: list[dict[str, Any]]) -> None:
    for rec in gold:
        if rec["category"] == "multi_sentence":
            assert len({p["text"] for p in rec["passages"]}) >= 2, rec["id"]
        if rec["category"] == "cross_document":
            assert len({p["document_id"] for p in rec["passages"]}) >= 2, rec["id"]


def test_history_only_for_followups(gold: list[dict[str, Any]]) -> None:
    for rec in gold:
        history = rec["history"]
        if rec["category"] != "followup":
            assert history == [], rec["id"]
            continue
        assert history and history[-1]["role"] == "assistant", rec["id"]
        roles = [turn["role"] for turn in history]
        assert roles == ["user", "assistant"] * (len(roles) // 2), rec["id"]
