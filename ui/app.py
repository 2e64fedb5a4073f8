"""The Gradio chat: ask in French, read the streamed answer, click a source to see it in context.

The UI calls the same :class:`server.engine.service.Sourcier` as the HTTP API, through a getter: when
mounted in ``sourcier serve`` the service only exists once FastAPI's lifespan has loaded it, so
the UI asks for it on every event instead of capturing it at build time. Everything runs offline:
analytics off, system fonts, no share links.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sourcier.runtime import configure_runtime

configure_runtime()  # before Gradio is imported: it reads GRADIO_ANALYTICS_ENABLED at import

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from server.api.schemas import (  # noqa: E402
    AnswerSentence,
    AskRequest,
    AskResponse,
    Citation,
    DocumentDetail,
    Filters,
    SearchRequest,
    SearchResponse,
    Turn,
)
from server.engine.service import (  # noqa: E402
    DocumentNotFoundError,
    QuestionTooLongError,
    Sourcier,
    UnsupportedFileError,
)
from server.engine.types import Done, SentenceReady, Standalone  # noqa: E402
from sourcier.config import Settings  # noqa: E402
from sourcier.store import StoreError  # noqa: E402
from ui import formatting as fmt  # noqa: E402

logger = logging.getLogger(__name__)

ServiceGetter = Callable[[], Sourcier | None]
ChatMessage = dict[str, str]
CitationData = dict[str, Any]

EXAMPLES = (
    "Quel est le nom de code du successeur de Llama ?",
    "Qui dirige le TBD Lab ?",
    "Pourquoi Meta a-t-elle mis Behemoth en pause ?",
    "Combien de paramètres compte Behemoth ?",
)
#: Turns sent back as ``history`` (the API accepts 50; follow-ups only need the recent ones).
HISTORY_TURNS = 20
PASSAGES_TOP_K = 10
NOT_READY = (
    "Le service n'est pas encore prêt (chargement de l'index et du modèle) : réessayez dans un instant."
)
UPLOAD_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

THEME = gr.themes.Default(
    primary_hue="indigo",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)

CSS = """
.sourcier-hint, .sourcier-placeholder { color: var(--body-text-color-subdued); font-size: 0.9em;
  margin: 0.2em 0; }
.sourcier-source-list { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column;
  gap: 0.5em; }
.sourcier-cite { display: block; width: 100%; text-align: left; cursor: pointer; padding: 0.6em 0.8em;
  border: 1px solid var(--border-color-primary); border-radius: 8px;
  background: var(--background-fill-secondary);
  color: var(--body-text-color); font: inherit; }
.sourcier-cite:hover, .sourcier-cite:focus-visible { border-color: var(--color-accent); }
.sourcier-cite.sourcier-active { border-color: var(--color-accent);
  box-shadow: 0 0 0 2px var(--color-accent-soft); }
.sourcier-n { font-weight: 700; color: var(--color-accent); }
.sourcier-title { font-weight: 600; }
.sourcier-date { color: var(--body-text-color-subdued); font-size: 0.85em; margin-left: 0.3em; }
.sourcier-quote { display: block; margin-top: 0.3em; font-style: italic; }
.sourcier-abstention { border-left: 5px solid #d97706; background: #fff7ed; color: #7c2d12;
  padding: 0.6em 1em; margin: 0; border-radius: 6px; }
.sourcier-abstention p { margin: 0.3em 0 0; }
.sourcier-marker { color: var(--color-accent); font-weight: 700; font-size: 0.85em; }
.sourcier-note { display: block; margin-top: 0.4em; color: var(--body-text-color-subdued); font-size: 0.9em; }
.sourcier-error-text { color: #b91c1c; }
.sourcier-uncertain { font-size: 0.75em; border: 1px solid #d97706; color: #92400e; border-radius: 4px;
  padding: 0 0.3em; margin-left: 0.2em; white-space: nowrap; cursor: help; }
.sourcier-document header { position: sticky; top: 0; z-index: 1; background: var(--block-background-fill);
  border-bottom: 1px solid var(--border-color-primary); margin-bottom: 0.5em; padding: 0.7em 1em 0.2em; }
.sourcier-document .sourcier-text { padding: 0 1em 1em; }
#sourcier-document .sourcier-placeholder { padding: 1em; }
#sourcier-document .html-container { padding-top: 0; }  /* text must not show above the sticky title */
.sourcier-document header h3 { margin: 0 0 0.2em; }
.sourcier-meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 0 0 0.6em; }
.sourcier-text { white-space: pre-wrap; line-height: 1.55; }
.sourcier-mark { background: #fef3c7; color: inherit; padding: 0 1px; }
.sourcier-mark.sourcier-active { background: #fde047; outline: 2px solid #ca8a04; border-radius: 2px; }
.sourcier-sup { color: #a16207; font-weight: 700; font-size: 0.7em; }
.sourcier-elided, .sourcier-warning { color: #b45309; font-size: 0.85em; }
.sourcier-passages { width: 100%; border-collapse: collapse; font-size: 0.85em; }
.sourcier-passages td, .sourcier-passages th { border-top: 1px solid var(--border-color-primary);
  padding: 0.3em; vertical-align: top; text-align: left; }
.sourcier-error { border-left: 5px solid #dc2626; background: #fef2f2; color: #7f1d1d;
  padding: 0.6em 1em; }
.sourcier-ok { border-left: 5px solid #16a34a; background: #f0fdf4; color: #14532d; padding: 0.6em 1em; }
"""

# Clicks on a source button become a Python "click" event carrying the citation number.
SOURCES_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-cite]');
  if (button && element.contains(button)) trigger('click', {n: Number(button.dataset.cite)});
});
"""
# After each re-render, bring the active highlight into view (inside the panel and the page).
DOCUMENT_JS = """
watch('value', () => {
  const mark = element.querySelector('#sourcier-active-mark');
  if (mark) mark.scrollIntoView({block: 'center', inline: 'nearest'});
});
"""

#: One answering step: chat, history, per-message citations, shown citations, sources, passages.
Outputs = tuple[
    list[ChatMessage], list[ChatMessage], dict[int, list[CitationData]], list[CitationData], str, str
]


def _french_errors(error: ValidationError) -> str:
    """Pydantic's messages, in French for the cases a user can cause from the UI."""
    messages = []
    for item in error.errors():
        text = str(item.get("msg", "")).removeprefix("Value error, ")
        if "question is empty" in text:
            messages.append("La question est vide.")
        elif "control characters" in text:
            messages.append("La question contient des caractères de contrôle.")
        elif "date_from must not be after date_to" in text:
            messages.append("La date de début est postérieure à la date de fin.")
        else:
            messages.append(text)
    return " ".join(messages) or "Requête invalide."


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
) -> Filters | None:
    """The filter panel as API filters (None when nothing is chosen); French ``ValueError`` if invalid."""
    start, end = _parse_date(date_from, "du"), _parse_date(date_to, "au")
    if not document_ids and start is None and end is None:
        return None
    try:
        ids = list(document_ids) if document_ids else None
        return Filters(document_ids=ids, date_from=start, date_to=end)
    except ValidationError as error:
        raise ValueError(_french_errors(error)) from error


def _citations(data: list[CitationData]) -> list[Citation]:
    return [Citation.model_validate(c) for c in data]


def build_demo(get_service: ServiceGetter) -> gr.Blocks:
    """The chat, its sources and document panels, filters, retrieved passages and upload."""

    def answer(
        question: str,
        chat: list[ChatMessage],
        turns: list[ChatMessage],
        answers: dict[int, list[CitationData]],
        document_ids: list[str] | None,
        date_from: str,
        date_to: str,
    ) -> Iterator[Outputs]:
        """Stream one answer into the chat, sentence by sentence, then its sources."""
        chat, turns, answers = list(chat or []), list(turns or []), dict(answers or {})
        question = (question or "").strip()
        if not question:
            gr.Warning("Posez une question : le champ est vide.")
            return
        chat.append({"role": "user", "content": fmt.chat_text(question)})

        def fail(message: str) -> Outputs:
            chat.append({"role": "assistant", "content": fmt.error_chat(message)})
            return chat, turns, answers, [], fmt.placeholder_html(message), fmt.placeholder_html("")

        service = get_service()
        if service is None:
            yield fail(NOT_READY)
            return
        try:
            filters = make_filters(document_ids, date_from, date_to)
            request = AskRequest(
                question=question,
                top_k=None,
                filters=filters,
                history=[Turn.model_validate(t) for t in turns[-HISTORY_TURNS:]],
            )
        except ValidationError as error:
            yield fail(_french_errors(error))
            return
        except ValueError as error:
            yield fail(str(error))
            return
        chat.append({"role": "assistant", "content": fmt.SEARCHING_CHAT})
        pending = fmt.placeholder_html("Recherche des sources…")
        yield chat, turns, answers, [], pending, pending

        sentences: list[AnswerSentence] = []
        standalone: str | None = None
        response: AskResponse | None = None
        try:
            for event in service.ask_stream(request.to_engine(), request.config(service.config)):
                if isinstance(event, Standalone):
                    standalone = event.question
                elif isinstance(event, SentenceReady):
                    sentences.append(AnswerSentence.from_engine(event.sentence))
                    chat[-1] = {"role": "assistant", "content": fmt.answer_chat(sentences)}
                    yield chat, turns, answers, [], pending, pending
                elif isinstance(event, Done):
                    response = AskResponse.from_engine(event.answer)
        except QuestionTooLongError as error:
            chat.pop()
            yield fail(f"Question trop longue : {error}.")
            return
        except StoreError as error:
            chat.pop()
            yield fail(f"L'index est indisponible : {error}")
            return
        except Exception:  # a bug must not leave "Recherche…" spinning forever
            logger.exception("answering %r failed", question)
            chat.pop()
            yield fail("Erreur interne pendant la réponse : voir le journal du serveur.")
            return
        if response is None:  # the stream always ends with "done"; be explicit if it did not
            chat.pop()
            yield fail("La réponse a été interrompue.")
            return

        shown = [c.model_dump() for c in response.citations]
        if response.abstained:
            chat[-1] = {"role": "assistant", "content": fmt.abstention_chat(response.answer)}
            panel = fmt.abstention_html(response.answer)
        else:
            chat[-1] = {
                "role": "assistant",
                "content": fmt.answer_chat(
                    response.sentences, standalone_question=standalone, notice=response.notice
                ),
            }
            answers[len(chat) - 1] = shown
            panel = fmt.sources_html(response.citations)
        turns += [{"role": "user", "content": question}, {"role": "assistant", "content": response.answer}]
        yield chat, turns, answers, shown, panel, pending

        try:
            search = SearchRequest(query=standalone or question, top_k=PASSAGES_TOP_K, filters=filters)
            found = SearchResponse.from_engine(
                service.search(search.query, search.top_k, search.filters_to_engine(), search.mode)
            )
            titles = {d.id: d.title for d in service.documents()}
            passages = fmt.passages_html(found.results, titles)
        except (StoreError, ValidationError) as error:
            passages = fmt.placeholder_html(f"Passages indisponibles : {error}")
        yield chat, turns, answers, shown, panel, passages

    def show_citation(shown: list[CitationData], evt: gr.EventData) -> tuple[str, str]:
        """Open the clicked source's document with its span highlighted."""
        citations = _citations(shown)
        n = getattr(evt, "n", None)  # sent by SOURCES_JS
        chosen = next((c for c in citations if c.n == n), None)
        if chosen is None:
            return fmt.sources_html(citations), fmt.placeholder_html("Cliquez sur une source.")
        service = get_service()
        if service is None:
            return fmt.sources_html(citations, chosen.n), fmt.placeholder_html(NOT_READY)
        try:
            document = DocumentDetail.from_engine(service.document(chosen.document_id))
        except DocumentNotFoundError:
            message = f"Le document {chosen.document_id} n'est plus dans l'index."
            return fmt.sources_html(citations, chosen.n), fmt.placeholder_html(message)
        return fmt.sources_html(citations, chosen.n), fmt.document_html(document, citations, chosen.n)

    def show_turn(answers: dict[int, list[CitationData]], evt: gr.SelectData) -> tuple[Any, Any, Any]:
        """Clicking an earlier answer in the chat brings its sources back (other messages: no change)."""
        index = evt.index if isinstance(evt.index, int) else None
        data = answers.get(index, []) if index is not None else []
        if not data:
            return gr.skip(), gr.skip(), gr.skip()
        return data, fmt.sources_html(_citations(data)), fmt.placeholder_html("Cliquez sur une source.")

    def load_documents() -> tuple[Any, str]:
        """Fill the document filter once the service is ready (it may not be at build time)."""
        service = get_service()
        if service is None:
            return gr.Dropdown(choices=[]), NOT_READY
        documents = service.documents()
        choices = [(f"{d.title} ({fmt.format_date(d.date)})", d.id) for d in documents]
        count = f"{len(documents)} document{'s' if len(documents) > 1 else ''}"
        return gr.Dropdown(choices=choices), f"Corpus : {count}. Chaque phrase de réponse cite un passage."

    def add_document(path: str | None) -> tuple[str, Any, str, None]:
        """Ingest an uploaded file through the ingestion pipeline, with its validation messages.

        The file input is emptied afterwards, ready for the next file; the report stays.
        """
        report_html, dropdown, status = _ingest(path)
        return report_html, dropdown, status, None

    def _ingest(path: str | None) -> tuple[str, Any, str]:
        service = get_service()
        if not path:
            return fmt.placeholder_html(""), gr.Dropdown(), ""
        if service is None:
            return fmt.ingest_report_html(0, 0, 0, [("", NOT_READY)]), gr.Dropdown(), ""
        source = Path(path)
        try:
            report = service.ingest_file(source)
        except UnsupportedFileError:
            reason = f"type de fichier {source.suffix or '(aucun)'} non pris en charge : .txt, .md ou .html."
            return fmt.ingest_report_html(0, 0, 0, [(source.name, reason)]), gr.Dropdown(), ""
        except StoreError as error:
            report_html = fmt.ingest_report_html(0, 0, 0, [(source.name, f"index indisponible : {error}")])
            return report_html, gr.Dropdown(), ""
        dropdown, status = load_documents()
        html = fmt.ingest_report_html(report.added, report.updated, report.unchanged, report.failed)
        return html, dropdown, status

    demo = gr.Blocks(title="Sourcier", analytics_enabled=False)
    with demo:
        turns = gr.State([])  # plain-text history sent back to the service
        answers = gr.State({})  # chat message index -> that answer's citations
        shown = gr.State([])  # the citations in the sources panel
        asked = gr.State("")  # the question being answered (the textbox is emptied at once)

        gr.Markdown(
            "# Sourcier\nQuestions en français sur le corpus : chaque phrase de la réponse est "
            "citée et vérifiable en un clic."
        )
        status = gr.Markdown(elem_id="sourcier-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chat = gr.Chatbot(
                    label="Conversation",
                    elem_id="sourcier-chat",
                    height=460,
                    latex_delimiters=[],
                    sanitize_html=True,
                    render_markdown=False,  # see ui.formatting: escaped text + a little HTML
                    feedback_options=None,
                    buttons=["copy", "copy_all"],  # no "share": nothing leaves this machine
                    placeholder="Posez une question sur le corpus, ou choisissez un exemple ci-dessous.",
                )
                with gr.Row():
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Votre question… (Entrée pour envoyer)",
                        elem_id="sourcier-question",
                        scale=5,
                        max_lines=4,
                        autofocus=True,
                    )
                    send = gr.Button("Demander", variant="primary", elem_id="sourcier-send", scale=1)
                with gr.Row(elem_id="sourcier-examples"):
                    example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
                clear = gr.Button("Nouvelle conversation", size="sm")
                with gr.Accordion("Filtres", open=False):
                    documents = gr.Dropdown(
                        label="Documents", multiselect=True, choices=[], info="Vide : tout le corpus."
                    )
                    with gr.Row():
                        date_from = gr.Textbox(label="Du", placeholder="AAAA-MM-JJ")
                        date_to = gr.Textbox(label="Au", placeholder="AAAA-MM-JJ")
                with gr.Accordion("Passages retrouvés et scores", open=False):
                    passages = gr.HTML(
                        fmt.placeholder_html("Posez une question."), elem_id="sourcier-passages"
                    )
                with gr.Accordion("Ajouter un document au corpus", open=False):
                    upload = gr.File(label="Fichier .txt, .md ou .html", file_types=list(UPLOAD_SUFFIXES))
                    upload_report = gr.HTML(elem_id="sourcier-upload-report")
            with gr.Column(scale=2, min_width=320):
                sources = gr.HTML(
                    fmt.sources_html([]), elem_id="sourcier-sources", js_on_load=SOURCES_JS, padding=True
                )
                document = gr.HTML(
                    fmt.placeholder_html("Le document cité s'affichera ici, passage surligné."),
                    elem_id="sourcier-document",
                    js_on_load=DOCUMENT_JS,
                    max_height=560,
                    padding=False,  # the sticky title must sit flush with the scrolled edge
                    container=True,
                )

        inputs = [asked, chat, turns, answers, documents, date_from, date_to]
        outputs = [chat, turns, answers, shown, sources, passages]

        def start(text: str) -> tuple[str, str, str]:
            """Empty the textbox at once; the question travels in ``asked``."""
            return "", text, fmt.placeholder_html("Cliquez sur une source pour voir son passage.")

        for trigger in (question.submit, send.click):
            trigger(start, [question], [question, asked, document], queue=False).then(
                answer, inputs, outputs, concurrency_id="sourcier", api_visibility="private"
            )
        for button, text in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda q=text: start(q), outputs=[question, asked, document], queue=False).then(
                answer, inputs, outputs, concurrency_id="sourcier", api_visibility="private"
            )
        sources.click(show_citation, [shown], [sources, document], api_visibility="private")
        chat.select(show_turn, [answers], [shown, sources, document], api_visibility="private")
        empty = fmt.placeholder_html("")

        def reset() -> tuple[Any, ...]:
            return [], [], {}, [], fmt.sources_html([]), empty, empty

        reset_outputs = [chat, turns, answers, shown, sources, document, passages]
        clear.click(reset, outputs=reset_outputs, queue=False)
        chat.clear(reset, outputs=reset_outputs, queue=False)  # the chat's own bin must forget history too
        upload.upload(
            add_document,
            [upload],
            [upload_report, documents, status, upload],
            concurrency_id="sourcier",
            api_visibility="private",
        )
        demo.load(load_documents, outputs=[documents, status], api_visibility="private")
    return demo


def _auth(settings: Settings) -> Callable[[str, str], bool] | None:
    """With ``SOURCIER_API_KEY`` set, the chat asks for it too: the UI must not bypass the API's key."""
    if settings.api_key is None:
        return None
    expected = settings.api_key.get_secret_value().encode()

    def check(_user: str, password: str) -> bool:
        return secrets.compare_digest(password.encode(), expected)

    return check


AUTH_MESSAGE = "Identifiant libre ; mot de passe : la clé d'API du serveur (SOURCIER_API_KEY)."


def mount_ui(app: FastAPI, settings: Settings) -> None:
    """Serve the chat at ``/ui`` of the API app, using the service its lifespan creates."""
    demo = build_demo(lambda: getattr(app.state, "service", None))
    gr.mount_gradio_app(
        app,
        demo,
        path="/ui",
        theme=THEME,
        css=CSS,
        auth=_auth(settings),
        auth_message=AUTH_MESSAGE,
        max_file_size=settings.max_body_bytes,
        footer_links=["settings"],
    )


def launch(settings: Settings, host: str, port: int) -> None:
    """Run the chat on its own (``sourcier ui``), without the HTTP API."""
    service = Sourcier.from_settings(settings)
    try:
        build_demo(lambda: service).queue(default_concurrency_limit=1).launch(
            server_name=host,
            server_port=port,
            share=False,
            theme=THEME,
            css=CSS,
            auth=_auth(settings),
            auth_message=AUTH_MESSAGE,
            max_file_size=settings.max_file_bytes,
            footer_links=["settings"],
            show_error=True,
        )
    finally:
        service.close()
