"""Abstention from measures that mean the same on any corpus: the retrievers' agreement (rank
positions) and the best evidence's alignment with the question, on the real model and index."""

from __future__ import annotations

from typing import Any

import pytest

from server.engine.abstention import Support
from server.engine.config import AnswerConfig
from server.engine.retrieval import agreement
from server.engine.types import Question


def stages(service: Any, text: str) -> tuple[Any, Any, Any]:
    engine, config = service.engine, AnswerConfig()
    understanding = engine.understand(Question(text))
    retrieval = engine.retrieve(understanding, config)
    evidence = engine.gather(understanding, retrieval, config)
    return understanding, retrieval, evidence


def test_agreement_is_high_when_both_retrievers_find_the_passage(service: Any) -> None:
    _, retrieval, _ = stages(service, "Quel est le nom de code du successeur de Llama ?")
    assert retrieval.mode == "hybrid"
    assert agreement(retrieval) >= 0.75  # first in one list, at worst third in the other
    _, off_topic, _ = stages(service, "Comment réussir une pâte à crêpes sans grumeaux ?")
    assert agreement(off_topic) < agreement(retrieval)


def test_agreement_is_zero_when_only_the_dense_retriever_ran(service: Any) -> None:
    _, retrieval, _ = stages(service, "Qui est-ce ?")  # stop words only: no lexical terms
    assert retrieval.mode == "dense" and retrieval.chunks
    assert agreement(retrieval) == 0.0


@pytest.mark.parametrize(
    ("question", "abstains"),
    [
        ("Quel est le nom de code du successeur de Llama ?", False),
        ("Comment réussir une pâte à crêpes sans grumeaux ?", True),
        ("Quelle est la capitale de l'Australie ?", True),
    ],
)
def test_decision_follows_alignment_and_agreement(service: Any, question: str, abstains: bool) -> None:
    understanding, retrieval, evidence = stages(service, question)
    decision = service.engine.decide(understanding, evidence, retrieval, AnswerConfig())
    assert decision.abstain is abstains, decision.reason
    if abstains:
        assert decision.reason.startswith(("best evidence alignment", "dense and lexical retrieval disagree"))


def test_support_needs_alignment_and_either_agreement_or_strong_alignment() -> None:
    support = Support(min_alignment=0.55, strong_alignment=0.7, min_agreement=0.6)
    assert support.lacking(0.50, 1.0) == "best evidence alignment 0.500 < 0.55"
    assert support.lacking(0.60, 0.5) is not None  # aligned, but the retrievers disagree
    assert support.lacking(0.60, 0.6) is None
    assert support.lacking(0.72, 0.0) is None  # strongly aligned: agreement not needed
