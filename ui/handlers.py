"""What each of the chat's events does, as plain functions of the service.

Every handler takes the :class:`server.engine.service.Sourcier` (``None`` while a mounted chat
waits for the server's lifespan to load it) and returns what the components show: HTML from
:mod:`ui.formatting`, lists, small dataclasses. Nothing here imports Gradio, so the chat's
behaviour is tested against a real service without a browser; :mod:`ui.layout` only wires
these to components.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from server.engine.service import (
    DocumentNotFoundError,
    FileRejectedError,
    QuestionTooLongError,
    Sourcier,
)
from server.engine.types import (
    Answer,
    AnswerSentence,
    Citation,
    DocumentDetail,
    DocumentSummary,
    Done,
    Question,
    SentenceReady,
    Turn,
)
from sourcier.documents import SearchFilters
from sourcier.embedding import has_lone_surrogates
from sourcier.feedback import COMMENT_MAX_CHARS, CitedSpan, Feedback, FeedbackStoreError
from sourcier.store import StoreError
from ui import formatting as fmt
from ui.examples import example_questions
from ui.messages import NOT_READY, error_message, upload_problem

logger = logging.getLogger(__name__)

ChatMessage = dict[str, str]
CitationData = dict[str, Any]
#: What the page keeps of each answer (by chat message index): the question, the answer, whether
#: it abstained, its citations (dicts) and the conversation before it. For its sources and 👍/👎.
AnswerRecord = dict[str, Any]

#: Turns sent back as ``history`` (the API accepts 50; follow-ups only need the recent ones).
HISTORY_TURNS = 20
PASSAGES_TOP_K = 10
#: How many example questions the chat offers (one button each).
EXAMPLE_COUNT = 4
#: Documents read to find example questions (the most recent first).
EXAMPLE_DOCUMENTS = 8
PICK_SOURCE = "Cliquez sur une source pour voir son passage."


# --- the filter form ------------------------------------------------------------------------


def _parse_date(value: str | None, label: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"Date « {value} » invalide pour « {label} » : utilisez le format AAAA-MM-JJ."
        raise ValueError(message) from None


def make_filters(
    document_ids: list[str] | None, date_from: str | None, date_to: str | None
) -> SearchFilters | None:
    """The filter panel as search filters (None when nothing is chosen); French ``ValueError`` if invalid."""
    start, end = _parse_date(date_from, "du"), _parse_date(date_to, "au")
    if not document_ids and start is None and end is None:
        return None
    if start and end and start > end:
        raise ValueError("La date de début est postérieure à la date de fin.")
    return SearchFilters(
        document_ids=tuple(document_ids or ()),
        date_from=start.isoformat() if start else None,
        date_to=end.isoformat() if end else None,
    )


def question_problem(text: str) -> str | None:
    """Why the service cannot take this question as typed (in French), or None."""
    if not text.strip():
        return "La question est vide."
    if has_lone_surrogates(text):
        return "La question contient des caractères Unicode invalides."
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        return "La question contient des caractères de contrôle."
    return None


# --- answering ------------------------------------------------------------------------------


@dataclass
class ChatState:
    """Everything one answering step shows: the chat, the history sent back, each answer's
    citations (by chat message index), the citations in the sources panel, and two panels."""

    chat: list[ChatMessage]
    turns: list[ChatMessage]
    answers: dict[int, AnswerRecord]
    shown: list[CitationData] = field(default_factory=list)
    sources: str = ""
    passages: str = ""

    def as_outputs(self) -> tuple[Any, ...]:
        return self.chat, self.turns, self.answers, self.shown, self.sources, self.passages

    def snapshot(self) -> ChatState:
        """A copy to yield: later steps must not change what an earlier one showed."""
        return replace(self, chat=list(self.chat), turns=list(self.turns), answers=dict(self.answers))


#: Where ``ChatState.as_outputs`` puts the sources panel, and how many outputs it gives.
SOURCES_OUTPUT = 4
CHAT_OUTPUTS = len(fields(ChatState))


def answer(
    service: Sourcier | None,
    question: str,
    chat: list[ChatMessage],
    turns: list[ChatMessage],
    answers: dict[int, AnswerRecord],
    filters: tuple[list[str] | None, str | None, str | None] = (None, None, None),
) -> Iterator[ChatState]:
    """Stream one answer into the chat, sentence by sentence, then its sources, then the
    retrieved passages. Every failure ends as a French message in the chat, never a spinner."""
    state = ChatState(list(chat or []), list(turns or []), dict(answers or {}))
    question = (question or "").strip()
    state.chat.append({"role": "user", "content": fmt.chat_text(question)})

    def fail(message: str) -> ChatState:
        state.chat.append({"role": "assistant", "content": fmt.error_chat(message)})
        state.shown, state.sources, state.passages = (
            [],
            fmt.placeholder_html(message),
            fmt.placeholder_html(""),
        )
        return state.snapshot()

    if service is None:
        yield fail(NOT_READY)
        return
    problem = question_problem(question)
    if problem:
        yield fail(problem)
        return
    try:
        search_filters = make_filters(*filters)
    except ValueError as error:
        yield fail(str(error))
        return
    history = tuple(
        Turn("user" if t["role"] == "user" else "assistant", t["content"])
        for t in state.turns[-HISTORY_TURNS:]
    )
    asked = Question(question, history, search_filters)
    state.chat.append({"role": "assistant", "content": fmt.SEARCHING_CHAT})
    state.sources = state.passages = fmt.placeholder_html("Recherche des sources…")
    yield state.snapshot()

    sentences: list[AnswerSentence] = []
    response: Answer | None = None
    try:
        for event in service.ask_stream(asked):
            if isinstance(event, SentenceReady):
                sentences.append(event.sentence)
                state.chat[-1] = {"role": "assistant", "content": fmt.answer_chat(sentences)}
                yield state.snapshot()
            elif isinstance(event, Done):
                response = event.answer
    except (QuestionTooLongError, StoreError) as error:
        state.chat.pop()
        yield fail(error_message(error))
        return
    except Exception as error:  # a bug must not leave "Recherche…" spinning forever
        logger.exception("answering %r failed", question)
        state.chat.pop()
        yield fail(error_message(error))
        return
    if response is None:  # the stream always ends with "done"; be explicit if it did not
        state.chat.pop()
        yield fail("La réponse a été interrompue.")
        return

    standalone = response.standalone_question
    state.shown = [asdict(c) for c in response.citations]
    if response.abstained:
        content = fmt.abstention_chat(response.text, standalone_question=standalone)
        state.chat[-1] = {"role": "assistant", "content": content}
        state.sources = fmt.abstention_html(response.text)
    else:
        content = fmt.answer_chat(response.sentences, standalone_question=standalone, notice=response.notice)
        state.chat[-1] = {"role": "assistant", "content": content}
        state.sources = fmt.sources_html(response.citations)
    state.answers[len(state.chat) - 1] = {
        "question": question,
        "answer": response.text,
        "abstained": response.abstained,
        "citations": state.shown,
        "history": [[t.role, t.content] for t in history],
    }
    state.turns += [
        {"role": "user", "content": question},
        {"role": "assistant", "content": response.text},
    ]
    yield state.snapshot()
    state.passages = retrieved_passages(service, standalone or question, search_filters)
    yield state.snapshot()


def retrieved_passages(service: Sourcier, query: str, filters: SearchFilters | None) -> str:
    """The chunks retrieval found for the question, with their scores (the debugging panel)."""
    try:
        found = service.search(query, PASSAGES_TOP_K, filters)
        titles = {d.id: d.title for d in service.documents()}
    except (StoreError, QuestionTooLongError) as error:
        return fmt.placeholder_html(f"Passages indisponibles : {error_message(error)}")
    return fmt.passages_html(found, titles)


# --- sources ---------------------------------------------------------------------------------


def citations_of(data: Sequence[CitationData]) -> list[Citation]:
    """The citations kept in the page's state (plain dicts, as Gradio stores them)."""
    return [Citation(**c) for c in data]


def show_citation(service: Sourcier | None, shown: Sequence[CitationData], n: int | None) -> tuple[str, str]:
    """The sources panel with citation ``n`` active, and its document with the span highlighted."""
    citations = citations_of(shown)
    chosen = next((c for c in citations if c.n == n), None)
    if chosen is None:
        return fmt.sources_html(citations), fmt.placeholder_html("Cliquez sur une source.")
    if service is None:
        return fmt.sources_html(citations, chosen.n), fmt.placeholder_html(NOT_READY)
    try:
        document = service.document(chosen.document_id)
    except DocumentNotFoundError as error:
        return fmt.sources_html(citations, chosen.n), fmt.placeholder_html(error_message(error))
    return fmt.sources_html(citations, chosen.n), fmt.document_html(document, citations, chosen.n)


def turn_sources(answers: dict[int, AnswerRecord], index: int | None) -> list[CitationData]:
    """The citations of the answer at chat message ``index`` (none for a question or an abstention)."""
    record = answers.get(index) if index is not None else None
    return list(record["citations"]) if record else []


# --- 👍/👎 ----------------------------------------------------------------------------------


def record_feedback(
    service: Sourcier | None,
    answers: dict[int, AnswerRecord],
    index: int | None,
    liked: bool,
    comment: str | None = None,
) -> tuple[bool, str] | None:
    """Store a reader's verdict on the answer at chat message ``index``, with the comment typed
    beside the chat if any, in the data directory's feedback database (through the service, as
    ``POST /feedback`` does; ``sourcier feedback export`` turns it into eval cases). Returns
    whether it was stored and what to tell the reader, or None when there is no answer there."""
    record = answers.get(index) if index is not None else None
    if record is None:
        return None
    if service is None:
        return False, NOT_READY
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX_CHARS:
        return False, f"Commentaire trop long : {COMMENT_MAX_CHARS} caractères au plus."
    if has_lone_surrogates(text):
        return False, "Le commentaire contient des caractères Unicode invalides."
    item = Feedback(
        question=record["question"],
        answer=record["answer"],
        verdict="up" if liked else "down",
        citations=tuple(
            CitedSpan(c["document_id"], c["start"], c["end"], c["quote"], c.get("page"))
            for c in record["citations"]
        ),
        comment=text or None,
        abstained=record["abstained"],
        history=tuple((role, content) for role, content in record["history"]),
    )
    try:
        service.add_feedback(item)
    except FeedbackStoreError:
        logger.exception("storing feedback failed")
        return False, "Votre avis n'a pas pu être enregistré : voir le journal du serveur."
    thumb = "👍" if liked else "👎"
    if text:
        return True, f"Merci : votre avis et votre commentaire sont enregistrés ({thumb})."
    return True, f"Merci : votre avis est enregistré ({thumb})."


# --- the corpus: filters, status, examples -------------------------------------------------


@dataclass(frozen=True)
class CorpusView:
    """What the page shows about the corpus: the document filter's choices, the status line,
    and example questions drawn from the documents."""

    choices: list[tuple[str, str]]
    status: str
    examples: list[str]


def corpus_view(service: Sourcier | None) -> CorpusView:
    if service is None:
        return CorpusView([], NOT_READY, [])
    documents = service.documents()
    choices = [(f"{d.title} ({fmt.format_date(d.date)})", d.id) for d in documents]
    count = f"{len(documents)} document{'s' if len(documents) > 1 else ''}"
    status = f"Corpus : {count}. Chaque phrase de réponse cite un passage."
    return CorpusView(
        choices, status, example_questions(_recent_documents(service, documents), EXAMPLE_COUNT)
    )


def _recent_documents(service: Sourcier, documents: Sequence[DocumentSummary]) -> list[DocumentDetail]:
    """The most recent documents first (undated ones last), read in full for their headings."""
    ordered = sorted(documents, key=lambda d: d.date or "", reverse=True)[:EXAMPLE_DOCUMENTS]
    details = []
    for summary in ordered:
        try:
            details.append(service.document(summary.id))
        except DocumentNotFoundError:  # deleted in between
            continue
    return details


# --- upload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    """What adding one file did: its outcome, the document it became, its chunk count, problems."""

    file_name: str
    outcome: Literal["added", "updated", "unchanged", "refused"]
    document: DocumentSummary | None = None
    problems: tuple[str, ...] = ()

    @property
    def chunks(self) -> int:
        return self.document.chunks if self.document else 0


def ingest_upload(service: Sourcier | None, path: str | Path) -> UploadResult:
    """Add an uploaded file to the corpus, as ``POST /documents`` does (the service keeps it in
    ``<data dir>/uploads``, one write at a time), and say what became of it: the document and
    its chunk count, or why it was refused (in French, chosen by the refusal's code)."""
    source = Path(path)
    if service is None:
        return UploadResult(source.name, "refused", problems=(NOT_READY,))
    try:
        change = service.add_file(source.name, source.read_bytes())
    except FileRejectedError as error:
        return UploadResult(source.name, "refused", problems=(upload_problem(error.code, error.reason),))
    except OSError as error:  # Gradio's temporary copy vanished
        logger.warning("reading the upload %s failed: %s", source, error)
        return UploadResult(source.name, "refused", problems=(upload_problem("file_missing", str(error)),))
    except StoreError as error:
        return UploadResult(source.name, "refused", problems=(error_message(error),))
    document = next((d for d in service.documents() if d.id == change.document_id), None)
    return UploadResult(source.name, change.status, document)


def delete_document(service: Sourcier | None, document_id: str | None) -> tuple[bool, str]:
    """Remove a document and every chunk of it from the corpus (its uploaded file too), as
    ``DELETE /documents/{id}`` does, one write at a time with the API's; returns whether it was
    removed and what to tell the reader."""
    if not document_id:
        return False, "Choisissez d'abord le document à supprimer."
    if service is None:
        return False, NOT_READY
    title = next((d.title for d in service.documents() if d.id == document_id), document_id)
    try:
        removed = service.delete(document_id)
    except DocumentNotFoundError:
        return False, f"« {title} » n'est plus dans l'index."
    except StoreError as error:
        return False, error_message(error)
    plural = "s" if removed > 1 else ""
    return True, f"« {title} » supprimé du corpus ({removed} passage{plural} retiré{plural})."
