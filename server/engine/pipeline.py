"""The answering engine: the stages, composed.

    understand -> retrieve -> gather evidence -> decide -> compose -> cite

Each stage is a function with typed inputs and outputs (``Engine`` only holds what they share:
the retriever, the lexical encoder, the sentence-vector cache and the optional language model),
and every knob comes from the ``AnswerConfig`` passed with the question. The eval and the bench
call the same stages with their own configuration."""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from server.engine import composition
from server.engine.abstention import Decision, Setting, decide
from server.engine.citing import Citations
from server.engine.config import AnswerConfig
from server.engine.evidence import Evidence, SentenceVectors, fresh, gather
from server.engine.generative import Generator
from server.engine.rarity import chunk_counts, rarest_unsaid, widespread
from server.engine.retrieval import Retrieval, Retriever, agreement, chunk_agreement
from server.engine.types import Answer, Done, Question, Standalone, StreamEvent, Timings
from server.engine.understanding import Understanding, understand
from sourcier.documents import SearchFilters
from sourcier.embedding import Embedder
from sourcier.lexical import LexicalEncoder
from sourcier.names import words


@dataclass(frozen=True)
class Engine:
    retriever: Retriever
    lexical: LexicalEncoder
    vectors: SentenceVectors
    generator: Generator | None = None

    def with_embedder(self, embedder: Embedder) -> Engine:
        """The same engine with queries embedded by ``embedder`` (e.g. a caching wrapper), sharing
        the store and the sentence cache; this one is left as it is."""
        retriever = Retriever(self.retriever.store, embedder, self.lexical)
        return dataclasses.replace(self, retriever=retriever)

    # --- the stages ----------------------------------------------------------------------

    def understand(self, question: Question) -> Understanding:
        return understand(question, self.lexical)

    def retrieve(
        self, understanding: Understanding, config: AnswerConfig, filters: SearchFilters | None = None
    ) -> Retrieval:
        return self.retriever.retrieve(
            understanding.query, config.top_k, filters, "hybrid", config.dense_weight
        )

    def gather(
        self, understanding: Understanding, retrieval: Retrieval, config: AnswerConfig
    ) -> list[Evidence]:
        """The ranked evidence, minus what the conversation already said."""
        return fresh(
            gather(understanding, retrieval, self.lexical, self.vectors, config.weights), understanding
        )

    def decide(
        self,
        understanding: Understanding,
        evidence: list[Evidence],
        retrieval: Retrieval,
        config: AnswerConfig,
        document_text: Callable[[str], str | None] | None = None,
    ) -> Decision:
        """Stage 4 (``server.engine.abstention.decide``) on this engine's corpus statistics;
        ``document_text`` reads a document's whole text (default ``self.document_text``: the
        answer passes its own cached reader, which shaping reads too)."""
        text_of = document_text or self.document_text
        return decide(
            understanding,
            evidence,
            self.lexical,
            config.support,
            agreement(retrieval),
            config.abstain_min_dense,
            lambda best: rarest_unsaid(understanding.terms, best.document_id, self.retriever.store),
            lambda names: widespread(
                names, self.lexical.terms, self.retriever.store, config.support.widespread_share
            ),
            lambda e: chunk_agreement(retrieval, e.chunk_rank),
            Setting(
                functools.lru_cache(maxsize=None)(lambda doc: words(text_of(doc) or "")),
                lambda names: chunk_counts(names, self.lexical.terms, self.retriever.store),
            ),
        )

    def document_text(self, document_id: str) -> str | None:
        """A document's whole text, to read a chosen sentence beyond its chunk (``shaping``)."""
        record = self.retriever.store.get_document(document_id)
        return record.document.text if record is not None else None

    # --- the whole answer ----------------------------------------------------------------

    def answer(self, question: Question, config: AnswerConfig) -> Answer:
        """The cited answer (or an abstention)."""
        for event in self.stream(question, config, tokens=False):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("the answer stream ended without its answer")  # pragma: no cover

    def stream(
        self, question: Question, config: AnswerConfig, *, tokens: bool = True
    ) -> Iterator[StreamEvent]:
        """The answer as events, each sent when ready: the standalone question (follow-ups), the
        model's text as it is generated (``tokens``, generative only), each cited sentence as
        soon as it is grounded (or reported unsupported), then the whole answer."""
        started = time.perf_counter()
        understanding = self.understand(question)
        retrieval = self.retrieve(understanding, config, question.filters)
        ranked_at = time.perf_counter()
        if understanding.standalone:  # after retrieval: a store error fails the call before any event
            yield Standalone(understanding.standalone)
        evidence = self.gather(understanding, retrieval, config)
        # one read of a document per answer: the abstention's setting and shaping may both need it
        document_text = functools.lru_cache(maxsize=None)(self.document_text)
        decision = self.decide(understanding, evidence, retrieval, config, document_text)
        composed = composition.Composed(Citations())
        if not decision.abstain:
            if self.generator is not None and config.answerer == "generative":
                composed = yield from composition.generative(
                    understanding,
                    question.history,
                    decision,
                    self.generator,
                    self.vectors,
                    self.lexical,
                    config,
                    stream=tokens,
                )
            if not composed.citations.sentences:
                composed = yield from composition.extractive(
                    understanding, decision, evidence, config, self.lexical, composed, document_text
                )
        answered_at = time.perf_counter()
        timings = Timings(
            embed=round(retrieval.embed_ms, 2),
            search=round(retrieval.search_ms, 2),
            answer=round((answered_at - ranked_at) * 1000, 2),
            total=round((answered_at - started) * 1000, 2),
        )
        yield Done(
            composed.citations.answer(
                timings,
                understanding.standalone,
                composed.mode if composed.citations.sentences else "extractive",
                composed.notice,
                tuple(composed.unsupported),
            )
        )
