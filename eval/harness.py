"""Running the gold set through Sourcier and scoring every question.

Why the stages and not only the whole answer: retrieval quality must be measured per mode
(dense / sparse / hybrid) and before/after the second-stage sentence ranking. So each question
is first *traced* through the engine's own stages (``server.engine.pipeline.Engine``:
understanding, retrieval in every mode, evidence), and the answer itself comes from the
answerer under test: the engine's whole pipeline for the extractive and generative answerers,
with the eval's own ``AnswerConfig`` — never a copy of its logic, and never a change to a
running service — so the figures are the product's.
"""

from __future__ import annotations

import dataclasses
import random
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval import metrics as m
from eval.corruptions import (
    CONTROL_KINDS,
    Case,
    Claim,
    Neighbours,
    SelfTest,
    candidate_sentences,
    make_cases,
    run_self_test,
)
from eval.dataset import GoldQuestion, Span
from eval.intervals import bootstrap
from eval.name_attacks import question_premises
from eval.verifier import Verifier
from server.engine import types as engine_types
from server.engine.config import AnswerConfig
from server.engine.evidence import Evidence, Weights, gather
from server.engine.grounding import Thresholds
from server.engine.pipeline import Engine
from server.engine.retrieval import Retrieval
from server.engine.understanding import Understanding
from sourcier.documents import ScoredChunk
from sourcier.sentences import sentence_spans
from sourcier.store.fusion import DENSE_WEIGHT

MODES = ("dense", "sparse", "hybrid")
#: chunks: first stage only; sentences: the retrieved chunks' sentences in retrieval order;
#: ranked: the same sentences after the second-stage ranking (``server.engine.evidence.gather``).
LEVELS = ("chunks", "sentences", "ranked")
CURVE_KS = tuple(range(1, 11))


# --- tracing the system ------------------------------------------------------------------


@dataclass
class Trace:
    """What the system does with one question before answering (reused by calibration)."""

    question: GoldQuestion
    understanding: Understanding  # the engine's first stage (query: what retrieval sees)
    gold: tuple[Span, ...]
    chunks: dict[str, list[ScoredChunk]]  # per mode, best first
    retrieval: Retrieval  # the hybrid one: the query's vector and token states

    @property
    def query(self) -> str:
        return self.understanding.query

    def retrieved(self, mode: str, top_k: int) -> Retrieval:
        """Retrieval in ``mode`` cut to its ``top_k`` best chunks."""
        return dataclasses.replace(self.retrieval, chunks=self.chunks[mode][:top_k])


def engine_question(question: GoldQuestion) -> engine_types.Question:
    history = tuple(engine_types.Turn(t.role, t.content) for t in question.history)
    return engine_types.Question(question.question, history)


def trace(
    engine: Engine,
    question: GoldQuestion,
    gold: tuple[Span, ...],
    depth: int,
    dense_weight: float = DENSE_WEIGHT,
) -> Trace:
    understanding = engine.understand(engine_question(question))
    chunks: dict[str, list[ScoredChunk]] = {}
    retrieval = None
    for mode in MODES:
        retrieval = engine.retriever.retrieve(understanding.query, depth, None, mode, dense_weight)  # type: ignore[arg-type]
        chunks[mode] = retrieval.chunks
    assert retrieval is not None
    return Trace(question, understanding, gold, chunks, retrieval)


def evidence(
    engine: Engine,
    config: AnswerConfig,
    t: Trace,
    mode: str = "hybrid",
    weights: Weights | None = None,
) -> list[Evidence]:
    """The engine's second-stage ranking over the top ``config.top_k`` chunks of ``mode``."""
    retrieval = t.retrieved(mode, config.top_k)
    return gather(t.understanding, retrieval, engine.lexical, engine.vectors, weights or config.weights)


def fresh_evidence(engine: Engine, config: AnswerConfig, t: Trace) -> list[Evidence]:
    """The evidence stage as the answer runs it: ranked, minus what the conversation said."""
    return engine.gather(t.understanding, t.retrieved("hybrid", config.top_k), config)


# --- answers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    abstained: bool
    sentences: tuple[m.CitedSentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


Answerer = Callable[[GoldQuestion], Answer]


def from_engine(response: engine_types.Answer) -> Answer:
    cites = {c.n: c for c in response.citations}
    sentences = []
    for sentence in response.sentences:
        for n in sentence.citations:
            c = cites[n]
            span = Span(c.document_id, c.start, c.end)
            alt = sentence.alternative
            offered = (Span(alt.document_id, alt.start, alt.end), alt.quote) if alt is not None else None
            sentences.append(m.CitedSentence(sentence.text, span, c.quote, sentence.confident, offered))
    return Answer(response.abstained, tuple(sentences))


def from_evidence(chosen: Sequence[Evidence]) -> Answer:
    return Answer(
        not chosen,
        tuple(m.CitedSentence(e.text, Span(e.document_id, e.start, e.end), e.text) for e in chosen),
    )


def engine_answerer(engine: Engine, config: AnswerConfig) -> Answerer:
    """The engine's whole pipeline under ``config`` (extractive, or generative when
    ``config.answerer`` says so and a language model is configured)."""

    def answer(q: GoldQuestion) -> Answer:
        return from_engine(engine.answer(engine_question(q), config))

    return answer


def random_answerer(documents: Mapping[str, str], seed: int = 0) -> Answerer:
    """A deliberately bad answerer: a random corpus sentence, exactly cited, never abstaining.
    It exists to prove that the gate can fail."""
    pool = [
        (doc_id, s.start, s.end)
        for doc_id, text in sorted(documents.items())
        for s in sentence_spans(text)
        if len(text[s.start : s.end].split()) >= 4
    ]

    def answer(q: GoldQuestion) -> Answer:
        doc_id, start, end = random.Random(seed * 7919 + zlib.crc32(q.id.encode())).choice(pool)
        quote = documents[doc_id][start:end]
        return Answer(False, (m.CitedSentence(quote, Span(doc_id, start, end), quote),))

    return answer


# --- scoring one question ----------------------------------------------------------------


@dataclass
class CitationCheck:
    sentence: str
    document_id: str
    start: int
    end: int
    on_gold: bool  # overlaps a gold passage or supports one (answerable questions only)
    grounded: bool  # the verifier accepts the sentence against its cited span
    exact: bool  # the quote is the document's text at [start, end)
    reasons: tuple[str, ...]
    confident: bool | None = None  # the answerer's flag on this sentence (AnswerSentence.confident)
    alternative_on_gold: bool | None = None  # the runner-up it offered is right (None: none offered)


@dataclass
class QuestionResult:
    id: str
    category: str
    answerable: bool
    question: str
    query: str
    abstained: bool
    answer: str
    decision: str  # the similarity signal behind an abstention (other rules are not visible)
    best_dense: float
    retrieval: dict[str, dict[str, dict[str, float]]]  # mode -> level -> metric -> value
    curves: dict[str, dict[str, list[float]]]  # mode -> level -> recall@1..10
    key_facts: list[str]
    facts_found: list[str]
    citations: list[CitationCheck]
    gold_covered: int
    gold_total: int
    gold_rank: list[int]  # 1-based rank of each gold passage in the ranked hybrid evidence (0: absent)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not failures
    cause: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures


def ranked_units(engine: Engine, config: AnswerConfig, t: Trace, mode: str) -> dict[str, list[Span]]:
    chunks = [Span(c.chunk.document_id, c.chunk.start, c.chunk.end) for c in t.chunks[mode]]
    ranked = evidence(engine, config, t, mode)
    in_order = sorted(ranked, key=lambda e: (e.chunk_rank, e.start))
    return {
        "chunks": chunks,
        "sentences": [Span(e.document_id, e.start, e.end) for e in in_order],
        "ranked": [Span(e.document_id, e.start, e.end) for e in ranked],
    }


def score_question(
    engine: Engine,
    config: AnswerConfig,
    t: Trace,
    answer: Answer,
    documents: Mapping[str, str],
    verifier: Verifier,
) -> QuestionResult:
    q = t.question
    gold_texts = [p.text for p in q.passages]
    retrieval: dict[str, dict[str, dict[str, float]]] = {}
    curves: dict[str, dict[str, list[float]]] = {}
    if q.answerable:
        for mode in MODES:
            units = ranked_units(engine, config, t, mode)
            retrieval[mode] = {level: m.retrieval_scores(units[level], t.gold) for level in LEVELS}
            curves[mode] = {
                level: [m.recall_at_k(units[level], t.gold, k) for k in CURVE_KS] for level in LEVELS
            }
    checks = []
    for s in answer.sentences:
        verdict = verifier.check(s.text, s.quote)
        on_gold = q.answerable and m.citation_correct(s, t.gold, gold_texts, verifier.supports)
        alternative_on_gold = None
        if q.answerable and s.alternative is not None:
            span, quote = s.alternative
            offered = m.CitedSentence(quote, span, quote)
            alternative_on_gold = m.citation_correct(offered, t.gold, gold_texts, verifier.supports)
        exact = documents.get(s.span.document_id, "")[s.span.start : s.span.end] == s.quote
        checks.append(
            CitationCheck(
                s.text,
                s.span.document_id,
                s.span.start,
                s.span.end,
                on_gold,
                verdict.supported,
                exact,
                verdict.reasons,
                s.confident,
                alternative_on_gold,
            )
        )
    covered = (
        m.passages_covered(answer.sentences, t.gold, gold_texts, verifier.supports) if q.answerable else 0
    )
    ranked = fresh_evidence(engine, config, t)
    evidence_spans = [Span(e.document_id, e.start, e.end) for e in ranked]
    gold_rank = [r + 1 for r in m.covered(evidence_spans, t.gold)]
    best = max((e.dense for e in ranked), default=0.0)
    why = engine.decide(t.understanding, ranked, t.retrieved("hybrid", config.top_k), config).reason
    result = QuestionResult(
        id=q.id,
        category=q.category,
        answerable=q.answerable,
        question=q.question,
        query=t.query,
        abstained=answer.abstained,
        answer=answer.text,
        decision=why,
        best_dense=best,
        retrieval=retrieval,
        curves=curves,
        key_facts=list(q.key_facts),
        facts_found=m.facts_found(answer.text, q.key_facts),
        citations=checks,
        gold_covered=covered,
        gold_total=len(t.gold),
        gold_rank=gold_rank,
    )
    diagnose(result, config.top_k)
    return result


def diagnose(r: QuestionResult, top_k: int) -> None:
    """Fill ``failures`` (what is wrong) and ``cause`` (which stage is to blame)."""
    f = r.failures
    if not r.answerable:
        if not r.abstained:
            f.append(f"answered an unanswerable question — {r.decision}")
            r.cause = "abstention: answered"
        return
    if r.abstained:
        f.append(f"abstained — {r.decision}")
    missing = [k for k in r.key_facts if k not in r.facts_found]
    if missing:
        f.append(f"key facts missing: {', '.join(missing)}")
    for c in r.citations:
        if not c.on_gold:
            f.append(f"citation off the gold passages: « {c.sentence[:70]}… »")
        if not c.grounded:
            f.append(f"sentence not supported by its citation: {'; '.join(c.reasons)}")
        if not c.exact:
            f.append("citation quote differs from the document text")
    if not r.abstained and r.gold_covered < r.gold_total:
        # with every key fact given and every citation right, a missing passage is only a note
        (f if f else r.notes).append(f"gold passages cited: {r.gold_covered}/{r.gold_total}")
    if not f:
        return
    if 0 in r.gold_rank:
        r.cause = f"retrieval: a gold passage is not in the top {top_k} chunks"
    elif r.abstained:
        r.cause = f"abstention: refused an answerable question ({refusal_kind(r.decision)})"
    elif any(not c.grounded or not c.exact for c in r.citations):
        r.cause = "grounding: unsupported sentence"
    elif r.gold_covered == 0:
        r.cause = f"ranking: wrong sentence picked (gold ranked {r.gold_rank})"
    elif r.gold_covered < r.gold_total:
        r.cause = f"selection: only part of the gold passages cited (gold ranked {r.gold_rank})"
    elif any(not c.on_gold for c in r.citations):
        r.cause = "selection: extra sentence beside the gold passage"
    else:
        r.cause = "key facts: gold passages cited but facts not matched"


#: The question's own words and figures in a decision, and what stands for them in its kind.
_SPECIFIC = (
    (re.compile(r"^no evidence names .*"), "no evidence names what the question names"),
    (re.compile(r"^no evidence states .*"), "no evidence states the relation the question asks about"),
    (re.compile(r"the rare word '[^'\s]+'"), "a rare word of the question"),
    (re.compile(r"\s*\([^)]*\)"), ""),  # "(rank votes 0.23 < 0.37)"
    (re.compile(r"\s*-?\d[\d.]*\s*<\s*-?\d[\d.]*"), " too low"),  # "0.580 < 0.62"
)


def refusal_kind(decision: str) -> str:
    """The abstention check behind a refusal, without this question's figures or words, so that
    a suite's refusals of answerable questions group by check in the report: "the answer's
    passage is ranked low by both retrievers (rank votes 0.23 < 0.37) and alignment 0.580 < 0.62"
    → "the answer's passage is ranked low by both retrievers and alignment too low"."""
    kind = decision
    for pattern, replacement in _SPECIFIC:
        kind = pattern.sub(replacement, kind)
    return kind.strip() or "no reason given"


# --- the whole run -----------------------------------------------------------------------


@dataclass
class EvalResult:
    answerer: str
    questions: list[QuestionResult]
    self_test: SelfTest
    metrics: dict[str, float]
    curves: dict[str, dict[str, list[float]]]
    traces: list[Trace] = field(default_factory=list, repr=False)
    #: 95% bootstrap interval of each question-level figure (``eval.intervals``)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)


def aggregate(results: Sequence[QuestionResult], self_test: SelfTest) -> dict[str, float]:
    """The headline figures, as flat names (the gate config uses the same names)."""
    out: dict[str, float] = {}
    answerable = [r for r in results if r.answerable]
    for mode in MODES:
        for level in LEVELS:
            rows = [r.retrieval[mode][level] for r in answerable]
            for name, value in m.average(rows).items():
                out[f"retrieval.{mode}.{level}.{name}"] = value
    cited = [c for r in answerable for c in r.citations]
    out["citation.precision"] = m.ratio(sum(c.on_gold for c in cited), len(cited))
    out["citation.recall"] = m.mean(m.ratio(r.gold_covered, r.gold_total) for r in answerable)
    # the answerer's own flag: how often it is sure, and how right it is then
    sure = [c for c in cited if c.confident]
    out["citation.confident_share"] = m.ratio(len(sure), len(cited))
    out["citation.precision.confident"] = m.ratio(sum(c.on_gold for c in sure), len(sure))
    # flagged and wrong: how often the passage offered for comparison is the right one
    missed = [
        c for c in cited if c.confident is False and not c.on_gold and c.alternative_on_gold is not None
    ]
    out["citation.alternative_rescues"] = m.ratio(
        sum(bool(c.alternative_on_gold) for c in missed), len(missed)
    )
    every = [c for r in results for c in r.citations]
    out["citation.exact"] = m.ratio(sum(c.exact for c in every), len(every))
    out["groundedness"] = m.ratio(sum(c.grounded for c in every), len(every))
    out["answer.correct"] = m.mean(float(set(r.key_facts) <= set(r.facts_found)) for r in answerable)
    out["answer.key_facts"] = m.mean(m.ratio(len(r.facts_found), len(r.key_facts)) for r in answerable)
    abst = m.abstention_scores((r.answerable, r.abstained) for r in results)
    out["abstention.precision"] = abst.precision
    out["abstention.recall"] = abst.recall
    out["abstention.answered"] = abst.answered
    out["verifier.caught"] = self_test.caught
    out["verifier.untouched_passed"] = self_test.untouched_passed
    out["verifier.benign_passed"] = self_test.benign_passed
    for kind, result in self_test.kinds.items():
        out[f"verifier.{kind}.{'rejected' if kind in CONTROL_KINDS else 'caught'}"] = result.rate
    out["questions.passed"] = m.mean(float(r.passed) for r in results)
    return out


def gold_claims(questions: Sequence[GoldQuestion], gold: Mapping[str, tuple[Span, ...]]) -> list[Claim]:
    """Each distinct gold passage as a correct answer sentence cited to its own span."""
    claims: dict[Span, Claim] = {}
    for q in questions:
        for passage, span in zip(q.passages, gold[q.id], strict=True):
            claims.setdefault(span, Claim(passage.text, span, passage.text))
    return list(claims.values())


#: How many of the index's nearest chunks the self-test looks in for a correct answer's hard
#: negatives (the most similar sentence of another document; ``eval.corruptions.Neighbours``).
NEIGHBOUR_CHUNKS = 10


def neighbours(engine: Engine, dense_weight: float = DENSE_WEIGHT) -> Neighbours:
    """The spans of the ``NEIGHBOUR_CHUNKS`` chunks the hybrid search ranks first for a text."""
    found: dict[str, list[Span]] = {}

    def nearest(text: str) -> list[Span]:
        if text not in found:
            retrieval = engine.retriever.retrieve(text, NEIGHBOUR_CHUNKS, None, "hybrid", dense_weight)
            found[text] = [Span(c.chunk.document_id, c.chunk.start, c.chunk.end) for c in retrieval.chunks]
        return found[text]

    return nearest


def self_test_cases(
    verifier: Verifier,
    questions: Sequence[GoldQuestion],
    gold: Mapping[str, tuple[Span, ...]],
    documents: Mapping[str, str],
    seed: int,
    nearest: Neighbours | None = None,
) -> list[Case]:
    """The verifier's self-test cases, with every text embedded up front in batches: each
    correct answer's candidate hard negatives, among the sentences of its document and of the
    chunks ``nearest`` finds (all the corpus's sentences without it)."""
    claims = gold_claims(questions, gold)
    verifier.prefetch(candidate_sentences(claims, documents, nearest) + [c.text for c in claims])
    premises = question_premises(q.question for q in questions if not q.answerable)
    cases = make_cases(claims, documents, verifier.similarity, seed, premises, nearest)
    verifier.prefetch(c.text for case in cases for c in case.claims)
    return cases


def verifier_self_test(
    verifier: Verifier, cases: Sequence[Case], thresholds: Thresholds | None = None
) -> SelfTest:
    def check(sentence: str, quote: str) -> tuple[bool, tuple[str, ...]]:
        verdict = verifier.check(sentence, quote, thresholds)
        return verdict.supported, verdict.reasons

    return run_self_test(cases, check)


def evaluate(
    engine: Engine,
    config: AnswerConfig,
    questions: Sequence[GoldQuestion],
    gold: Mapping[str, tuple[Span, ...]],
    documents: Mapping[str, str],
    answerer: Answerer,
    answerer_name: str,
    *,
    seed: int = 0,
    on_question: Callable[[GoldQuestion], Any] | None = None,
) -> EvalResult:
    """Trace, answer and score every question, then run the verifier's self-test."""
    verifier = Verifier(engine.vectors, engine.lexical)
    depth = max(10, config.top_k)
    results, traces = [], []
    for q in questions:
        t = trace(engine, q, gold[q.id], depth, config.dense_weight)
        results.append(score_question(engine, config, t, answerer(q), documents, verifier))
        traces.append(t)
        if on_question is not None:
            on_question(q)
    cases = self_test_cases(
        verifier, questions, gold, documents, seed, neighbours(engine, config.dense_weight)
    )
    self_test = verifier_self_test(verifier, cases)
    curves = {
        mode: {
            level: [
                m.mean(r.curves[mode][level][i] for r in results if r.answerable)
                for i in range(len(CURVE_KS))
            ]
            for level in LEVELS
        }
        for mode in MODES
    }
    intervals = bootstrap(results, lambda picked: question_figures(picked, self_test), seed=seed)
    return EvalResult(
        answerer_name, results, self_test, aggregate(results, self_test), curves, traces, intervals
    )


def question_figures(results: Sequence[QuestionResult], self_test: SelfTest) -> dict[str, float]:
    """The figures computed over questions (the verifier's are over its corruption cases)."""
    return {k: v for k, v in aggregate(results, self_test).items() if not k.startswith("verifier.")}


def refusals_by_check(results: Sequence[QuestionResult]) -> dict[str, dict[str, int]]:
    """How many answerable and unanswerable questions each abstention check refused: on one's own
    corpus, a check that refuses answerable questions and few unanswerable ones is the one to
    loosen (``sourcier eval --calibrate`` sweeps their thresholds). Most refusals first."""
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        if r.abstained:
            row = counts.setdefault(refusal_kind(r.decision), {"answerable": 0, "unanswerable": 0})
            row["answerable" if r.answerable else "unanswerable"] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])))


def by_category(results: Sequence[QuestionResult], self_test: SelfTest) -> dict[str, dict[str, float]]:
    """The question figures of each gold-set category (factual, paraphrase, …), with its size:
    where the answerer is weak matters more than its average."""
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        groups.setdefault(r.category, []).append(r)
    return {
        category: {
            "questions": float(len(group)),
            "answerable": float(sum(r.answerable for r in group)),
            "abstained": m.mean(float(r.abstained) for r in group),
            **question_figures(group, self_test),
        }
        for category, group in sorted(groups.items())
    }
