"""The metric definitions on hand-made cases whose values are worked out by hand."""

from __future__ import annotations

import math

import pytest

from eval.dataset import Span
from eval.metrics import (
    CitedSentence,
    abstention_scores,
    citation_correct,
    facts_found,
    ndcg_at_k,
    normalise,
    passages_covered,
    recall_at_k,
    reciprocal_rank,
    retrieval_scores,
)

A1 = Span("a", 0, 10)  # gold passage 1
A2 = Span("a", 50, 60)  # gold passage 2
GOLD = [A1, A2]
HIT1 = Span("a", 5, 20)  # overlaps A1
HIT2 = Span("a", 55, 58)  # overlaps A2
BOTH = Span("a", 0, 100)  # overlaps both
MISS = Span("a", 10, 50)  # touches both ends, overlaps neither (half-open spans)
OTHER_DOC = Span("b", 0, 10)


def test_overlap_is_half_open_and_per_document() -> None:
    assert HIT1.overlaps(A1) and A1.overlaps(HIT1)
    assert not MISS.overlaps(A1) and not MISS.overlaps(A2)
    assert not OTHER_DOC.overlaps(A1)


def test_recall_at_k() -> None:
    ranked = [MISS, HIT2, OTHER_DOC, HIT1]
    assert recall_at_k(ranked, GOLD, 1) == 0.0
    assert recall_at_k(ranked, GOLD, 2) == 0.5
    assert recall_at_k(ranked, GOLD, 4) == 1.0
    assert recall_at_k([BOTH], GOLD, 1) == 1.0
    assert recall_at_k([], GOLD, 5) == 0.0


def test_reciprocal_rank() -> None:
    assert reciprocal_rank([MISS, OTHER_DOC, HIT2], GOLD) == pytest.approx(1 / 3)
    assert reciprocal_rank([HIT1], GOLD) == 1.0
    assert reciprocal_rank([MISS], GOLD) == 0.0


def test_ndcg_counts_each_gold_passage_once() -> None:
    ideal = 1 + 1 / math.log2(3)
    # passages found at ranks 2 and 4: (1/log2(3) + 1/log2(5)) / ideal
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / ideal
    assert ndcg_at_k([MISS, HIT1, HIT1, HIT2], GOLD, 10) == pytest.approx(expected)
    # a repeated hit adds nothing; a cut-off at k=2 drops the passage at rank 4
    assert ndcg_at_k([MISS, HIT1, HIT1, HIT2], GOLD, 2) == pytest.approx((1 / math.log2(3)) / ideal)
    # one unit covering both passages at rank 1 is perfect (capped at 1)
    assert ndcg_at_k([BOTH], GOLD, 10) == 1.0
    assert ndcg_at_k([HIT1, HIT2], GOLD, 10) == pytest.approx(1.0)
    assert ndcg_at_k([HIT1], [A1], 10) == 1.0
    assert ndcg_at_k([HIT1], [], 10) == 0.0


def test_retrieval_scores_bundle() -> None:
    scores = retrieval_scores([MISS, HIT1, HIT2], GOLD)
    assert scores == {
        "recall@1": 0.0,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "mrr": 0.5,
        "ndcg@10": pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))),
    }


def test_citation_precision_by_overlap_or_support() -> None:
    def judge(gold_text: str, quote: str) -> bool:  # "supports" = same words here
        return gold_text == quote

    on_gold = CitedSentence("x", HIT1, "whatever")
    elsewhere_same_fact = CitedSentence("x", OTHER_DOC, "gold one")
    wrong = CitedSentence("x", MISS, "something else")
    texts = ["gold one", "gold two"]
    assert citation_correct(on_gold, GOLD, texts, judge)
    assert citation_correct(elsewhere_same_fact, GOLD, texts, judge)
    assert not citation_correct(wrong, GOLD, texts, judge)
    assert passages_covered([on_gold, wrong], GOLD, texts, judge) == 1
    assert passages_covered([on_gold, elsewhere_same_fact], GOLD, texts, judge) == 1  # both are passage 1
    assert passages_covered([CitedSentence("x", BOTH, "q")], GOLD, texts, judge) == 2
    assert passages_covered([], GOLD, texts, judge) == 0


def test_key_facts_ignore_case_accents_and_apostrophes() -> None:
    assert normalise("  Élan\u00a0CRUCIAL’s ") == "elan crucial's"
    answer = "Le modele n’a pas reussi a captiver les developpeurs ; printemps 2026."
    facts = ["n'a pas réussi à captiver les développeurs", "Printemps 2026", "Llama 4"]
    assert facts_found(answer, facts) == facts[:2]


def test_abstention_scores() -> None:
    # (answerable, abstained): 2 unanswerable (1 refused), 3 answerable (1 refused by mistake)
    outcomes = [(False, True), (False, False), (True, False), (True, False), (True, True)]
    scores = abstention_scores(outcomes)
    assert scores.precision == 0.5  # 2 refusals, 1 right
    assert scores.recall == 0.5  # 2 unanswerable, 1 refused
    assert scores.answered == pytest.approx(2 / 3)
    never = abstention_scores([(False, False), (True, False)])
    assert (never.precision, never.recall, never.answered) == (0.0, 0.0, 1.0)
