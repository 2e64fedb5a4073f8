"""Turn readers' verdicts into eval cases in the gold-set format (eval/data/README.md).

A 👍 on an answer becomes a regression case: the question, its cited sentences as passages and
as key facts (the answer must keep citing them), or an unanswerable case when the approved
answer was a refusal. A 👎 cannot say what the right answer is: its case is written the same way
but marked ``"review": true`` under ``feedback``, for a person to fix passages and key facts
before it joins a gold set. Every case keeps the verdict, the answer, the comment and the cited
spans (offsets, page) under ``feedback``; ``gold_only`` leaves that key out and keeps only the
👍 cases, so the file loads with ``eval.dataset.load_gold`` and runs with ``sourcier eval --gold``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sourcier.feedback import Feedback


def case(item: Feedback, number: int) -> dict[str, Any]:
    """One gold-format record for one verdict (with its ``feedback`` metadata)."""
    passages: list[dict[str, str]] = []
    for cited in item.citations:
        passage = {"document_id": cited.document_id, "text": cited.quote}
        if passage not in passages:
            passages.append(passage)
    answerable = not item.abstained and bool(passages)
    if not answerable:
        category = "unanswerable_related"
    elif item.history:
        category = "followup"
    else:
        category = "factual"
    history = [{"role": role, "content": content} for role, content in item.history]
    return {
        "id": f"f{number:03d}",
        "question": item.question,
        "answerable": answerable,
        "category": category,
        "passages": passages if answerable else [],
        "key_facts": [p["text"] for p in passages[:3]] if answerable else [],
        "history": history,
        "feedback": {
            "id": item.id,
            "created_at": item.created_at,
            "verdict": item.verdict,
            "review": item.verdict == "down",
            "answer": item.answer,
            "comment": item.comment,
            "citations": [asdict(c) for c in item.citations],
        },
    }


def cases(items: Iterable[Feedback], *, gold_only: bool = False) -> list[dict[str, Any]]:
    """The records to write, in the order the verdicts were given."""
    records: list[dict[str, Any]] = []
    for item in items:
        if gold_only and item.verdict != "up":
            continue
        record = case(item, len(records) + 1)
        if gold_only:
            del record["feedback"]
        records.append(record)
    return records


def write_cases(records: list[dict[str, Any]], out: Path) -> None:
    """One JSON object per line, UTF-8, not ASCII-escaped (as the gold set)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
