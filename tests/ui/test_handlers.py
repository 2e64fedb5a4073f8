"""The chat's handlers without a browser, against a real service on the bundled corpus."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.engine.service import Sourcier
from server.engine.types import Question
from sourcier.config import Settings
from sourcier.feedback import COMMENT_MAX_CHARS
from sourcier.store import open_store
from tests.support.index import copy_index, make_settings
from ui import handlers
from ui.messages import NOT_READY

QUESTION = "Qui dirige le TBD Lab ?"
NOTES_MD = """# Le potager communal de Saint-Rémy

Le potager communal de Saint-Rémy a été créé en 2019 par l'association Les Mains Vertes.

## La récolte des courges géantes

La plus grosse courge récoltée au potager pesait 212 kilogrammes en octobre 2024.
Elle a été pesée sur la balance de la coopérative agricole du village.
"""


def finished(service: Sourcier | None, question: str, **kwargs: Any) -> list[handlers.ChatState]:
    return list(handlers.answer(service, question, [], [], {}, **kwargs))


@pytest.fixture
def private_service(corpus_index: Settings, embedder: Any, tmp_path: Path) -> Iterator[Sourcier]:
    """A service over its own copy of the index: uploads must not change the shared one."""
    settings = copy_index(corpus_index, tmp_path / "index")
    service = Sourcier(settings, open_store(settings), embedder)
    yield service
    service.close()


def test_an_answer_streams_into_the_chat_then_its_sources_then_the_passages(service: Sourcier) -> None:
    expected = service.ask(Question(QUESTION))
    states = finished(service, QUESTION)
    assert "Recherche dans le corpus" in states[0].chat[-1]["content"]  # shown before the answer
    last = states[-1]
    assert [m["role"] for m in last.chat] == ["user", "assistant"]
    for sentence in expected.sentences:
        assert html.escape(sentence.text, quote=False) in last.chat[-1]["content"]
    assert [c["quote"] for c in last.shown] == [c.quote for c in expected.citations]
    assert last.answers[1]["citations"] == last.shown  # the chat's message 1 keeps its citations
    assert (
        handlers.turn_sources(last.answers, 1) == last.shown and handlers.turn_sources(last.answers, 0) == []
    )
    assert html.escape(expected.citations[0].quote) in last.sources
    assert "<table" in last.passages  # the retrieved passages come last
    # ... with the sources unchanged: the page does not re-send them (a source clicked meanwhile stays active)
    assert states[-2].sources == last.sources and "<table" not in states[-2].passages
    assert last.as_outputs()[handlers.SOURCES_OUTPUT] == last.sources
    assert last.turns == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": expected.text},
    ]


def test_a_follow_up_uses_the_history_the_handler_kept(service: Sourcier) -> None:
    first = finished(service, "Quel est le nom de code du successeur de Llama ?")[-1]
    follow = list(
        handlers.answer(service, "Et quand sortira-t-il ?", first.chat, first.turns, first.answers)
    )[-1]
    # answered or not, the follow-up was read with the conversation before it
    assert "Question comprise comme" in follow.chat[-1]["content"]
    assert "successeur de Llama" in follow.chat[-1]["content"]
    assert len(follow.turns) == 4


def test_an_unanswerable_question_abstains_without_sources(service: Sourcier) -> None:
    last = finished(service, "Quelle est la recette de la tarte tatin ?")[-1]
    assert "sourcier-abstention" in last.chat[-1]["content"] and "sourcier-abstention" in last.sources
    assert last.answers[1]["abstained"] is True and handlers.turn_sources(last.answers, 1) == []


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ((None, "2025-12-31", "2025-01-01"), "La date de début est postérieure à la date de fin."),
        ((None, "31/12/2025", ""), "utilisez le format AAAA-MM-JJ"),
    ],
)
def test_bad_filters_are_explained_in_french(
    service: Sourcier, filters: tuple[list[str] | None, str, str], message: str
) -> None:
    states = finished(service, QUESTION, filters=filters)
    assert len(states) == 1 and message in states[0].chat[-1]["content"] and message in states[0].sources


def test_errors_from_the_service_are_rendered_from_their_code(
    service: Sourcier, embedder: Any, tmp_path: Path
) -> None:
    strict = Sourcier(make_settings(tmp_path, max_question_chars=10), service.store, embedder)
    last = finished(strict, QUESTION)[-1]
    assert "Question trop longue" in last.chat[-1]["content"]
    assert "Recherche dans le corpus" not in last.chat[-1]["content"]  # no spinner left behind
    assert "exceeds" not in last.chat[-1]["content"]  # the English detail is not shown


def test_before_the_service_is_loaded_every_handler_says_so() -> None:
    assert NOT_READY in finished(None, QUESTION)[-1].chat[-1]["content"]
    assert handlers.corpus_view(None) == handlers.CorpusView([], NOT_READY, [])
    assert handlers.ingest_upload(None, "notes.md").problems == (NOT_READY,)


def test_clicking_a_source_opens_its_document_with_the_span_marked(service: Sourcier) -> None:
    last = finished(service, QUESTION)[-1]
    first = last.shown[0]
    sources, document = handlers.show_citation(service, last.shown, first["n"])
    assert 'aria-pressed="true"' in sources
    assert 'id="sourcier-active-mark"' in document
    assert f'data-start="{first["start"]}" data-end="{first["end"]}"' in document
    _, nothing = handlers.show_citation(service, last.shown, 99)
    assert "Cliquez sur une source" in nothing


def test_the_corpus_view_lists_documents_and_asks_about_their_headings(service: Sourcier) -> None:
    view = handlers.corpus_view(service)
    assert [value for _, value in view.choices] == [d.id for d in service.documents()]
    assert view.status.startswith("Corpus : 2 documents")
    assert len(view.examples) == handlers.EXAMPLE_COUNT
    # one document's headings, then the other's, in turn; a heading that is a question stays one
    assert view.examples[:2] == [
        "Que dit le corpus sur « Meta tournerait le dos à la stratégie open source » ?",
        "Que dit le corpus sur « Behemoth mis en pause : une performance en demi-teinte » ?",
    ]
    assert "Open source : philosophie ou stratégie temporaire ?" in view.examples
    for example in view.examples:  # every example is a question the corpus answers
        assert not service.ask(Question(example)).abstained, example


def test_an_upload_reports_its_document_and_chunks_and_refreshes_filters_and_examples(
    private_service: Sourcier, tmp_path: Path
) -> None:
    notes = tmp_path / "potager.md"
    notes.write_text(NOTES_MD, encoding="utf-8")
    result = handlers.ingest_upload(private_service, notes)
    assert (result.file_name, result.outcome, result.problems) == ("potager.md", "added", ())
    assert result.document is not None and result.document.id == "potager"
    assert result.document.title == "Le potager communal de Saint-Rémy"
    assert result.chunks == private_service.store.count_chunks("potager") >= 1
    view = handlers.corpus_view(private_service)
    assert "potager" in [value for _, value in view.choices]
    assert "Que dit le corpus sur « La récolte des courges géantes » ?" in view.examples
    assert (private_service.settings.data_dir / "uploads" / "potager.md").exists()

    again = handlers.ingest_upload(private_service, notes)
    assert again.outcome == "unchanged" and again.chunks == result.chunks


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "latin1.txt",
            "Un article en Latin-1 : déjà vu.".encode("latin-1"),
            "Le fichier n'est pas en UTF-8 valide : réenregistrez-le en UTF-8.",
        ),
        ("vide.md", b"", "Le fichier est vide."),
        (
            "tableau.csv",
            b"a;b\n1;2\n",
            "Type de fichier non pris en charge : envoyez un fichier .txt, .md, .html, .pdf ou .docx.",
        ),
        (
            "image.md",
            b"\x89PNG\x00\x00",
            "Fichier binaire : ce n'est pas du texte. Envoyez un fichier .txt, .md, .html, .pdf ou .docx.",
        ),
        ("faux.docx", b"Du texte.", "Le contenu du fichier ne correspond pas à son extension."),
    ],
)
def test_a_refused_upload_says_why_in_french_and_leaves_nothing_behind(
    private_service: Sourcier, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    result = handlers.ingest_upload(private_service, bad)
    assert result.outcome == "refused" and result.document is None
    assert result.problems == (problem,)
    assert not (private_service.settings.data_dir / "uploads" / name).exists()
    assert len(private_service.documents()) == 2


def test_a_pdf_upload_reports_its_pages_and_its_citations_name_the_page(
    private_service: Sourcier, tmp_path: Path
) -> None:
    from tests.ingest.sample_files import make_pdf

    result = handlers.ingest_upload(private_service, make_pdf(tmp_path / "abeilles.pdf"))
    assert result.outcome == "added" and result.document is not None and result.document.pages == 3
    last = finished(
        private_service, "Combien d'euros la Commission européenne a-t-elle consacrés aux pollinisateurs ?"
    )[-1]
    cited = [c for c in handlers.citations_of(last.shown) if c.document_id == "abeilles"]
    assert cited and cited[0].page == 2, last.shown  # the sentence is on the PDF's second page
    assert '<span class="sourcier-page">p. 2</span>' in last.sources
    _, document = handlers.show_citation(private_service, last.shown, cited[0].n)
    assert f"page 2, caractères {cited[0].start}–{cited[0].end}" in document


def test_a_scanned_pdf_is_refused_with_the_reason(private_service: Sourcier, tmp_path: Path) -> None:
    from tests.ingest.sample_files import make_scanned_pdf

    result = handlers.ingest_upload(private_service, make_scanned_pdf(tmp_path / "scan.pdf"))
    assert result.outcome == "refused" and any("sans couche texte" in p for p in result.problems)


def test_thumbs_on_an_answer_are_stored_as_feedback_the_eval_can_export(private_service: Sourcier) -> None:
    from sourcier.feedback import FeedbackStore, feedback_path

    first = finished(private_service, QUESTION)[-1]
    follow = list(
        handlers.answer(
            private_service, "Quelle unité le développe ?", first.chat, first.turns, first.answers
        )
    )[-1]
    assert handlers.record_feedback(private_service, follow.answers, 0, True) is None  # a question: nothing
    assert handlers.record_feedback(private_service, follow.answers, 1, True, "  ") == (
        True,
        "Merci : votre avis est enregistré (👍).",
    )
    comment = "  La réponse oublie de dire quand l'unité a été créée.  "
    assert handlers.record_feedback(private_service, follow.answers, 3, False, comment) == (
        True,
        "Merci : votre avis et votre commentaire sont enregistrés (👎).",
    )
    too_long = "x" * (COMMENT_MAX_CHARS + 1)
    assert handlers.record_feedback(private_service, follow.answers, 3, False, too_long) == (
        False,
        f"Commentaire trop long : {COMMENT_MAX_CHARS} caractères au plus.",
    )
    up, down = FeedbackStore(feedback_path(private_service.settings.data_dir)).list_all()
    assert (up.question, up.verdict, up.comment) == (QUESTION, "up", None)
    assert (down.verdict, down.comment) == ("down", comment.strip())
    assert [c.quote for c in up.citations] == [c["quote"] for c in first.shown]
    assert down.history == (("user", QUESTION), ("assistant", up.answer))  # the follow-up's conversation


def test_deleting_a_document_removes_it_and_its_chunks_from_the_corpus(
    private_service: Sourcier, tmp_path: Path
) -> None:
    notes = tmp_path / "potager.md"
    notes.write_text(NOTES_MD, encoding="utf-8")
    added = handlers.ingest_upload(private_service, notes)
    assert handlers.delete_document(private_service, None) == (
        False,
        "Choisissez d'abord le document à supprimer.",
    )
    removed, message = handlers.delete_document(private_service, "potager")
    assert removed and message == (
        f"« Le potager communal de Saint-Rémy » supprimé du corpus ({added.chunks} "
        + ("passages retirés)." if added.chunks > 1 else "passage retiré).")
    )
    assert private_service.store.count_chunks("potager") == 0
    assert "potager" not in [value for _, value in handlers.corpus_view(private_service).choices]
    assert not (private_service.settings.data_dir / "uploads" / "potager.md").exists()
    assert handlers.delete_document(private_service, "potager") == (
        False,
        "« potager » n'est plus dans l'index.",
    )


def test_a_chat_delete_and_an_api_upload_wait_for_the_one_write_lock(
    private_service: Sourcier, tmp_path: Path
) -> None:
    """The chat and the API it is mounted beside write through one service, so one lock: while
    a write holds it, neither the chat's delete nor the API's upload can start."""
    import threading

    from fastapi.testclient import TestClient

    from server.api.app import create_app

    notes = tmp_path / "potager.md"
    notes.write_text(NOTES_MD, encoding="utf-8")
    assert handlers.ingest_upload(private_service, notes).outcome == "added"
    results: dict[str, Any] = {}
    app = create_app(private_service.settings, service=private_service)
    with TestClient(app) as client:
        assert app.state.service is private_service  # what the mounted chat's getter returns
        writes = [
            threading.Thread(
                target=lambda: results.update(chat=handlers.delete_document(private_service, "potager"))
            ),
            threading.Thread(
                target=lambda: results.update(
                    api=client.post(
                        "/documents", files={"file": ("verger.md", b"# Le verger\n\nDix pommiers.\n")}
                    )
                )
            ),
        ]
        with private_service.write_lock:  # a write under way
            for write in writes:
                write.start()
            for write in writes:
                write.join(timeout=2)
            assert all(write.is_alive() for write in writes) and results == {}  # both wait
            assert private_service.store.count_chunks("potager") >= 1
        for write in writes:
            write.join(timeout=120)
    assert results["chat"][0] is True and results["api"].status_code == 201, results
    assert {d.id for d in private_service.documents()} >= {"verger"} and "potager" not in {
        d.id for d in private_service.documents()
    }
