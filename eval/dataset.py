"""The French gold set: loading, validation, and locating its passages in the indexed documents.

Why a module: the harness, the calibration and the gold-set tests must read the set the same
way, and every metric compares character spans, so passages are turned into document offsets
here, once, against the text the index actually stores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

#: The checked-in gold set.
GOLD_PATH = Path(__file__).resolve().parent / "data" / "gold.jsonl"

CATEGORIES = frozenset(
    {
        "factual",
        "paraphrase",
        "multi_sentence",
        "cross_document",
        "followup",
        "unanswerable_related",
        "unanswerable_offtopic",
    }
)
UNANSWERABLE = frozenset({"unanswerable_related", "unanswerable_offtopic"})
#: The other suites' categories (eval/suites/): how-to, why and list questions, man-page options
#: and commands, and unanswerable ones, including those whose document was left out.
SUITE_UNANSWERABLE = UNANSWERABLE | {"unanswerable", "leave_out"}
SUITE_CATEGORIES = CATEGORIES | SUITE_UNANSWERABLE | {"how_to", "why", "list", "option", "command"}
#: Fields a question may have beside ``FIELDS``: what a leave-out question's left-out document said.
OPTIONAL_FIELDS = frozenset({"left_out"})
FIELDS: dict[str, type] = {
    "id": str,
    "question": str,
    "answerable": bool,
    "category": str,
    "passages": list,
    "key_facts": list,
    "history": list,
}


class GoldSetError(ValueError):
    """The gold set is malformed, or does not match the indexed documents."""


@dataclass(frozen=True, slots=True)
class Span:
    """``document_id``'s text ``[start, end)``: the unit every overlap metric compares."""

    document_id: str
    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.document_id == other.document_id and self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Passage:
    document_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    id: str
    question: str
    answerable: bool
    category: str
    passages: tuple[Passage, ...]
    key_facts: tuple[str, ...]
    history: tuple[Turn, ...] = field(default_factory=tuple)


def read_records(path: Path = GOLD_PATH) -> list[dict[str, Any]]:
    """The raw JSON objects, one per line (blank lines are errors: they hide truncation)."""
    records: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                raise GoldSetError(f"{path.name}:{lineno}: blank line")
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise GoldSetError(f"{path.name}:{lineno}: invalid JSON: {error}") from error
            if not isinstance(record, dict):
                raise GoldSetError(f"{path.name}:{lineno}: not a JSON object")
            records.append(record)
    return records


def _parse(record: Mapping[str, Any], where: str) -> GoldQuestion:
    if not set(FIELDS) <= set(record) <= set(FIELDS) | OPTIONAL_FIELDS:
        raise GoldSetError(
            f"{where}: fields {sorted(record)} != {sorted(FIELDS)} (+ {sorted(OPTIONAL_FIELDS)})"
        )
    for name, typ in FIELDS.items():
        if not isinstance(record[name], typ):
            raise GoldSetError(f"{where}: {name} is not a {typ.__name__}")
    if record["category"] not in SUITE_CATEGORIES:
        raise GoldSetError(f"{where}: unknown category {record['category']!r}")
    if record["answerable"] is (record["category"] in SUITE_UNANSWERABLE):
        raise GoldSetError(f"{where}: answerable contradicts category {record['category']}")
    passages = []
    for p in record["passages"]:
        if not (isinstance(p, dict) and set(p) == {"document_id", "text"}):
            raise GoldSetError(f"{where}: malformed passage {p!r}")
        passages.append(Passage(str(p["document_id"]), str(p["text"])))
    if record["answerable"] and not (passages and record["key_facts"]):
        raise GoldSetError(f"{where}: an answerable question needs passages and key facts")
    for fact in record["key_facts"]:
        if not (isinstance(fact, str) and any(fact in p.text for p in passages)):
            raise GoldSetError(f"{where}: key fact {fact!r} is in none of its passages")
    history = []
    for turn in record["history"]:
        if not (isinstance(turn, dict) and turn.get("role") in {"user", "assistant"} and turn.get("content")):
            raise GoldSetError(f"{where}: malformed history turn {turn!r}")
        history.append(Turn("user" if turn["role"] == "user" else "assistant", str(turn["content"])))
    return GoldQuestion(
        id=record["id"],
        question=record["question"],
        answerable=record["answerable"],
        category=record["category"],
        passages=tuple(passages),
        key_facts=tuple(record["key_facts"]),
        history=tuple(history),
    )


def load_gold(path: Path = GOLD_PATH) -> list[GoldQuestion]:
    """Read and validate the gold set (structure only; see :func:`locate_passages` for the text)."""
    records = read_records(path)
    questions = [_parse(r, f"{path.name}:{i}") for i, r in enumerate(records, 1)]
    ids = [q.id for q in questions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise GoldSetError(f"{path.name}: duplicate ids {duplicates}")
    return questions


def locate(passage: Passage, documents: Mapping[str, str]) -> Span:
    """The passage's span in its document's indexed text (first occurrence)."""
    text = documents.get(passage.document_id)
    if text is None:
        raise GoldSetError(f"document {passage.document_id!r} is not in the index")
    start = text.find(passage.text)
    if start < 0:
        raise GoldSetError(f"passage not found in {passage.document_id}: {passage.text[:60]!r}…")
    return Span(passage.document_id, start, start + len(passage.text))


def locate_passages(
    questions: Sequence[GoldQuestion], documents: Mapping[str, str]
) -> dict[str, tuple[Span, ...]]:
    """Every question's gold spans, by question id; raises on a passage the index lacks."""
    return {q.id: tuple(locate(p, documents) for p in q.passages) for q in questions}


def gold_document_ids(questions: Sequence[GoldQuestion]) -> set[str]:
    return {p.document_id for q in questions for p in q.passages}
