"""The engine's own inputs and outputs, in plain Python: what the CLI, the chat, the eval and the
bench work with. The HTTP API maps its request and response models to and from these at its edge
(``server.api.schemas``), so the engine does not depend on how it is served."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sourcier.documents import SearchFilters

Role = Literal["user", "assistant"]
Mode = Literal["extractive", "generative"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier message of the conversation."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Question:
    """A question as asked, with the conversation before it and optional search filters."""

    text: str
    history: tuple[Turn, ...] = ()
    filters: SearchFilters | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """A source sentence, located: ``quote == document.text[start:end]``."""

    document_id: str
    title: str
    date: str | None
    start: int
    end: int
    quote: str
    score: float
    #: Paged sources (PDF): the 1-based page the sentence starts on (keyword-only, so that
    #: ``Citation`` can add its number after it).
    page: int | None = field(default=None, kw_only=True)


@dataclass(frozen=True, slots=True)
class Citation(Passage):
    """A passage an answer cites, numbered in the order the answer first cites it."""

    n: int


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    """One sentence of an answer and the numbers of the citations that support it.

    ``margin``/``confident``/``alternative``: extractive answers only (None for generated ones):
    how far its ranking score stands above the best sentence not chosen, whether that is enough,
    and, when it is not, the sentence that ranked next, for the reader to compare."""

    text: str
    citations: tuple[int, ...]
    margin: float | None = None
    confident: bool | None = None
    alternative: Passage | None = None


@dataclass(frozen=True, slots=True)
class Timings:
    """Milliseconds spent embedding the query, searching, answering, and in all."""

    embed: float
    search: float
    answer: float
    total: float


@dataclass(frozen=True, slots=True)
class Answer:
    """A cited answer, or an abstention (``abstained``: no sentences, ``text`` says why)."""

    text: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    timings: Timings
    standalone_question: str | None = None
    mode: Mode = "extractive"
    notice: str | None = None
    unsupported: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A retrieved chunk, located in its document."""

    document_id: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    id: str
    title: str
    date: str | None
    source: str
    chunks: int
    ingested_at: str | None = None  # ISO 8601 UTC, None for records written before it was kept
    pages: int | None = None  # paged sources (PDF)


@dataclass(frozen=True, slots=True)
class DocumentChange:
    """What adding (or re-indexing) one document did: the document as it now is in the index."""

    document_id: str
    title: str
    chunks: int
    pages: int | None  # paged sources (PDF)
    status: Literal["added", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class Health:
    """A service ready to answer: the embedding model it loaded and the engine holding its index."""

    model: str
    store: Literal["edge", "qdrant"]


@dataclass(frozen=True, slots=True)
class DocumentDetail:
    id: str
    title: str
    date: str | None
    source: str
    text: str
    page_starts: tuple[int, ...] = ()  # paged sources (PDF): where each page begins in text


# --- streaming ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standalone:
    """A follow-up rewritten as a standalone question (sent first)."""

    question: str


@dataclass(frozen=True, slots=True)
class Token:
    """Text the language model just generated (generative answers only)."""

    text: str


@dataclass(frozen=True, slots=True)
class SentenceReady:
    """An answer sentence and its citation, sent as soon as it is grounded."""

    sentence: AnswerSentence
    citation: Citation


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A generated sentence no source span supports: it is dropped from the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class Done:
    """The whole answer, exactly what a non-streamed call returns (sent last)."""

    answer: Answer


StreamEvent = Standalone | Token | SentenceReady | Unsupported | Done
