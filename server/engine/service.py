"""The service facade: the engine over an open store, and the operations callers need on it.

HTTP, the CLI, the chat and the eval all call this class: ask (whole or streamed), search, list
and read documents, add, re-index and delete documents, store readers' feedback, reopen the
store. Answering is the engine's stages (``server.engine.pipeline``) with the product's
``AnswerConfig`` unless the caller passes its own.

Writes to the index go one at a time through :attr:`Sourcier.write_lock`: the API's document
routes and the chat mounted beside them share the one service, so they share its lock too.
"""

from __future__ import annotations

import threading
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
    DocumentChange,
    DocumentDetail,
    DocumentSummary,
    Done,
    Health,
    Question,
    SearchHit,
    StreamEvent,
)
from sourcier.config import Settings
from sourcier.documents import SearchFilters, missing_document
from sourcier.embedding import Embedder, load_embedder
from sourcier.feedback import Feedback, FeedbackStore, feedback_path
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import sentence_spans
from sourcier.store import SearchMode, VectorStore, open_store

if TYPE_CHECKING:
    from ingest.one_document import DocumentResult
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


class SourceMissingError(RuntimeError):
    """A document's source file is gone (or moved), so it cannot be re-read."""

    code = "source_missing"


class FileRejectedError(ValueError):
    """A file the index cannot take. ``code`` says why (one of :data:`ingest.failures.FailureCode`:
    ``unsupported_file``, ``file_too_large``, ``pdf_no_text_layer``, …); the message names the
    file and says why in French."""

    def __init__(self, file_name: str, code: str, reason: str) -> None:
        super().__init__(f"{file_name} : {reason}")
        self.file_name = file_name
        self.code = code
        self.reason = reason


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
        #: Held by every write to the index (add, re-index, delete, ingest, reopen): one at a
        #: time per service, whoever asks (the API's routes, the chat), while questions go on.
        self.write_lock = threading.Lock()

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

    def _check_length(self, text: str, what: str = "la question") -> None:
        if len(text) > self.settings.max_question_chars:
            raise QuestionTooLongError(
                f"{what} fait {len(text)} caractères, au-delà de la limite de "
                f"{self.settings.max_question_chars} (SOURCIER_MAX_QUESTION_CHARS)"
            )

    # --- search and documents --------------------------------------------------------------

    def search(
        self, query: str, top_k: int = 10, filters: SearchFilters | None = None, mode: SearchMode = "hybrid"
    ) -> list[SearchHit]:
        self._check_length(query, "la recherche")
        retrieval = self.engine.retriever.retrieve(query, top_k, filters, mode, self.config.dense_weight)
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
            raise DocumentNotFoundError(missing_document(document_id))
        d = record.document
        return DocumentDetail(
            id=d.id, title=d.title, date=d.date, source=d.source, text=d.text, page_starts=d.page_starts
        )

    # --- writing the index (one write at a time) ------------------------------------------

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        prune: bool = False,
        progress: Callable[[str, int], None] | None = None,
    ) -> IngestReport:
        """Add (or update) the files under ``paths`` in this service's index, with its embedder."""
        from ingest.pipeline import Ingestor

        with self.write_lock:
            ingestor = Ingestor(self.store, self.embedder, self.settings, self.lexical)
            return ingestor.ingest(paths, prune=prune, progress=progress)

    def add_file(
        self, name: str | None, data: bytes, *, document_id: str | None = None, force: bool = False
    ) -> DocumentChange:
        """Keep an uploaded file in ``<data_dir>/uploads`` and index it, replacing an earlier
        upload of that name (or of ``document_id``); ``force`` rewrites it even if unchanged. A
        file that cannot be ingested is not kept: :class:`FileRejectedError`, with its code."""
        from ingest import one_document

        shown = name or "(sans nom)"
        with self.write_lock:
            try:
                result = one_document.add_upload(
                    self.store, self.embedder, self.settings, name, data, doc_id=document_id, force=force
                )
            except one_document.UploadRejectedError as error:
                raise FileRejectedError(shown, error.code, error.reason) from error
            return self._change(shown, result)

    def reindex(self, document_id: str) -> DocumentChange:
        """Re-read a document's source file and rewrite its chunks even if nothing changed (after
        a change of model or chunking). Raises :class:`DocumentNotFoundError`,
        :class:`SourceMissingError`, or :class:`FileRejectedError` if the file no longer loads."""
        from ingest import one_document

        with self.write_lock:
            try:
                result = one_document.reindex(self.store, self.embedder, self.settings, document_id)
            except one_document.DocumentUnavailableError as error:
                raise DocumentNotFoundError(str(error)) from error
            except one_document.SourceMissingError as error:
                raise SourceMissingError(str(error)) from error
            failed = result.report.failed
            return self._change(Path(failed[0].path).name if failed else document_id, result)

    def delete(self, document_id: str) -> int:
        """Remove a document and every chunk of it (and its file, if it was uploaded); returns
        how many chunks were removed. Raises :class:`DocumentNotFoundError`."""
        from ingest import one_document

        with self.write_lock:
            try:
                return one_document.delete(self.store, self.settings, document_id)
            except one_document.DocumentUnavailableError as error:
                raise DocumentNotFoundError(str(error)) from error

    def _change(self, file_name: str, result: DocumentResult) -> DocumentChange:
        """The document a write produced, or the refusal of its file (by its code)."""
        report = result.report
        if result.document_id is None:
            failure = report.failed[0]
            raise FileRejectedError(file_name, failure.code, failure.reason)
        record = self.store.get_document(result.document_id)
        if record is None:  # written a moment ago under the lock: only a broken store gets here
            raise DocumentNotFoundError(missing_document(result.document_id))
        return DocumentChange(
            document_id=result.document_id,
            title=record.document.title,
            chunks=result.chunks,
            pages=len(record.document.page_starts) or None,
            status="added" if report.added else "updated" if report.updated else "unchanged",
        )

    def reopen_store(self) -> None:
        """Close the store and open it again from the settings (e.g. after another process wrote
        to it); the loaded model and the sentence cache are kept."""
        with self.write_lock:
            self.store.close()
            self.store = open_store(self.settings)
            self.engine = Engine(
                Retriever(self.store, self.embedder, self.lexical),
                self.lexical,
                self.engine.vectors,
                self.engine.generator,
            )

    # --- feedback --------------------------------------------------------------------------

    def add_feedback(self, feedback: Feedback) -> Feedback:
        """Keep a reader's verdict (and comment) in ``<data_dir>/feedback.sqlite3``, the database
        ``sourcier feedback export`` turns into eval cases; returns it with its id and date.
        Raises :class:`sourcier.feedback.FeedbackStoreError`."""
        return FeedbackStore(feedback_path(self.settings.data_dir)).add(feedback)

    # --- running ---------------------------------------------------------------------------

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

    def health(self) -> Health:
        """What the service runs on, once its store answers; raises
        :class:`sourcier.store.StoreError` when the store cannot be used right now."""
        self.store.ping()
        return Health(model=self.embedder.name, store=self.settings.store_mode)

    def close(self) -> None:
        self.store.close()
