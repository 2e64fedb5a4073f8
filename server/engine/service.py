"""The service facade: the engine over an open store, and the operations callers need on it.

HTTP, the CLI, the chat and the eval all call this class: ask (whole or streamed), search, list
and read documents, ingest files, reopen the store. Answering is the engine's stages
(``server.engine.pipeline``) with the product's ``AnswerConfig`` unless the caller passes its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from server.engine.config import AnswerConfig
from server.engine.evidence import SentenceVectors
from server.engine.generative import Generator, OpenAICompatibleGenerator
from server.engine.pipeline import Engine
from server.engine.retrieval import Retriever
from server.engine.types import (
    Answer,
    DocumentDetail,
    DocumentSummary,
    Done,
    Question,
    SearchHit,
    StreamEvent,
)
from sourcier.config import Settings
from sourcier.documents import SearchFilters
from sourcier.embedding import Embedder, load_embedder
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import sentence_spans
from sourcier.store import SearchMode, VectorStore, open_store

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport

#: Sentences embedded per batch while warming up (small, so queries are not held up long).
WARM_UP_BATCH = 32


class QuestionTooLongError(ValueError):
    """The question exceeds ``SOURCIER_MAX_QUESTION_CHARS``."""

    #: Stable codes (the API's error codes where the API answers them): callers branch on these.
    code = "question_too_long"


class DocumentNotFoundError(LookupError):
    """No document with this id in the index."""

    code = "document_not_found"


class UnsupportedFileError(ValueError):
    """An uploaded file of a type the loaders do not read."""

    code = "unsupported_file"


def generator_from_settings(settings: Settings) -> Generator | None:
    """The configured OpenAI-compatible language model (None when ``SOURCIER_LLM_*`` is unset)."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatibleGenerator(settings.llm_base_url, settings.llm_model, key, settings.llm_timeout_s)


class Sourcier:
    """Retrieves, ranks evidence, answers (extractively or with an LLM) and cites."""

    def __init__(
        self,
        settings: Settings,
        store: VectorStore,
        embedder: Embedder,
        generator: Generator | None = None,
        lexical: LexicalEncoder | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.lexical = lexical or LexicalEncoder()
        self.engine = Engine(
            Retriever(store, embedder, self.lexical),
            self.lexical,
            SentenceVectors(embedder, settings.sentence_cache_mb * 2**20),
            generator,
        )
        #: The product's answering configuration (callers pass their own per call to change it):
        #: the language model answers whenever there is one.
        self.config = AnswerConfig.from_settings(settings).replace(
            answerer="generative" if generator is not None else "extractive"
        )
        #: Called with every answer, whole or streamed (the server's metrics); None elsewhere.
        self.observer: Callable[[Answer], None] | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: Embedder | None = None, store: VectorStore | None = None
    ) -> Sourcier:
        """Open the configured store (unless given), load the embedder (unless given) and, if
        configured, the LLM."""
        embedder = embedder or load_embedder(settings)
        return cls(settings, store or open_store(settings), embedder, generator_from_settings(settings))

    @property
    def generator(self) -> Generator | None:
        return self.engine.generator

    @property
    def vectors(self) -> SentenceVectors:
        return self.engine.vectors

    # --- answering -------------------------------------------------------------------------

    def ask(self, question: Question, config: AnswerConfig | None = None) -> Answer:
        """Answer a question from the corpus, citing a source span for every sentence."""
        self._check_length(question.text)
        answer = self.engine.answer(question, config or self.config)
        if self.observer is not None:
            self.observer(answer)
        return answer

    def ask_stream(self, question: Question, config: AnswerConfig | None = None) -> Iterator[StreamEvent]:
        """The same answer as events, each as soon as it is ready (see ``Engine.stream``). The
        question's length is checked before the first event."""
        self._check_length(question.text)
        events = self.engine.stream(question, config or self.config)
        return events if self.observer is None else self._observed(events, self.observer)

    @staticmethod
    def _observed(events: Iterator[StreamEvent], observer: Callable[[Answer], None]) -> Iterator[StreamEvent]:
        for event in events:
            if isinstance(event, Done):
                observer(event.answer)
            yield event

    def _check_length(self, text: str) -> None:
        if len(text) > self.settings.max_question_chars:
            raise QuestionTooLongError(
                f"the question is {len(text)} characters long; "
                f"the limit is {self.settings.max_question_chars}"
            )

    # --- search and documents --------------------------------------------------------------

    def search(
        self, query: str, top_k: int = 10, filters: SearchFilters | None = None, mode: SearchMode = "hybrid"
    ) -> list[SearchHit]:
        self._check_length(query)
        retrieval = self.engine.retriever.retrieve(query, top_k, filters, mode)
        return [
            SearchHit(
                document_id=s.chunk.document_id,
                chunk_id=s.point_id,
                start=s.chunk.start,
                end=s.chunk.end,
                text=s.chunk.text,
                score=round(s.score, 6),
            )
            for s in retrieval.chunks
        ]

    def documents(self) -> list[DocumentSummary]:
        records = sorted(self.store.list_documents(), key=lambda r: r.document.id)
        return [
            DocumentSummary(
                id=r.document.id,
                title=r.document.title,
                date=r.document.date,
                source=r.document.source,
                chunks=len(r.chunk_ids),
                ingested_at=r.ingested_at,
                pages=len(r.document.page_starts) or None,
            )
            for r in records
        ]

    def document(self, document_id: str) -> DocumentDetail:
        record = self.store.get_document(document_id)
        if record is None:
            raise DocumentNotFoundError(f"no document with id {document_id!r}")
        d = record.document
        return DocumentDetail(
            id=d.id, title=d.title, date=d.date, source=d.source, text=d.text, page_starts=d.page_starts
        )

    # --- the index -------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        prune: bool = False,
        progress: Callable[[str, int], None] | None = None,
    ) -> IngestReport:
        """Add (or update) the files under ``paths`` in this service's index, with its embedder."""
        from ingest.pipeline import Ingestor

        ingestor = Ingestor(self.store, self.embedder, self.settings, self.lexical)
        return ingestor.ingest(paths, prune=prune, progress=progress)

    def ingest_file(self, source: Path) -> IngestReport:
        """Copy an uploaded file into ``<data_dir>/uploads`` and index it; a file that fails and
        was not there before is removed again. Raises ``UnsupportedFileError`` for a type the
        loaders do not read."""
        from ingest.loaders import SUPPORTED_SUFFIXES

        if source.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise UnsupportedFileError(
                f"unsupported file type {source.suffix or '(none)'}: "
                f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        uploads = self.settings.data_dir / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        target = uploads / source.name
        existed = target.exists()
        shutil.copyfile(source, target)
        report = self.ingest([target])
        if report.failed and not existed:
            target.unlink(missing_ok=True)
        return report

    def reopen_store(self) -> None:
        """Close the store and open it again from the settings (e.g. after another process wrote
        to it); the loaded model and the sentence cache are kept."""
        self.store.close()
        self.store = open_store(self.settings)
        self.engine = Engine(
            Retriever(self.store, self.embedder, self.lexical),
            self.lexical,
            self.engine.vectors,
            self.engine.generator,
        )

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
            self.engine.vectors.embed(texts[i : i + WARM_UP_BATCH])
        return len(texts)

    def check_ready(self) -> None:
        """Raise :class:`sourcier.store.StoreError` when the store cannot be used right now."""
        self.store.ping()

    def close(self) -> None:
        self.store.close()
