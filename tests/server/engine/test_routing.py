"""A question naming a command in lower case searches that command's page (server.engine.retrieval
``Retriever.named_pages``), on a real index of real man pages of the manpages suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.engine.service import Sourcier
from server.engine.types import Question
from sourcier.config import Settings
from sourcier.documents import SearchFilters
from sourcier.store import open_store
from tests.support.index import ingested

PAGES = Path(__file__).resolve().parents[3] / "eval" / "suites" / "manpages" / "documents"
SORT, TAC, DIR, WC = "manpages-fr_000923", "manpages-fr_000935", "manpages-fr_000812", "manpages-fr_000962"
TIME, CHGRP = "manpages-fr_000942", "manpages-fr_000794"


@pytest.fixture(scope="module")
def service(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """The bundled articles' index (a copy) with six man pages added."""
    pages = [PAGES / f"{page}.txt" for page in (SORT, TAC, DIR, WC, TIME, CHGRP)]
    settings = ingested(tmp_path_factory.mktemp("routing-index"), pages, embedder, corpus_index, added=6)
    store = open_store(settings)
    assert len(store.list_documents()) == 8
    sourcier = Sourcier(settings, store, embedder)
    yield sourcier
    sourcier.close()


def test_the_named_commands_page_is_found_by_its_title(service: Sourcier) -> None:
    retriever = service.engine.retriever
    assert retriever.named_pages("Avec la commande sort, quelle option affiche la version ?") == (SORT,)
    assert retriever.named_pages("Avec wc, quelle option compte les caractères ?") == (WC,)
    assert retriever.named_pages("Avec la commande grep, quelle option ignore la casse ?") == ()  # no page
    assert retriever.named_pages("Quelle option affiche la version ?") == ()  # no command named


def test_retrieval_searches_the_named_page(service: Sourcier) -> None:
    query = "Avec la commande sort, quelle option permet d'afficher les informations de version et quitter ?"
    routed = service.engine.retriever.retrieve(query, 8)
    assert routed.chunks and {c.chunk.document_id for c in routed.chunks} == {SORT}
    assert any("--version" in c.chunk.text for c in routed.chunks)
    # a user's own document filter wins over the routing
    tac_only = service.engine.retriever.retrieve(query, 8, SearchFilters(document_ids=(TAC,)))
    assert {c.chunk.document_id for c in tac_only.chunks} == {TAC}
    # no page for the command: the whole index is searched
    free = service.engine.retriever.retrieve("Avec la commande grep, quelle option affiche la version ?", 8)
    assert len({c.chunk.document_id for c in free.chunks}) > 1


def test_an_option_of_another_commands_page_is_no_answer(service: Sourcier) -> None:
    """tac has no option to sort lines; dir's (and ls's) "-X trier alphabétiquement…" was the answer."""
    answer = service.ask(
        Question("Avec la commande tac, quelle option permet de trier les lignes par ordre alphabétique ?")
    )
    assert answer.abstained, answer.text
    version = service.ask(
        Question("Avec la commande sort, quelle option affiche les informations de version ?")
    )
    assert not version.abstained
    assert all(c.document_id == SORT for c in version.citations)
    assert "--version" in version.text


def test_an_option_must_say_what_the_question_describes(service: Sourcier) -> None:
    """ "Avec la commande time, quelle option affiche la température du processeur ?" was answered
    with an option line of time's page: every line aligns with "commande", "option", "afficher";
    none says "température". At least half of what a question describes must be in the option's
    line (and the line before it)."""
    for question in (
        "Avec la commande time, quelle option affiche la température du processeur ?",
        "Avec la commande chgrp, quelle option change aussi le mot de passe du groupe ?",
    ):
        unanswerable = service.ask(Question(question))
        assert unanswerable.abstained, (question, unanswerable.text)
    bytes_ = service.ask(
        Question("Avec la commande wc, quelle option permet d'afficher le nombre d'octets ?")
    )
    assert not bytes_.abstained, bytes_.text
    assert "--bytes" in bytes_.text and all(c.document_id == WC for c in bytes_.citations)
