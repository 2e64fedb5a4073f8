"""The HTTP API's request and response models, and their mapping to the engine's types.

The engine has its own types (``server.engine.types``); these models add what HTTP needs (strict
validation, OpenAPI descriptions) and convert at the edge: ``to_engine`` on requests,
``from_engine`` on responses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from server.engine import types as engine
from server.engine.config import AnswerConfig
from sourcier.documents import SearchFilters
from sourcier.embedding import has_lone_surrogates
from sourcier.feedback import COMMENT_MAX_CHARS

DocumentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-/]{1,300}$")]


class Strict(BaseModel):
    """Unknown fields are errors: a misspelt filter must not silently widen a search."""

    model_config = ConfigDict(extra="forbid")


class Filters(Strict):
    document_ids: list[DocumentId] | None = Field(None, max_length=100)
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from est postérieure à date_to")
        return self

    def to_engine(self) -> SearchFilters:
        return SearchFilters(
            document_ids=tuple(self.document_ids or ()),
            date_from=self.date_from.isoformat() if self.date_from else None,
            date_to=self.date_to.isoformat() if self.date_to else None,
        )


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


def _no_surrogates(value: str) -> str:
    """JSON's ``\\ud800`` escapes decode to lone surrogates, which no encoder can tokenize."""
    if has_lone_surrogates(value):
        raise ValueError("le texte contient de l'Unicode invalide (un demi-caractère isolé)")
    return value


def _question_text(value: str) -> str:
    value = _no_surrogates(value).strip()
    if not value:
        raise ValueError("la question est vide")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("la question contient des caractères de contrôle")
    return value


class AskRequest(Strict):
    question: str = Field(description="The question, in French.", examples=["Qui dirige le TBD Lab ?"])
    top_k: int | None = Field(None, ge=1, le=50, description="How many chunks to retrieve.")
    filters: Filters | None = None
    history: list[Turn] = Field(default_factory=list, max_length=50)

    _check_question = field_validator("question")(classmethod(lambda cls, v: _question_text(v)))

    def to_engine(self) -> engine.Question:
        return engine.Question(
            self.question,
            tuple(engine.Turn(t.role, t.content) for t in self.history),
            self.filters.to_engine() if self.filters else None,
        )

    def config(self, base: AnswerConfig) -> AnswerConfig:
        """``base`` with this request's ``top_k`` (when it gives one)."""
        return base.replace(top_k=self.top_k) if self.top_k else base


class Passage(BaseModel):
    """A source sentence, located: ``quote == GET /documents/{document_id}.text[start:end]``."""

    document_id: str
    title: str
    date: str | None
    start: int
    end: int
    quote: str
    score: float
    page: int | None = Field(
        None, description="Paged sources (PDF): the 1-based page the quoted sentence starts on."
    )


class Citation(Passage):
    n: int

    @classmethod
    def from_engine(cls, c: engine.Citation) -> Citation:
        return cls(n=c.n, **_passage(c))


def _passage(p: engine.Passage) -> dict[str, object]:
    return {
        "document_id": p.document_id,
        "title": p.title,
        "date": p.date,
        "start": p.start,
        "end": p.end,
        "quote": p.quote,
        "score": p.score,
        "page": p.page,
    }


class AnswerSentence(BaseModel):
    text: str
    citations: list[int]
    margin: float | None = Field(
        None,
        description="Extractive answers: how far the cited sentence's ranking score stands above the "
        "best source sentence not chosen. None for generated sentences.",
    )
    confident: bool | None = Field(
        None,
        description="Extractive answers: False when another source sentence ranked almost as well "
        "(margin below SOURCIER_CONFIDENT_MARGIN), so the cited one may not be the one that answers: "
        "worth checking. None for generated sentences.",
    )
    alternative: Passage | None = Field(
        None,
        description="When confident is false: the source sentence that ranked next, not cited, so "
        "that the reader can compare the two.",
    )

    @classmethod
    def from_engine(cls, s: engine.AnswerSentence) -> AnswerSentence:
        alternative = Passage(**_passage(s.alternative)) if s.alternative is not None else None
        return cls(
            text=s.text,
            citations=list(s.citations),
            margin=s.margin,
            confident=s.confident,
            alternative=alternative,
        )


class Timings(BaseModel):
    embed: float
    search: float
    answer: float
    total: float


class AskResponse(BaseModel):
    answer: str
    abstained: bool
    sentences: list[AnswerSentence]
    citations: list[Citation]
    timings_ms: Timings
    standalone_question: str | None = Field(
        None, description="The follow-up rewritten as a standalone question (multi-turn only)."
    )
    mode: Literal["extractive", "generative"] = "extractive"
    notice: str | None = Field(None, description="E.g. why the generative answerer was not used.")
    unsupported: list[str] = Field(
        default_factory=list,
        description="Generated sentences dropped because no source span supports them.",
    )

    @classmethod
    def from_engine(cls, a: engine.Answer) -> AskResponse:
        t = a.timings
        return cls(
            answer=a.text,
            abstained=a.abstained,
            sentences=[AnswerSentence.from_engine(s) for s in a.sentences],
            citations=[Citation.from_engine(c) for c in a.citations],
            timings_ms=Timings(embed=t.embed, search=t.search, answer=t.answer, total=t.total),
            standalone_question=a.standalone_question,
            mode=a.mode,
            notice=a.notice,
            unsupported=list(a.unsupported),
        )


class SearchRequest(Strict):
    query: str
    top_k: int = Field(10, ge=1, le=50)
    filters: Filters | None = None
    mode: Literal["dense", "sparse", "hybrid"] = "hybrid"

    _check_query = field_validator("query")(classmethod(lambda cls, v: _question_text(v)))

    def filters_to_engine(self) -> SearchFilters | None:
        return self.filters.to_engine() if self.filters else None


class SearchResult(BaseModel):
    document_id: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float = Field(
        description="Under the mode searched: dense, the cosine similarity; sparse, the BM25 score; "
        "hybrid, the blend of both lists' scores, each rescaled to 0..1 over its candidates "
        "(1 = best of both)."
    )


class SearchResponse(BaseModel):
    results: list[SearchResult]

    @classmethod
    def from_engine(cls, hits: list[engine.SearchHit]) -> SearchResponse:
        return cls(
            results=[
                SearchResult(
                    document_id=h.document_id,
                    chunk_id=h.chunk_id,
                    start=h.start,
                    end=h.end,
                    text=h.text,
                    score=h.score,
                )
                for h in hits
            ]
        )


class DocumentSummary(BaseModel):
    id: str
    title: str
    date: str | None
    source: str
    chunks: int
    ingested_at: str | None = Field(
        None, description="When the document was last (re)indexed, ISO 8601 UTC (None if unknown)."
    )
    pages: int | None = Field(None, description="Paged sources (PDF): how many pages.")


class DocumentList(BaseModel):
    documents: list[DocumentSummary]

    @classmethod
    def from_engine(cls, documents: list[engine.DocumentSummary]) -> DocumentList:
        return cls(
            documents=[
                DocumentSummary(
                    id=d.id,
                    title=d.title,
                    date=d.date,
                    source=d.source,
                    chunks=d.chunks,
                    ingested_at=d.ingested_at,
                    pages=d.pages,
                )
                for d in documents
            ]
        )


class ErrorResponse(BaseModel):
    """Every error the API answers (4xx/5xx): one sentence saying what is wrong, and a stable
    code saying which error it is (``server.api.errors.ErrorCode``)."""

    detail: str
    code: str = Field(description="Stable identifier of the error, e.g. question_too_long.")


class DocumentDetail(BaseModel):
    id: str
    title: str
    date: str | None
    source: str
    text: str
    page_starts: list[int] | None = Field(
        None, description="Paged sources (PDF): where each page begins in text (index 0 is page 1)."
    )

    @classmethod
    def from_engine(cls, d: engine.DocumentDetail) -> DocumentDetail:
        return cls(
            id=d.id,
            title=d.title,
            date=d.date,
            source=d.source,
            text=d.text,
            page_starts=list(d.page_starts) or None,
        )


class DocumentChange(BaseModel):
    """What an upload or a re-index did to one document."""

    document_id: str
    title: str
    chunks: int = Field(description="Chunks the document now has in the index.")
    pages: int | None = Field(None, description="Paged sources (PDF): how many pages.")
    status: Literal["added", "updated", "unchanged"]


class DocumentDeleted(BaseModel):
    document_id: str
    chunks_deleted: int


class FeedbackCitation(Strict):
    """A span the answer cited, as the answer gave it."""

    document_id: DocumentId
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str = Field(min_length=1, max_length=5000)
    page: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> FeedbackCitation:
        if self.end <= self.start:
            raise ValueError("end doit être après start")
        return self


class FeedbackRequest(Strict):
    """A reader's verdict on one answer: 👍 (``up``) or 👎 (``down``), with an optional comment."""

    question: str = Field(max_length=20_000)
    answer: str = Field(max_length=20_000)
    verdict: Literal["up", "down"]
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=20)
    comment: str | None = Field(None, max_length=COMMENT_MAX_CHARS)
    abstained: bool = Field(False, description="The answer was a refusal (nothing cited).")
    history: list[Turn] = Field(default_factory=list, max_length=50)

    _check_question = field_validator("question")(classmethod(lambda cls, v: _question_text(v)))
    _check_text = field_validator("answer", "comment")(
        classmethod(lambda cls, v: None if v is None else _no_surrogates(v))
    )


class FeedbackReceipt(BaseModel):
    id: int
    verdict: Literal["up", "down"]
    created_at: str
