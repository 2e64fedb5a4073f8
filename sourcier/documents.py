"""The index's records: a cleaned document and the chunks cut from it.

Every character offset in Sourcier (chunk spans, citation spans) refers to ``Document.text``,
which is stored whole in the index so citations can always be checked against it.
"""

from __future__ import annotations

import bisect
import hashlib
import uuid
from dataclasses import dataclass, field

#: Namespace for deterministic point ids (uuid5), fixed forever: changing it re-ids every point.
POINT_NAMESPACE = uuid.UUID("6f1c2a0e-5b8e-4c61-9d0a-3c2f8e7b1a42")


def missing_document(document_id: str) -> str:
    """Why a document id leads nowhere, in French (the API, the CLI and the chat say it alike)."""
    return f"aucun document d'identifiant « {document_id} » dans l'index"


def content_hash(text: str) -> str:
    """A short, stable fingerprint of a text (sha256, 16 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Document:
    """A cleaned source document: the exact text every offset points into."""

    id: str
    title: str
    text: str
    source: str
    date: str | None = None  # ISO "YYYY-MM-DD" when the source gives one
    #: Paged sources (PDF): where each page begins in ``text`` (``page_starts[i]`` for page i + 1).
    page_starts: tuple[int, ...] = ()

    @property
    def hash(self) -> str:
        """Changes when anything a reader sees (text, title, date, page breaks) changes."""
        pages = f"\x00{','.join(map(str, self.page_starts))}" if self.page_starts else ""
        return content_hash(f"{self.title}\x00{self.date or ''}\x00{self.text}{pages}")

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character ``offset`` (None for formats without pages)."""
        return page_at(self.page_starts, offset)


def page_at(page_starts: tuple[int, ...], offset: int, first_page: int = 1) -> int | None:
    """The page holding ``offset``, given where pages begin (an empty page begins where the next
    one does, so the last page starting at or before ``offset`` is the one with the text)."""
    if not page_starts:
        return None
    return first_page + max(bisect.bisect_right(page_starts, offset) - 1, 0)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A span ``[start, end)`` of a document's text, the unit of retrieval."""

    document_id: str
    position: int
    start: int
    end: int
    text: str
    title: str
    source: str
    document_hash: str  # the document's index version (see ingest.pipeline.index_version)
    date: str | None = None
    heading_path: tuple[str, ...] = field(default_factory=tuple)
    #: Every heading inside the chunk (it may pack several short sections): not answer text.
    headings: tuple[str, ...] = field(default_factory=tuple)
    #: Paged sources: the page the chunk starts on and where later pages begin inside it (document
    #: offsets), so a sentence of the chunk knows its page without the whole document.
    first_page: int | None = None
    page_breaks: tuple[int, ...] = ()
    #: The distinct analysed terms (``sourcier.lexical``) of what was indexed for the chunk,
    #: written by ingestion and indexed by the store, so that the engine can count in how many
    #: chunks a term occurs: the corpus's own statistics of how rare a word is.
    terms: tuple[str, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The page of a document offset inside this chunk (None for formats without pages)."""
        if self.first_page is None:
            return None
        return self.first_page + bisect.bisect_right(self.page_breaks, offset)

    @property
    def id(self) -> str:
        """Deterministic point id from the document id, the chunk's position, its content and
        the document's index version: re-ingesting the same thing writes the same ids."""
        key = f"{self.document_id}\x00{self.position}\x00{self.document_hash}\x00{content_hash(self.text)}"
        return str(uuid.uuid5(POINT_NAMESPACE, key))

    def payload(self) -> dict[str, object]:
        """What the store keeps beside the vectors."""
        return {
            "document_id": self.document_id,
            "position": self.position,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "title": self.title,
            "source": self.source,
            "document_hash": self.document_hash,
            "date": self.date,
            "heading_path": list(self.heading_path),
            "headings": list(self.headings),
            "first_page": self.first_page,
            "page_breaks": list(self.page_breaks),
            "terms": list(self.terms),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, object]) -> Chunk:
        heading = payload.get("heading_path") or []
        inside = payload.get("headings") or []
        breaks = payload.get("page_breaks") or []
        terms = payload.get("terms") or []
        assert isinstance(heading, list) and isinstance(inside, list) and isinstance(breaks, list)
        assert isinstance(terms, list)
        first_page = payload.get("first_page")
        return cls(
            document_id=str(payload["document_id"]),
            position=int(payload["position"]),  # type: ignore[call-overload]
            start=int(payload["start"]),  # type: ignore[call-overload]
            end=int(payload["end"]),  # type: ignore[call-overload]
            text=str(payload["text"]),
            title=str(payload["title"]),
            source=str(payload["source"]),
            document_hash=str(payload["document_hash"]),
            date=str(payload["date"]) if payload.get("date") else None,
            heading_path=tuple(str(h) for h in heading),
            headings=tuple(str(h) for h in inside),
            first_page=int(first_page) if isinstance(first_page, int | float) else None,
            page_breaks=tuple(int(b) for b in breaks),
            terms=tuple(str(t) for t in terms),
        )


@dataclass(frozen=True, slots=True)
class SparseVector:
    """A lexical vector: token ids and their weights (Qdrant applies IDF at query time)."""

    indices: list[int]
    values: list[float]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Optional restrictions on what retrieval may return."""

    document_ids: tuple[str, ...] = ()
    date_from: str | None = None  # inclusive, "YYYY-MM-DD"
    date_to: str | None = None  # inclusive, "YYYY-MM-DD"

    @property
    def empty(self) -> bool:
        return not (self.document_ids or self.date_from or self.date_to)


@dataclass(frozen=True, slots=True)
class ScoredChunk:
    """A retrieved chunk and its score under the mode that found it; a hybrid hit also says where
    each retriever ranked it (0-based; None: not among its candidates)."""

    chunk: Chunk
    score: float
    point_id: str
    dense_rank: int | None = None
    lexical_rank: int | None = None
