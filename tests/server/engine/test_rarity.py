"""Rarity from the corpus's own statistics (``server.engine.rarity``) on real man pages, ingested
by the real pipeline into a real Qdrant Edge store, and how abstention uses it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.loaders import load_file
from ingest.pipeline import embedding_text, make_chunks
from server.engine.abstention import Support
from server.engine.rarity import Unsaid, idf, rarest_unsaid, widespread
from server.engine.service import Sourcier
from server.engine.types import Question
from server.engine.understanding import understand
from sourcier.lexical import LexicalEncoder
from sourcier.store import VectorStore, open_store
from tests.support.index import ingested, make_settings

SUITES = Path(__file__).resolve().parents[3] / "eval" / "suites"
MANPAGES = SUITES / "manpages" / "documents"
PAGES = {
    "tac": "manpages-fr_000935",
    "sort": "manpages-fr_000923",
    "tee": "manpages-fr_000940",
    "cut": "manpages-fr_000805",
    "ls": "manpages-fr_000858",
    "split": "manpages-fr_000925",
    "csplit": "manpages-fr_000804",
}
LEXICAL = LexicalEncoder()


@pytest.fixture(scope="module")
def store(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VectorStore]:
    pages = [MANPAGES / f"{p}.txt" for p in PAGES.values()]
    store = open_store(ingested(tmp_path_factory.mktemp("rarity"), pages, embedder, added=len(PAGES)))
    yield store
    store.close()


def chunk_frequencies() -> tuple[Counter[str], int, dict[str, set[str]]]:
    """Chunks holding each term, the number of chunks and each page's terms, recomputed from the
    files the way ingestion indexes them."""
    settings = make_settings(Path("unused"))
    counts: Counter[str] = Counter()
    chunks = 0
    pages: dict[str, set[str]] = {}
    for page in PAGES.values():
        loaded = load_file(MANPAGES / f"{page}.txt")
        pages[page] = set()
        for chunk in make_chunks(loaded, settings):
            found = set(LEXICAL.terms(embedding_text(chunk)))
            counts.update(found)
            pages[page] |= found
            chunks += 1
    return counts, chunks, pages


def terms(question: str) -> list[str]:
    return list(understand(Question(question), LEXICAL).terms)


def test_idf_is_bm25s() -> None:
    assert idf(1, 1000) == pytest.approx(6.5033, abs=1e-4)  # ln(1 + 999.5 / 1.5)
    assert idf(500, 1000) < 0.7 < idf(10, 1000)


def test_the_rarest_word_the_evidence_document_never_uses(store: VectorStore) -> None:
    """Asked about tac, answered from sort's page: "tac" is among the words sort's page lacks (tac's
    own page is where the corpus has it); the rarest of them is reported with its IDF over the
    index's chunks."""
    question = "Avec la commande tac, quelle option permet de trier les lignes par ordre alphabétique ?"
    counts, chunks, pages = chunk_frequencies()
    assert store.count_chunks() == chunks
    for page, should_lack in ((PAGES["sort"], "tac"), (PAGES["tac"], "tri")):
        absent = {t for t in terms(question) if counts[t] and t not in pages[page]}
        assert should_lack in absent
        unsaid = rarest_unsaid(terms(question), page, store)
        assert unsaid.term in absent
        assert counts[unsaid.term] == min(counts[t] for t in absent)
        assert unsaid.idf == pytest.approx(idf(counts[unsaid.term], chunks))


def test_nothing_is_unsaid_when_the_document_has_every_word(store: VectorStore) -> None:
    question = "Avec la commande tac, quelle option affiche l'aide ?"
    assert rarest_unsaid(terms(question), PAGES["tac"], store) == Unsaid()


def test_words_the_corpus_never_uses_are_left_out(store: VectorStore) -> None:
    """'température' is in no page: it cannot tell one document from another."""
    question = "Avec la commande tac, quelle option affiche la température ?"
    assert "temperatur" in terms(question)
    assert rarest_unsaid(terms(question), PAGES["tac"], store) == Unsaid()  # its other words are tac's


def test_a_weakly_aligned_answer_from_a_document_lacking_a_rare_word_is_refused() -> None:
    support = Support(rare_idf=5.5, rare_alignment=0.6)
    rare = Unsaid("murdock", 6.1)
    reason = support.lacking(0.58, 1.0, lambda: rare)
    assert reason is not None and "'murdock'" in reason
    assert support.lacking(0.58, 1.0, lambda: Unsaid("debian", 1.2)) is None  # a common word
    assert support.lacking(0.58, 1.0) is None  # no corpus statistics

    def not_needed() -> Unsaid:
        raise AssertionError("strongly enough aligned: the store is not asked")

    assert support.lacking(0.65, 1.0, not_needed) is None


def test_widespread_names_are_in_a_large_share_of_the_chunks(store: VectorStore) -> None:
    """Each name's rarest term counted over the index's chunks, as ingestion indexed them: "GNU"
    (every page's footer, 7 chunks of 44) is what these pages are about, "tac" and "csplit" are
    one page's."""
    counts, chunks, _ = chunk_frequencies()
    names = ["GNU", "tac", "csplit", "Free Software Foundation", "Debian"]

    def expected(share: float) -> set[str]:
        return {n for n in names if min(counts[t] for t in LEXICAL.terms(n)) >= share * chunks}

    for share in (0.05, 0.1, 0.2, 0.5):
        assert widespread(names, LEXICAL.terms, store, share) == expected(share)
    assert "GNU" in widespread(names, LEXICAL.terms, store, 0.1)
    assert not {"tac", "csplit", "Debian"} & widespread(names, LEXICAL.terms, store, 0.1)
    assert widespread(names, LEXICAL.terms, store, 1.5) == frozenset()  # off


@pytest.fixture(scope="module")
def installation_guide(embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sourcier]:
    """Seven of the docs suite's pages of Debian's installation guide: the page on disk space for
    the tasks (000018), the one on minimum hardware (000046) and five that say "Debian" often."""
    pages = [
        SUITES / "docs" / "documents" / f"installation-guide-fr_{page}.txt"
        for page in ("000018", "000046", "000023", "000024", "000028", "000030", "000074")
    ]
    settings = ingested(tmp_path_factory.mktemp("installation-index"), pages, embedder, added=len(pages))
    service = Sourcier(settings, open_store(settings), embedder)
    yield service
    service.close()


def test_a_passage_need_not_repeat_the_name_its_whole_corpus_is_about(installation_guide: Sourcier) -> None:
    """The guide's page on disk space says "L'installateur installe par défaut l'environnement de
    bureau GNOME…" and never "Debian": over a corpus about Debian it answers a question naming
    Debian. With the exemption off, the name check sets it aside for a sentence that names no
    desktop at all."""
    question = Question("Quel environnement de bureau l'installateur Debian installe-t-il par défaut ?")
    service = installation_guide
    share = service.store.term_counts(["debian"])["debian"] / service.store.count_chunks()
    assert share >= service.config.support.widespread_share
    answer = service.ask(question)
    assert not answer.abstained and "GNOME" in answer.text, answer.text
    strict = service.config.replace(support=dataclasses.replace(service.config.support, widespread_share=2.0))
    assert "GNOME" not in service.ask(question, strict).text
