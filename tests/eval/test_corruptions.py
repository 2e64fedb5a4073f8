"""The corruption generator makes every kind, deterministically, and the verifier catches them."""

from __future__ import annotations

import random
from typing import Any

import pytest

from eval.corruptions import (
    CONTROL_KINDS,
    EXTRA_KINDS,
    KINDS,
    Case,
    Claim,
    benign_variants,
    candidate_sentences,
    corpus_entities,
    make_cases,
    negate,
    run_self_test,
    swap_entity,
    swap_number,
)
from eval.dataset import Span
from eval.harness import neighbours
from eval.verifier import Verifier

SENTENCE = "Le changement de cap de Meta trouverait ses racines dans la performance décevante de Llama 4."
PREMISES = ["le salaire d'Alexandr Wang", "le prix d'abonnement d'Avocado"]


def test_text_edits() -> None:
    rng = random.Random(0)
    changed = swap_number("Il serait prévu pour le printemps 2026.", rng)
    assert changed is not None and changed != "Il serait prévu pour le printemps 2026."
    assert swap_number("Aucun nombre ici.", rng) is None
    assert negate("Avocado est le nom de code.") == "Avocado n'est pas le nom de code."
    assert (
        negate("Le développement serait mené par une unité.")
        == "Le développement ne serait pas mené par une unité."
    )
    assert negate("Le modèle n'a pas réussi à captiver.") == "Le modèle a réussi à captiver."
    assert negate("Le projet se trouve au cœur.") == "Le projet ne se trouve pas au cœur."
    swapped = swap_entity("Le patron de Meta a parlé.", "Le patron de Meta a parlé.", ["Meta", "OpenAI"], rng)
    assert swapped == "Le patron de OpenAI a parlé."
    assert swap_entity("Rien de nommé.", "", ["Meta"], rng) is None
    assert "Avocado est le nom de code du successeur de Llama." in benign_variants(
        "Avocado est le nom de code du successeur de Llama, un modèle d'IA actuellement en développement."
    )


def test_corpus_entities_are_names_not_sentence_openers(documents: dict[str, str]) -> None:
    entities = corpus_entities(documents)
    for name in ("Alexandr Wang", "Yann LeCun", "Behemoth", "Avocado", "OpenAI", "Llama 4"):
        assert name in entities
    assert not {"Le", "Selon", "Pour", "Un", "IA"} & set(entities)


@pytest.fixture(scope="module")
def documents(service: Any) -> dict[str, str]:
    return {r.document.id: r.document.text for r in service.store.list_documents()}


@pytest.fixture(scope="module")
def verifier(service: Any) -> Verifier:
    return Verifier(service.vectors, service.lexical)


def _source(documents: dict[str, str], text: str) -> Claim:
    doc_id, doc = next((d, t) for d, t in documents.items() if text in t)
    start = doc.index(text)
    return Claim(text, Span(doc_id, start, start + len(text)), text)


def test_every_kind_is_made_and_caught(documents: dict[str, str], verifier: Verifier) -> None:
    source = _source(documents, SENTENCE)
    cases = make_cases([source], documents, verifier.similarity, seed=3, premises=PREMISES)
    kinds = {c.kind for c in cases}
    assert set(KINDS) <= kinds and "untouched" in kinds
    for case in cases:
        if case.kind in KINDS:
            assert case.claims != (source,), case.kind
    result = run_self_test(cases, lambda s, q: (verifier.check(s, q).supported, verifier.check(s, q).reasons))
    for kind in KINDS:
        assert result.kinds[kind].rate == 1.0, (kind, result.kinds[kind].misses)
    assert result.untouched_passed == 1.0
    assert result.caught == 1.0


def test_cases_are_deterministic_for_a_seed(documents: dict[str, str], verifier: Verifier) -> None:
    sources = [_source(documents, SENTENCE), _source(documents, "Il est un partisan des modèles fermés.")]
    first = make_cases(sources, documents, verifier.similarity, seed=7)
    assert first == make_cases(sources, documents, verifier.similarity, seed=7)
    assert {c.kind for c in first} <= {*KINDS, *EXTRA_KINDS, *CONTROL_KINDS}


def test_hard_negatives_come_from_the_nearest_chunks(
    service: Any, documents: dict[str, str], verifier: Verifier
) -> None:
    """With the index's nearest chunks, the other document's hard negative is looked for in them
    only; on the two articles it is the same sentence as when every sentence is compared."""
    source = _source(documents, SENTENCE)
    nearest = neighbours(service.engine)
    spans = nearest(source.text)
    assert spans and any(s.overlaps(source.span) for s in spans)  # its own chunk is the nearest
    every = make_cases([source], documents, verifier.similarity, seed=3, premises=PREMISES)
    near = make_cases([source], documents, verifier.similarity, seed=3, premises=PREMISES, neighbours=nearest)
    assert near == every
    # a single chunk of the other article: the splice takes its sentence from that chunk
    other = next(s for s in spans if s.document_id != source.span.document_id)
    only = make_cases(
        [source], documents, verifier.similarity, seed=3, premises=PREMISES, neighbours=lambda _: [other]
    )
    (splice,) = [c for c in only if c.kind == "splice"]
    added = splice.claims[1].text
    assert added in documents[other.document_id][other.start : other.end]
    # what is embedded ahead: the cited article's sentences and that chunk's, not the other article
    texts = candidate_sentences([source], documents, lambda _: [other])
    assert added in texts and SENTENCE in texts
    outside = [t for t in candidate_sentences([source], documents) if t not in texts]
    assert outside and all(t in documents[other.document_id] for t in outside)


def test_self_test_bookkeeping() -> None:
    claim = Claim("a b c d", Span("d", 0, 7), "a b c d")
    cases = [
        Case("untouched", claim, (claim,)),
        Case("number", claim, (claim,)),
        Case("splice", claim, (claim, claim)),
    ]
    lenient = run_self_test(cases, lambda s, q: (True, ()))
    assert (lenient.caught, lenient.untouched_passed) == (0.0, 1.0)
    assert len(lenient.kinds["number"].misses) == 1
    strict = run_self_test(cases, lambda s, q: (False, ("no",)))
    assert (strict.caught, strict.untouched_passed) == (1.0, 0.0)
    assert strict.kinds["untouched"].misses[0]["reasons"] == "no"
