"""The chat's page: its components and which handler each event calls.

The page calls the same :class:`server.engine.service.Sourcier` as the HTTP API, through a getter: when
mounted in ``sourcier serve`` the service only exists once FastAPI's lifespan has loaded it, so
every event asks for it instead of capturing it at build time. What an event does lives in
:mod:`ui.handlers`; this module only turns their results into component updates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from ingest.loaders import SUPPORTED_SUFFIXES
from server.engine.service import Sourcier
from sourcier.feedback import COMMENT_MAX_CHARS
from ui import formatting as fmt
from ui import handlers
from ui.handlers import (
    EXAMPLE_COUNT,
    PICK_SOURCE,
    AnswerRecord,
    ChatMessage,
    CitationData,
    CorpusView,
    UploadResult,
)

ServiceGetter = Callable[[], Sourcier | None]

# Clicks on a source button become a Python "click" event carrying the citation number.
SOURCES_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-cite]');
  if (button && element.contains(button)) trigger('click', {n: Number(button.dataset.cite)});
});
"""
# After each re-render, bring the active highlight to the middle of the document panel by
# scrolling that panel only: scrollIntoView would also scroll the page and cut its header off.
DOCUMENT_JS = """
watch('value', () => {
  const mark = element.querySelector('#sourcier-active-mark');
  if (!mark) return;
  const block = element.closest('#sourcier-document') || element;
  for (let box = mark.parentElement; box && block.contains(box); box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowY;
    if ((overflow === 'auto' || overflow === 'scroll') && box.scrollHeight > box.clientHeight) {
      const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
      box.scrollTop += offset - (box.clientHeight - mark.offsetHeight) / 2;
      return;
    }
  }
});
"""
UPLOAD_LABEL = "Fichier à ajouter au corpus"
COMMENT_LABEL = "Commentaire sur une réponse (facultatif)"
COMMENT_PLACEHOLDER = (
    "Un commentaire sur une réponse ? Écrivez-le ici puis cliquez sur 👍 ou 👎 sous la réponse : "
    "il est enregistré avec votre avis."
)


def _examples_update(questions: list[str]) -> list[Any]:
    padded = questions + [""] * (EXAMPLE_COUNT - len(questions))
    return [gr.Button(value=q, visible=bool(q)) for q in padded[:EXAMPLE_COUNT]]


def _corpus_outputs(view: CorpusView) -> list[Any]:
    """The filter's and the delete panel's document lists, the status line, the examples."""
    return [
        gr.Dropdown(choices=view.choices),
        gr.Dropdown(choices=view.choices, value=None),
        view.status,
        *_examples_update(view.examples),
    ]


def _upload_html(result: UploadResult) -> str:
    title = result.document.title if result.document else None
    pages = result.document.pages if result.document else None
    return fmt.upload_report_html(
        result.file_name, result.outcome, title, result.chunks, result.problems, pages
    )


def build_demo(get_service: ServiceGetter) -> gr.Blocks:
    """The chat, its sources and document panels, filters, retrieved passages, examples and upload."""

    def answer(
        sent: list[str],
        done: int,
        chat: list[ChatMessage],
        turns: list[ChatMessage],
        answers: dict[int, AnswerRecord],
        document_ids: list[str] | None,
        date_from: str,
        date_to: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer every question sent and not yet answered, in order, each on the chat the one
        before it left; ``done`` (how many are answered) comes out with every step."""
        filters = (document_ids, date_from, date_to)
        for answered, question in enumerate(sent[done:], start=done + 1):
            if not (question or "").strip():
                gr.Warning("Posez une question : le champ est vide.")
                yield (*[gr.skip()] * handlers.CHAT_OUTPUTS, answered)
                continue
            sent_sources = None
            for state in handlers.answer(get_service(), question, chat, turns, answers, filters):
                outputs = list(state.as_outputs())
                # a source the reader clicked meanwhile stays active: unchanged sources are not re-sent
                if state.sources == sent_sources:
                    outputs[handlers.SOURCES_OUTPUT] = gr.skip()
                sent_sources = state.sources
                chat, turns, answers = state.chat, state.turns, state.answers
                yield (*outputs, answered)

    def show_citation(shown: list[CitationData], evt: gr.EventData) -> tuple[str, str]:
        return handlers.show_citation(get_service(), shown, getattr(evt, "n", None))  # n: from SOURCES_JS

    def show_turn(answers: dict[int, AnswerRecord], evt: gr.SelectData) -> tuple[Any, Any, Any]:
        """Clicking an earlier answer in the chat brings its sources back (other messages: no change)."""
        data = handlers.turn_sources(answers, evt.index if isinstance(evt.index, int) else None)
        if not data:
            return gr.skip(), gr.skip(), gr.skip()
        return (
            data,
            fmt.sources_html(handlers.citations_of(data)),
            fmt.placeholder_html("Cliquez sur une source."),
        )

    def give_feedback(answers: dict[int, AnswerRecord], comment: str, evt: gr.LikeData) -> Any:
        """👍/👎 on an answer, with the comment box's text: stored for the eval. The box is
        emptied once its comment is stored (kept when it was not, to try again)."""
        if not isinstance(evt.liked, bool):
            return gr.skip()
        index = evt.index if isinstance(evt.index, int) else None
        outcome = handlers.record_feedback(get_service(), answers, index, evt.liked, comment)
        if outcome is None:
            return gr.skip()
        stored, said = outcome
        (gr.Info if stored else gr.Warning)(said)
        return "" if stored else gr.skip()

    def load_corpus() -> list[Any]:
        return _corpus_outputs(handlers.corpus_view(get_service()))

    def add_document(path: str | None) -> list[Any]:
        """Ingest the uploaded file; the file input is emptied for the next one, the report stays."""
        if not path:
            return [gr.skip()] * (5 + EXAMPLE_COUNT)
        service = get_service()
        result = handlers.ingest_upload(service, path)
        return [_upload_html(result), None, *_corpus_outputs(handlers.corpus_view(service))]

    def remove_document(document_id: str | None) -> list[Any]:
        service = get_service()
        removed, message = handlers.delete_document(service, document_id)
        corpus = (
            _corpus_outputs(handlers.corpus_view(service)) if removed else [gr.skip()] * (3 + EXAMPLE_COUNT)
        )
        return [fmt.notice_html(message, removed), *corpus]

    def start(text: str, sent: list[str]) -> tuple[str, list[str], str]:
        """Empty the textbox at once; the question joins ``sent``, the chat's questions in order.

        ``sent`` only grows: the answer reads the questions after ``done`` and writes only
        ``done``, so a question sent while answers run can be neither overwritten nor lost."""
        return "", [*sent, text], fmt.placeholder_html(PICK_SOURCE)

    def reset(sent: list[str]) -> tuple[Any, ...]:
        """A new conversation: every question sent before it counts as done, so none of them is
        answered into the new one."""
        empty = fmt.placeholder_html("")
        return [], [], {}, [], fmt.sources_html([]), empty, empty, len(sent)

    demo = gr.Blocks(title="Sourcier", analytics_enabled=False)
    with demo:
        turns = gr.State([])  # plain-text history sent back to the service
        answers = gr.State({})  # chat message index -> that answer's citations
        shown = gr.State([])  # the citations in the sources panel
        sent = gr.State([])  # every question sent in this chat, in order (the textbox is emptied at once)
        done = gr.State(0)  # how many of them are answered

        gr.Markdown(
            "# Sourcier\nQuestions en français sur le corpus : chaque phrase de la réponse est "
            "citée et vérifiable en un clic.",
            elem_id="sourcier-header",
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
                    feedback_options=("Like", "Dislike"),  # 👍/👎, stored for the eval
                    buttons=["copy", "copy_all"],  # no "share": nothing leaves this machine
                    placeholder="Posez une question sur le corpus, ou choisissez un exemple ci-dessous.",
                )
                comment = gr.Textbox(
                    label=COMMENT_LABEL,
                    show_label=False,
                    placeholder=COMMENT_PLACEHOLDER,
                    elem_id="sourcier-feedback-comment",
                    max_lines=3,
                    max_length=COMMENT_MAX_CHARS,
                )
                with gr.Row():
                    question = gr.Textbox(
                        label="Votre question",
                        show_label=False,
                        placeholder="Votre question… (Entrée pour envoyer)",
                        elem_id="sourcier-question",
                        scale=5,
                        max_lines=4,
                        autofocus=True,
                    )
                    send = gr.Button("Demander", variant="primary", elem_id="sourcier-send", scale=1)
                with gr.Row(elem_id="sourcier-examples"):
                    example_buttons = [
                        gr.Button(
                            "", size="sm", variant="secondary", visible=False, elem_classes="sourcier-example"
                        )
                        for _ in range(EXAMPLE_COUNT)
                    ]
                clear = gr.Button("Nouvelle conversation", size="sm")
                with gr.Accordion("Filtres", open=False):
                    documents = gr.Dropdown(
                        label="Documents",
                        multiselect=True,
                        choices=[],
                        info="Vide : tout le corpus.",
                        elem_id="sourcier-documents",
                    )
                    with gr.Row():
                        date_from = gr.Textbox(label="Du", placeholder="AAAA-MM-JJ")
                        date_to = gr.Textbox(label="Au", placeholder="AAAA-MM-JJ")
                with gr.Accordion("Passages retrouvés et scores", open=False):
                    passages = gr.HTML(
                        fmt.placeholder_html("Posez une question."), elem_id="sourcier-passages"
                    )
                with gr.Accordion("Ajouter un document au corpus", open=False):
                    upload = gr.File(
                        label=UPLOAD_LABEL, elem_id="sourcier-upload", file_types=sorted(SUPPORTED_SUFFIXES)
                    )
                    upload_report = gr.HTML(elem_id="sourcier-upload-report")
                with gr.Accordion("Supprimer un document du corpus", open=False):
                    doomed = gr.Dropdown(label="Document", choices=[], elem_id="sourcier-delete-choice")
                    delete = gr.Button(
                        "Supprimer du corpus", variant="stop", size="sm", elem_id="sourcier-delete"
                    )
                    delete_report = gr.HTML(elem_id="sourcier-delete-report")
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

        inputs = [sent, done, chat, turns, answers, documents, date_from, date_to]
        outputs = [chat, turns, answers, shown, sources, passages, done]
        asking: list[tuple[Callable[..., Any], gr.components.Component]] = [
            (question.submit, question),
            (send.click, question),
            *((button.click, button) for button in example_buttons),
        ]
        for trigger, source in asking:
            # "always_last": a question sent while the previous answer is still running waits for
            # it, then runs on the updated chat. Gradio's default, "once", silently drops it: the
            # box is cleared and no answer ever comes. Gradio keeps one waiting run, the last: it
            # answers every question sent meanwhile, since ``sent`` holds them all.
            trigger(start, [source, sent], [question, sent, document], queue=False).then(
                answer,
                inputs,
                outputs,
                concurrency_id="sourcier",
                api_visibility="private",
                trigger_mode="always_last",
            )
        sources.click(show_citation, [shown], [sources, document], api_visibility="private")
        chat.select(show_turn, [answers], [shown, sources, document], api_visibility="private")
        chat.like(give_feedback, [answers, comment], [comment], api_visibility="private")
        reset_outputs = [chat, turns, answers, shown, sources, document, passages, done]
        clear.click(reset, [sent], reset_outputs, queue=False)
        chat.clear(reset, [sent], reset_outputs, queue=False)  # the chat's own bin must forget history too
        corpus_outputs = [documents, doomed, status, *example_buttons]
        upload.upload(
            add_document,
            [upload],
            [upload_report, upload, *corpus_outputs],
            concurrency_id="sourcier",
            api_visibility="private",
        )
        delete.click(
            remove_document,
            [doomed],
            [delete_report, *corpus_outputs],
            concurrency_id="sourcier",
            api_visibility="private",
        )
        demo.load(load_corpus, outputs=corpus_outputs, api_visibility="private")
    return demo
