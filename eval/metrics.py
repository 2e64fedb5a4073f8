"""Metric definitions: small pure functions over spans and flags, so each can be checked by hand.

Conventions (why they are what they are):

- Relevance is **span overlap** with a gold supporting passage, never string equality: chunks
  and sentences are cut by the system, passages by a human, and only offsets compare them.
- Retrieval metrics count **gold passages**, not retrieved units: recall@k is the share of a
  question's passages that some unit of the top k overlaps; nDCG gives a unit the number of
  passages it covers first (a unit covering two passages gains 2) against the ideal of one new
  passage per rank, capped at 1. MRR is 1/rank of the first unit overlapping any passage.
- A ratio with an empty denominator is 0.0 (e.g. abstention precision when nothing was
  refused): the gate then fails loudly instead of passing on nothing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from eval.dataset import Span

KS = (1, 5, 10)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


# --- retrieval ---------------------------------------------------------------------------


def covered(units: Sequence[Span], gold: Sequence[Span]) -> list[int]:
    """For each gold passage, the 0-based rank of the first unit overlapping it (-1: never)."""
    return [next((i for i, u in enumerate(units) if u.overlaps(g)), -1) for g in gold]


def recall_at_k(units: Sequence[Span], gold: Sequence[Span], k: int) -> float:
    """Share of the gold passages overlapped by some unit of the top ``k``."""
    return ratio(sum(0 <= r < k for r in covered(units, gold)), len(gold))


def reciprocal_rank(units: Sequence[Span], gold: Sequence[Span]) -> float:
    """1/rank of the first unit that overlaps any gold passage (0 when none does)."""
    first = next((i for i, u in enumerate(units) if any(u.overlaps(g) for g in gold)), None)
    return 0.0 if first is None else 1.0 / (first + 1)


def ndcg_at_k(units: Sequence[Span], gold: Sequence[Span], k: int) -> float:
    """Passage-level nDCG@k: unit i gains the passages it is first to cover; ideal is one new
    passage at each of the first min(k, |gold|) ranks; capped at 1."""
    if not gold:
        return 0.0
    firsts = covered(units, gold)
    dcg = sum(1.0 / math.log2(r + 2) for r in firsts if 0 <= r < k)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(gold))))
    return min(1.0, dcg / ideal)


def retrieval_scores(units: Sequence[Span], gold: Sequence[Span], ks: Sequence[int] = KS) -> dict[str, float]:
    """recall@k for each k, MRR and nDCG@10 for one question."""
    scores = {f"recall@{k}": recall_at_k(units, gold, k) for k in ks}
    scores["mrr"] = reciprocal_rank(units, gold)
    scores["ndcg@10"] = ndcg_at_k(units, gold, 10)
    return scores


def average(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Key-wise mean of per-question score dicts (all with the same keys)."""
    return {key: mean(row[key] for row in rows) for key in rows[0]} if rows else {}


# --- citations and groundedness ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CitedSentence:
    """One answer sentence and the span it cites (the quote is the cited text)."""

    text: str
    span: Span
    quote: str
    confident: bool | None = None  # what the answerer said of its choice (None: it says nothing)
    alternative: tuple[Span, str] | None = None  # the runner-up it offered instead (span, quote)


#: ``judge(gold_passage_text, cited_quote)``: does the cited span support that gold passage?
SupportJudge = Callable[[str, str], bool]


def citation_correct(
    cited: CitedSentence, gold: Sequence[Span], gold_texts: Sequence[str], judge: SupportJudge
) -> bool:
    """A citation is right if it overlaps a gold passage, or the verifier finds it supports one
    (the same fact stated elsewhere in the corpus)."""
    return any(cited.span.overlaps(g) for g in gold) or any(judge(t, cited.quote) for t in gold_texts)


def passages_covered(
    cited: Sequence[CitedSentence], gold: Sequence[Span], gold_texts: Sequence[str], judge: SupportJudge
) -> int:
    """How many gold passages some citation overlaps or supports."""
    return sum(
        any(c.span.overlaps(g) or judge(t, c.quote) for c in cited)
        for g, t in zip(gold, gold_texts, strict=True)
    )


# --- answer correctness ------------------------------------------------------------------

_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00a0": " ", "\u202f": " "}
)


def normalise(text: str) -> str:
    """Casefolded, accents stripped, apostrophes and spaces unified: how key facts are matched."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip()


def facts_found(answer: str, key_facts: Sequence[str]) -> list[str]:
    """The key facts that occur in the answer (normalised substring match)."""
    text = normalise(answer)
    return [f for f in key_facts if normalise(f) in text]


# --- abstention --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AbstentionScores:
    precision: float  # of the refusals, how many were on unanswerable questions
    recall: float  # of the unanswerable questions, how many were refused
    answered: float  # of the answerable questions, how many were answered


def abstention_scores(outcomes: Iterable[tuple[bool, bool]]) -> AbstentionScores:
    """``outcomes``: (answerable, abstained) per question; 'positive' means 'should refuse'."""
    pairs = list(outcomes)
    refused_unanswerable = sum(not a and r for a, r in pairs)
    return AbstentionScores(
        precision=ratio(refused_unanswerable, sum(r for _, r in pairs)),
        recall=ratio(refused_unanswerable, sum(not a for a, _ in pairs)),
        answered=ratio(sum(a and not r for a, r in pairs), sum(a for a, _ in pairs)),
    )
