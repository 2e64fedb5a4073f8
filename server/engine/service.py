"""The Python API of Sourcier: what HTTP, the CLI, the UI and the eval harness all call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from server.api.schemas import (
    AnswerSentence,
    AskRequest,
    AskResponse,
    Citation,
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    Filters,
    Passage,
    SearchRequest,
    SearchResponse,
    SearchResult,
    Timings,
)
from server.engine.abstention import ABSTENTION_MESSAGE, decide
from server.engine.conversation import already_said, previous_answers, standalone_question
from server.engine.evidence import Evidence, SentenceVectors, Weights, gather
from server.engine.extractive import margin, runner_up, select
from server.engine.generative import (
    GenerationError,
    Generator,
    OpenAICompatibleGenerator,
    align,
    build_messages,
)
from server.engine.retrieval import Retriever
from sourcier.config import Settings
from sourcier.documents import SearchFilters
from sourcier.embedding import Embedder, load_embedder
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import sentence_spans
from sourcier.store import VectorStore, open_store

#: How many evidence sentences the generative answerer sees as numbered sources.
GENERATION_SOURCES = 8
#: Sentences embedded per batch while warming up (small, so queries are not held up long).
WARM_UP_BATCH = 32


class QuestionTooLongError(ValueError):
    """The question exceeds ``SOURCIER_MAX_QUESTION_CHARS``."""


class DocumentNotFoundError(LookupError):
    """No document with this id in the index."""


def to_search_filters(filters: Filters | None) -> SearchFilters | None:
    if filters is None:
        return None
    return SearchFilters(
        document_ids=tuple(filters.document_ids or ()),
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
    )


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One Server-Sent Event: ``sentence`` (as ready), ``citations``, then ``done``."""

    event: str
    data: dict[str, Any]


class Sourcier:
    """Retrieves, ranks evidence, answers (extractively or with an LLM) and cites."""

    def __init__(
        self,
        settings: Settings,
        store: VectorStore,
        embedder: Embedder,
        generator: Generator | None = None,
        lexical: LexicalEncoder | None = None,
        weights: Weights = Weights(),
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.generator = generator
        self.lexical = lexical or LexicalEncoder()
        self.weights = weights
        self.retriever = Retriever(store, embedder, self.lexical)
        self.vectors = SentenceVectors(embedder, settings.sentence_cache_mb * 2**20)

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> Sourcier:
        """Open the configured store, load the embedder (unless given) and, if configured, the LLM."""
        generator: Generator | None = None
        if settings.llm_base_url and settings.llm_model:
            key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
            generator = OpenAICompatibleGenerator(
                settings.llm_base_url, settings.llm_model, key, settings.llm_timeout_s
            )
        embedder = embedder or load_embedder(settings)
        return cls(settings, open_store(settings), embedder, generator)

    # --- answering ---------------------------------------------------------------------

    def ask(self, request: AskRequest, *, use_generator: bool = True) -> AskResponse:
        """Answer a question from the corpus, citing a source span for every sentence."""
        started = time.perf_counter()
        self._check_length(request.question)
        standalone = standalone_question(request.question, request.history)
        query = standalone or request.question
        retrieval = self.retriever.retrieve(
            query, request.top_k or self.settings.top_k, to_search_filters(request.filters)
        )
        ranked_at = time.perf_counter()
        evidence = gather(
            query,
            retrieval.query_vector,
            retrieval.query_states,
            retrieval.chunks,
            self.lexical,
            self.vectors,
            self.weights,
            focus=request.question if standalone else None,
            said=previous_answers(request.history),
        )
        said = already_said(request.history)
        fresh = [e for e in evidence if e.text not in said] or evidence
        decision = decide(request.question, fresh, self.lexical, self.settings.abstain_min_dense, query)
        notice: str | None = None
        unsupported: list[str] = []
        mode: str = "extractive"
        chosen: list[tuple[str, Evidence]] = []
        next_best: Evidence | None = None  # of an extractive answer: the best sentence not chosen
        if not decision.abstain:
            if self.generator is not None and use_generator:
                try:
                    chosen, unsupported = self._generate(request, query, decision.usable)
                    if chosen:
                        mode = "generative"
                    elif unsupported:
                        notice = "Aucune phrase générée n'était étayée par les sources : réponse extractive."
                    else:
                        notice = "Le modèle de langage a jugé les sources insuffisantes : réponse extractive."
                except GenerationError as error:
                    notice = f"Le modèle de langage est injoignable ({error}) : réponse extractive."
            if not chosen:
                picked = select(decision.usable, self.settings.answer_max_sentences, request.question)
                chosen = [(e.text, e) for e in picked]
                next_best = runner_up(picked, fresh)
        answered_at = time.perf_counter()
        embed_ms = retrieval.embed_ms
        timings = Timings(
            embed=round(embed_ms, 2),
            search=round(retrieval.search_ms, 2),
            answer=round((answered_at - ranked_at) * 1000, 2),
            total=round((answered_at - started) * 1000, 2),
        )
        return self._response(chosen, timings, standalone, mode, notice, unsupported, next_best)

    def _check_length(self, text: str) -> None:
        if len(text) > self.settings.max_question_chars:
            raise QuestionTooLongError(
                f"the question is {len(text)} characters long; "
                f"the limit is {self.settings.max_question_chars}"
            )

    def _generate(
        self, request: AskRequest, query: str, evidence: list[Evidence]
    ) -> tuple[list[tuple[str, Evidence]], list[str]]:
        assert self.generator is not None
        sources = evidence[:GENERATION_SOURCES]
        text = self.generator.generate(build_messages(query, sources, request.history))
        if "ne contient pas de réponse" in text:
            return [], []
        aligned = align(text, sources, self.vectors, self.lexical)
        kept = [(a.text, a.evidence) for a in aligned if a.evidence is not None]
        return kept, [a.text for a in aligned if a.evidence is None]

    def _response(
        self,
        chosen: list[tuple[str, Evidence]],
        timings: Timings,
        standalone: str | None,
        mode: str,
        notice: str | None,
        unsupported: list[str],
        next_best: Evidence | None,
    ) -> AskResponse:
        if not chosen:
            return AskResponse(
                answer=ABSTENTION_MESSAGE,
                abstained=True,
                sentences=[],
                citations=[],
                timings_ms=timings,
                standalone_question=standalone,
                mode=mode,
                notice=notice,
                unsupported=unsupported,
            )
        citations: dict[tuple[str, int, int], Citation] = {}
        sentences = []
        for text, evidence in chosen:
            key = (evidence.document_id, evidence.start, evidence.end)
            if key not in citations:
                citations[key] = Citation(n=len(citations) + 1, **_located(evidence))
            sentence = AnswerSentence(text=text, citations=[citations[key].n])
            if mode == "extractive":  # a generated sentence was not chosen by the ranker
                lead = margin(evidence, next_best)
                sentence.margin = None if lead is None else round(lead, 4)
                sentence.confident = lead is None or lead >= self.settings.confident_margin
                if not sentence.confident and next_best is not None:
                    sentence.alternative = Passage(**_located(next_best))
            sentences.append(sentence)
        answer = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
        return AskResponse(
            answer=answer,
            abstained=False,
            sentences=sentences,
            citations=list(citations.values()),
            timings_ms=timings,
            standalone_question=standalone,
            mode=mode,
            notice=notice,
            unsupported=unsupported,
        )

    def ask_stream(self, request: AskRequest) -> Iterator[StreamEvent]:
        """The answer as events: each sentence when ready, then the citations, then the whole."""
        response = self.ask(request)
        if response.standalone_question:
            yield StreamEvent("standalone", {"question": response.standalone_question})
        for sentence in response.sentences:
            yield StreamEvent("sentence", sentence.model_dump())
        yield StreamEvent("citations", {"citations": [c.model_dump() for c in response.citations]})
        yield StreamEvent("done", response.model_dump())

    # --- search and documents ----------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResponse:
        self._check_length(request.query)
        retrieval = self.retriever.retrieve(
            request.query, request.top_k, to_search_filters(request.filters), request.mode
        )
        return SearchResponse(
            results=[
                SearchResult(
                    document_id=s.chunk.document_id,
                    chunk_id=s.point_id,
                    start=s.chunk.start,
                    end=s.chunk.end,
                    text=s.chunk.text,
                    score=round(s.score, 6),
                )
                for s in retrieval.chunks
            ]
        )

    def documents(self) -> DocumentList:
        records = sorted(self.store.list_documents(), key=lambda r: r.document.id)
        return DocumentList(
            documents=[
                DocumentSummary(
                    id=r.document.id,
                    title=r.document.title,
                    date=r.document.date,
                    source=r.document.source,
                    chunks=len(r.chunk_ids),
                )
                for r in records
            ]
        )

    def document(self, document_id: str) -> DocumentDetail:
        record = self.store.get_document(document_id)
        if record is None:
            raise DocumentNotFoundError(f"no document with id {document_id!r}")
        d = record.document
        return DocumentDetail(id=d.id, title=d.title, date=d.date, source=d.source, text=d.text)

    def warm_up(self, max_sentences: int) -> int:
        """Embed the corpus's sentences ahead of the first questions (small corpora only), so that
        answers do not pay for it; returns how many were embedded. Safe to run in a thread."""
        texts: list[str] = []
        for record in self.store.list_documents():
            text = record.document.text
            texts += [
                text[s.start : s.end] for s in sentence_spans(text) if len(text[s.start : s.end].split()) >= 4
            ]
            if len(texts) > max_sentences:
                return 0
        for i in range(0, len(texts), WARM_UP_BATCH):
            self.vectors.embed(texts[i : i + WARM_UP_BATCH])
        return len(texts)

    def check_ready(self) -> None:
        """Raise :class:`sourcier.store.StoreError` when the store cannot be used right now."""
        self.store.ping()

    def close(self) -> None:
        self.store.close()


def _located(evidence: Evidence) -> dict[str, Any]:
    """The fields of a ``Passage`` (and of a ``Citation``) for a source sentence."""
    return {
        "document_id": evidence.document_id,
        "title": evidence.title,
        "date": evidence.date,
        "start": evidence.start,
        "end": evidence.end,
        "quote": evidence.text,
        "score": round(evidence.score, 4),
    }
