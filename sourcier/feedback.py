"""Readers' verdicts on answers (👍/👎, an optional comment), kept durably in SQLite.

One file, ``<data_dir>/feedback.sqlite3``, written by the server (``POST /feedback``) and read by
``sourcier feedback export`` even while the server runs (SQLite's WAL journal lets one writer and
readers share it). A connection per call: writes are rare, and nothing is left open at shutdown.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Verdict = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('up', 'down')),
    comment TEXT,
    citations TEXT NOT NULL,
    history TEXT NOT NULL
)
"""


#: The longest comment a reader may send with a verdict (the API and the chat both hold to it).
COMMENT_MAX_CHARS = 2000


class FeedbackStoreError(RuntimeError):
    """The feedback database cannot be opened or written; the message says why, for people."""


@dataclass(frozen=True, slots=True)
class CitedSpan:
    """A span the answer cited: ``quote == document.text[start:end]``."""

    document_id: str
    start: int
    end: int
    quote: str
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Feedback:
    """One verdict on one answer, with what was asked and what was cited."""

    question: str
    answer: str
    verdict: Verdict
    citations: tuple[CitedSpan, ...] = ()
    comment: str | None = None
    abstained: bool = False
    history: tuple[tuple[str, str], ...] = ()  # (role, content) turns before the question
    id: int | None = None
    created_at: str | None = None  # ISO 8601 UTC


def feedback_path(data_dir: Path) -> Path:
    return data_dir / "feedback.sqlite3"


class FeedbackStore:
    """Append and read verdicts in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self, create: bool) -> Iterator[sqlite3.Connection]:
        if not create and not self.path.exists():
            raise FileNotFoundError(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
                with db:  # one transaction, committed on success
                    yield db
        except sqlite3.Error as error:
            raise FeedbackStoreError(f"base des avis {self.path} : {error}") from error

    def add(self, item: Feedback) -> Feedback:
        """Store a verdict; returns it with its id and time."""
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect(create=True) as db:
            cursor = db.execute(
                "INSERT INTO feedback (created_at, question, answer, abstained, verdict, comment, "
                "citations, history) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    created,
                    item.question,
                    item.answer,
                    int(item.abstained),
                    item.verdict,
                    item.comment,
                    json.dumps([asdict(c) for c in item.citations], ensure_ascii=False),
                    json.dumps([list(turn) for turn in item.history], ensure_ascii=False),
                ),
            )
            row_id = cursor.lastrowid
        return Feedback(
            item.question,
            item.answer,
            item.verdict,
            item.citations,
            item.comment,
            item.abstained,
            item.history,
            row_id,
            created,
        )

    def list_all(self) -> list[Feedback]:
        """Every verdict, oldest first (none when the database does not exist yet)."""
        try:
            with self._connect(create=False) as db:
                rows = db.execute(
                    "SELECT id, created_at, question, answer, abstained, verdict, comment, citations, "
                    "history FROM feedback ORDER BY id"
                ).fetchall()
        except FileNotFoundError:
            return []
        return [_from_row(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many 👍 (``up``) and 👎 (``down``) are stored."""
        found = {"up": 0, "down": 0}
        try:
            with self._connect(create=False) as db:
                for verdict, count in db.execute("SELECT verdict, COUNT(*) FROM feedback GROUP BY verdict"):
                    found[str(verdict)] = int(count)
        except FileNotFoundError:
            pass
        return found


def _from_row(row: Sequence[object]) -> Feedback:
    row_id, created, question, answer, abstained, verdict, comment, citations, history = row
    spans = tuple(CitedSpan(**c) for c in json.loads(str(citations)))
    turns = tuple((str(r), str(t)) for r, t in json.loads(str(history)))
    return Feedback(
        question=str(question),
        answer=str(answer),
        verdict="up" if verdict == "up" else "down",
        citations=spans,
        comment=str(comment) if comment is not None else None,
        abstained=bool(abstained),
        history=turns,
        id=int(row_id),  # type: ignore[call-overload]
        created_at=str(created),
    )
