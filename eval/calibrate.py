"""Calibration: sweep the answering, abstention and verifier knobs on the gold set and recommend values.

Why it runs the engine's whole pipeline for every configuration (each an ``AnswerConfig`` passed
per call, query embeddings cached by an engine of its own over the same store) instead of
re-implementing it: the answering code changes, and a sweep over a copy would tune the copy. The
running service is never touched. The one shortcut is the similarity floor
``abstain_min_dense``: the pipeline is run with it
disabled, and a question counts as refused at floor ``d`` when its best evidence sentence is
less similar than ``d`` (the first rule of ``server.engine.abstention.decide``). The recommended
configuration is then re-run for real and its confirmed figures are reported.

The abstention sweep (``sweep_abstention``: the thresholds of checks 1 and 5 of
``server.engine.abstention``, the ``SOURCIER_ABSTAIN_*`` settings) has the same kind of shortcut:
those checks only gate, they never change what an answer says. So each question is answered once
with them switched off, and each point of the grid only re-runs the decision on the same
evidence; the recommended point is re-run for real. The figures with the checks off are reported
too: what abstention costs in answered questions, and the most it can give.

Nothing is written to ``server/``: the output is a recommendation for its owner.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eval import metrics as m
from eval.corruptions import Neighbours
from eval.dataset import GoldQuestion, Span
from eval.harness import (
    Answer,
    EvalResult,
    Trace,
    engine_answerer,
    engine_question,
    evidence,
    fresh_evidence,
    from_engine,
    gold_claims,
    neighbours,
    self_test_cases,
    verifier_self_test,
)
from eval.verifier import Verifier
from server.engine.abstention import Support
from server.engine.config import AnswerConfig
from server.engine.evidence import Evidence, Weights
from server.engine.grounding import Thresholds
from server.engine.pipeline import Engine
from sourcier.embedding import TokenStates

#: Called with a short status line as the sweep advances.
Progress = Callable[[str], None]

#: The gate's bars that the answering knobs can move (the verifier's are swept separately).
ANSWER_BARS = {"abstention.recall": 0.8, "abstention.answered": 0.9, "citation.precision": 0.9}
OBJECTIVE = (
    "abstention.recall",
    "abstention.answered",
    "citation.precision",
    "citation.recall",
    "answer.correct",
)
VERIFIER_BARS = {"untouched_passed": 0.95, "benign_passed": 0.95}


@dataclass(frozen=True, slots=True)
class Grid:
    """The values swept. The default is the full sweep (its abstention part ~2 s a question on one
    core); tests pass a small one."""

    #: knobs of the second-stage blend around the alignment signal (whose weight is the unit)
    weights: Mapping[str, tuple[float, ...]] = dataclasses.field(
        default_factory=lambda: {
            "dense": (0.0, 0.125, 0.25),
            "chunk_rank": (0.0, 0.025, 0.05),
            "context": (0.0, 1.0),
        }
    )
    top_k: tuple[int, ...] = (5, 8, 10)
    max_sentences: tuple[int, ...] = (1, 2, 3)
    # 0.0: the floor off (the default: abstention needs no corpus-specific cosine)
    min_dense: tuple[float, ...] = (0.0, *(round(0.78 + 0.0025 * i, 4) for i in range(41)))
    min_similarity: tuple[float, ...] = tuple(round(0.70 + 0.01 * i, 2) for i in range(26))
    min_content: tuple[float, ...] = tuple(round(0.40 + 0.05 * i, 2) for i in range(13))
    #: thresholds of the abstention checks 1 and 5 (``Support``): 1,215 points, ~2.5 s a question
    support: Mapping[str, tuple[float, ...]] = dataclasses.field(
        default_factory=lambda: {
            "min_alignment": (0.5, 0.525, 0.55, 0.575, 0.6),
            "strong_alignment": (0.65, 0.7, 0.75),
            "min_agreement": (0.5, 0.6, 0.7),
            "rare_alignment": (0.55, 0.6, 0.65),
            "answer_agreement": (0.3, 0.37, 0.45),
            "answer_alignment": (0.58, 0.62, 0.66),
        }
    )

    def weight_options(self, base: Weights) -> list[Weights]:
        """``base`` with every combination of the swept weight knobs."""
        fields = {f.name for f in dataclasses.fields(Weights)}
        knobs = [k for k in self.weights if k in fields]
        return [
            dataclasses.replace(base, **dict(zip(knobs, values, strict=True)))
            for values in itertools.product(*(self.weights[k] for k in knobs))
        ]

    def support_options(self, base: Support) -> list[Support]:
        """``base`` with every combination of the swept abstention thresholds."""
        knobs = list(self.support)
        return [
            dataclasses.replace(base, **dict(zip(knobs, values, strict=True)))
            for values in itertools.product(*(self.support[k] for k in knobs))
        ]


#: Checks 1 and 5 of ``server.engine.abstention`` switched off: every other check still runs.
SUPPORT_OFF = Support(
    min_alignment=0.0,
    strong_alignment=0.0,
    min_agreement=0.0,
    rare_alignment=0.0,
    answer_agreement=0.0,
    answer_alignment=0.0,
)


class _CachedQueries:
    """The embedder with memoised query encodings: a sweep asks the same questions many times."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self._cache: dict[str, tuple[np.ndarray, list[TokenStates]]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    def encode(self, texts: Sequence[str], kind: str) -> tuple[np.ndarray, list[TokenStates]]:
        if kind != "query" or len(texts) != 1:
            return self._embedder.encode(texts, kind)  # type: ignore[no-any-return]
        if texts[0] not in self._cache:
            self._cache[texts[0]] = self._embedder.encode(texts, kind)
        return self._cache[texts[0]]


@dataclass(frozen=True, slots=True)
class Config:
    weights: Weights
    top_k: int
    max_sentences: int
    min_dense: float

    def answer_config(self, base: AnswerConfig) -> AnswerConfig:
        return base.replace(
            weights=self.weights,
            top_k=self.top_k,
            max_sentences=self.max_sentences,
            abstain_min_dense=self.min_dense,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "weights": dataclasses.asdict(self.weights),
            "top_k": self.top_k,
            "answer_max_sentences": self.max_sentences,
            "abstain_min_dense": self.min_dense,
        }


@dataclass(frozen=True, slots=True)
class _Scored:
    """One question's answer-level outcome (what the figures are summed from)."""

    answerable: bool
    abstained: bool
    on_gold: tuple[bool, ...]
    recall: float
    correct: float


_REFUSED_ANSWERABLE = _Scored(True, True, (), 0.0, 0.0)
_REFUSED_UNANSWERABLE = _Scored(False, True, (), 0.0, 0.0)


def score_answer(q: GoldQuestion, a: Answer, gold: tuple[Span, ...], judge: m.SupportJudge) -> _Scored:
    if a.abstained:
        return _REFUSED_ANSWERABLE if q.answerable else _REFUSED_UNANSWERABLE
    if not q.answerable:
        return _Scored(False, False, (), 0.0, 0.0)
    texts = [p.text for p in q.passages]
    found = m.facts_found(a.text, q.key_facts)
    return _Scored(
        True,
        False,
        tuple(m.citation_correct(s, gold, texts, judge) for s in a.sentences),
        m.ratio(m.passages_covered(a.sentences, gold, texts, judge), len(texts)),
        float(len(found) == len(q.key_facts)),
    )


def summarise(scored: Sequence[_Scored]) -> dict[str, float]:
    """The answer-level figures of :func:`eval.harness.aggregate`."""
    answerable = [s for s in scored if s.answerable]
    on_gold = [c for s in answerable for c in s.on_gold]
    abst = m.abstention_scores((s.answerable, s.abstained) for s in scored)
    return {
        "citation.precision": m.ratio(sum(on_gold), len(on_gold)),
        "citation.recall": m.mean(s.recall for s in answerable),
        "answer.correct": m.mean(s.correct for s in answerable),
        "abstention.precision": abst.precision,
        "abstention.recall": abst.recall,
        "abstention.answered": abst.answered,
    }


def answer_metrics(
    questions: Sequence[GoldQuestion],
    answers: Sequence[Answer],
    gold: Mapping[str, tuple[Span, ...]],
    judge: m.SupportJudge,
) -> dict[str, float]:
    return summarise([score_answer(q, a, gold[q.id], judge) for q, a in zip(questions, answers, strict=True)])


def _rank_key(scores: Mapping[str, float], distance: float) -> tuple[int, float, float]:
    bars = sum(scores[k] >= v - 1e-9 for k, v in ANSWER_BARS.items())
    return (bars, m.mean(scores[k] for k in OBJECTIVE), -distance)


def _distance(c: Config, current: Config) -> float:
    """How far a configuration is from the current one (ties go to the smaller change)."""
    w, cw = dataclasses.asdict(c.weights), dataclasses.asdict(current.weights)
    return (
        sum(abs(float(w[k]) - float(cw[k])) for k in w)
        + abs(c.min_dense - current.min_dense) * 10
        + abs(c.top_k - current.top_k) / 10
        + abs(c.max_sentences - current.max_sentences) / 10
    )


def sweep_answering(
    engine: Engine,
    base: AnswerConfig,
    traces: Sequence[Trace],
    gold: Mapping[str, tuple[Span, ...]],
    verifier: Verifier,
    grid: Grid,
    progress: Progress | None = None,
) -> tuple[Config, list[tuple[Config, dict[str, float]]]]:
    """The current configuration, and every configuration of the grid ranked best first."""
    questions = [t.question for t in traces]
    base = base.replace(answerer="extractive")
    current = Config(base.weights, base.top_k, base.max_sentences, base.abstain_min_dense)

    def answers(config: Config) -> list[Answer]:
        ask = engine_answerer(engine, config.answer_config(base))
        return [ask(q) for q in questions]

    weight_options = grid.weight_options(current.weights)
    best_dense: dict[int, list[float]] = {
        k: [max((e.dense for e in fresh_evidence_k(engine, base, t, k)), default=0.0) for t in traces]
        for k in grid.top_k
    }
    results: list[tuple[Config, dict[str, float]]] = []
    combos = list(itertools.product(weight_options, grid.top_k, grid.max_sentences))
    for i, (weights, top_k, max_sentences) in enumerate(combos, 1):
        if progress is not None:
            progress(f"answering configuration {i}/{len(combos)}")
        unfloored = answers(Config(weights, top_k, max_sentences, -1.0))
        scored = [
            score_answer(q, a, gold[q.id], verifier.supports)
            for q, a in zip(questions, unfloored, strict=True)
        ]
        refused = [_REFUSED_ANSWERABLE if q.answerable else _REFUSED_UNANSWERABLE for q in questions]
        for min_dense in grid.min_dense:
            floored = [
                r if best < min_dense else s
                for s, r, best in zip(scored, refused, best_dense[top_k], strict=True)
            ]
            config = Config(weights, top_k, max_sentences, min_dense)
            results.append((config, summarise(floored)))
    results.sort(key=lambda r: _rank_key(r[1], _distance(r[0], current)), reverse=True)
    return current, results


def fresh_evidence_k(engine: Engine, base: AnswerConfig, t: Trace, top_k: int) -> list[Evidence]:
    return fresh_evidence(engine, base.replace(top_k=top_k), t)


def ranking_by_weights(
    engine: Engine, base: AnswerConfig, traces: Sequence[Trace], grid: Grid
) -> list[dict[str, Any]]:
    """Second-stage ranking quality (hybrid, answerable questions) for each weight setting."""
    rows = []
    for weights in grid.weight_options(base.weights):
        scores = [
            m.retrieval_scores(
                [Span(e.document_id, e.start, e.end) for e in evidence(engine, base, t, "hybrid", weights)],
                t.gold,
            )
            for t in traces
            if t.question.answerable
        ]
        rows.append({"weights": dataclasses.asdict(weights), **m.average(scores)})
    rows.sort(key=lambda r: (r["mrr"], r["recall@1"]), reverse=True)
    return rows


def confirm(
    engine: Engine,
    base: AnswerConfig,
    config: Config,
    traces: Sequence[Trace],
    gold: Mapping[str, tuple[Span, ...]],
    verifier: Verifier,
) -> dict[str, float]:
    """The configuration's figures from the real ``ask``, its floor included."""
    ask = engine_answerer(engine, config.answer_config(base.replace(answerer="extractive")))
    questions = [t.question for t in traces]
    return answer_metrics(questions, [ask(q) for q in questions], gold, verifier.supports)


@dataclass(frozen=True, slots=True)
class AbstentionSweep:
    current: Support
    current_scores: dict[str, float]
    ranked: list[tuple[Support, dict[str, float]]]  # best first
    checks_off: dict[str, float]  # checks 1 and 5 refusing nothing


def sweep_abstention(
    engine: Engine,
    base: AnswerConfig,
    traces: Sequence[Trace],
    gold: Mapping[str, tuple[Span, ...]],
    verifier: Verifier,
    grid: Grid,
    progress: Progress | None = None,
) -> AbstentionSweep:
    """Every point of ``grid.support`` ranked as ``sweep_answering`` ranks its configurations.
    Each question is answered once with checks 1 and 5 off; a point refuses it or gives that
    same answer (the checks gate and change nothing else), so only the decision is re-run."""
    base = base.replace(answerer="extractive")
    points = grid.support_options(base.support)
    if base.support not in points:  # settings off the grid: still reported beside it
        points.insert(0, base.support)
    open_config = base.replace(support=SUPPORT_OFF)
    opened: list[_Scored] = []
    refused: list[list[bool]] = [[] for _ in points]
    for j, t in enumerate(traces, 1):
        if progress is not None:
            progress(f"abstention thresholds, question {j}/{len(traces)}")
        q = t.question
        question = engine_question(q)
        answer = from_engine(engine.answer(question, open_config))
        opened.append(score_answer(q, answer, gold[q.id], verifier.supports))
        if answer.abstained:  # another check refused: every point does
            for flags in refused:
                flags.append(True)
            continue
        understanding = engine.understand(question)
        retrieval = engine.retrieve(understanding, base)
        ranked = engine.gather(understanding, retrieval, base)
        text_of = functools.lru_cache(maxsize=None)(engine.document_text)
        for flags, support in zip(refused, points, strict=True):
            decision = engine.decide(understanding, ranked, retrieval, base.replace(support=support), text_of)
            flags.append(decision.abstain)
    refusal = [_REFUSED_ANSWERABLE if t.question.answerable else _REFUSED_UNANSWERABLE for t in traces]
    results = [
        (support, summarise([r if no else s for s, r, no in zip(opened, refusal, flags, strict=True)]))
        for support, flags in zip(points, refused, strict=True)
    ]

    def distance(support: Support) -> float:
        return float(sum(abs(getattr(support, k) - getattr(base.support, k)) for k in grid.support))

    current = next(scores for support, scores in results if support == base.support)
    results.sort(key=lambda r: _rank_key(r[1], distance(r[0])), reverse=True)
    return AbstentionSweep(base.support, current, results, summarise(opened))


def confirm_support(
    engine: Engine,
    base: AnswerConfig,
    support: Support,
    traces: Sequence[Trace],
    gold: Mapping[str, tuple[Span, ...]],
    verifier: Verifier,
) -> dict[str, float]:
    """The figures of the real ``ask`` with these abstention thresholds."""
    ask = engine_answerer(engine, base.replace(answerer="extractive", support=support))
    questions = [t.question for t in traces]
    return answer_metrics(questions, [ask(q) for q in questions], gold, verifier.supports)


def support_settings(support: Support, knobs: Sequence[str]) -> dict[str, float]:
    """The swept thresholds as the settings a user sets (``SOURCIER_ABSTAIN_*``)."""
    return {f"SOURCIER_ABSTAIN_{k.upper()}": getattr(support, k) for k in knobs}


@dataclass(frozen=True, slots=True)
class VerifierPoint:
    thresholds: Thresholds
    caught: float
    untouched_passed: float
    benign_passed: float
    per_kind: dict[str, float]


def sweep_verifier(
    result: EvalResult,
    verifier: Verifier,
    documents: Mapping[str, str],
    seed: int,
    grid: Grid,
    nearest: Neighbours | None = None,
) -> tuple[VerifierPoint, VerifierPoint, list[VerifierPoint]]:
    """(current, recommended, frontier): the most gated corruptions caught with the controls
    still passing, then the most embellishments caught, ties going to the loosest thresholds;
    the frontier holds the best point for each content-coverage threshold."""
    traces = result.traces
    questions = [t.question for t in traces]
    gold = {t.question.id: t.gold for t in traces}
    cases = self_test_cases(verifier, questions, gold, documents, seed, nearest)

    def point(th: Thresholds) -> VerifierPoint:
        st = verifier_self_test(verifier, cases, th)
        return VerifierPoint(
            th, st.caught, st.untouched_passed, st.benign_passed, {k: r.rate for k, r in st.kinds.items()}
        )

    current = point(verifier.thresholds)
    best = current
    frontier: dict[float, VerifierPoint] = {}
    for content, sim in itertools.product(grid.min_content, grid.min_similarity):
        th = dataclasses.replace(verifier.thresholds, min_similarity=sim, min_content_coverage=content)
        p = point(th)
        if (
            p.untouched_passed < VERIFIER_BARS["untouched_passed"]
            or p.benign_passed < VERIFIER_BARS["benign_passed"]
        ):
            continue
        if content not in frontier or _better(p, frontier[content]):
            frontier[content] = p
        if _better(p, best):
            best = p
    return current, best, list(frontier.values())


def _better(p: VerifierPoint, than: VerifierPoint) -> bool:
    """Strictly more caught (gated kinds, then embellishments): looser points seen first win ties."""
    key = (round(p.caught, 9), round(p.per_kind.get("embellish", 0.0), 9))
    return key > (round(than.caught, 9), round(than.per_kind.get("embellish", 0.0), 9))


def calibrate(
    engine: Engine,
    base: AnswerConfig,
    result: EvalResult,
    questions: Sequence[GoldQuestion],
    gold: Mapping[str, tuple[Span, ...]],
    documents: Mapping[str, str],
    seed: int = 0,
    progress: Progress | None = None,
    grid: Grid | None = None,
) -> tuple[dict[str, Any], str]:
    """Run the three sweeps; return the JSON section and a Markdown summary."""
    grid = grid or Grid()
    verifier = Verifier(engine.vectors, engine.lexical)
    verifier.prefetch(c.text for c in gold_claims(questions, gold))
    cached = engine.with_embedder(_CachedQueries(engine.retriever.embedder))
    current, ranked = sweep_answering(cached, base, result.traces, gold, verifier, grid, progress)
    best_config, best_scores = ranked[0]
    confirmed = confirm(cached, base, best_config, result.traces, gold, verifier)
    baseline = confirm(cached, base, current, result.traces, gold, verifier)
    ranking = ranking_by_weights(cached, base, result.traces, grid)
    abstention = sweep_abstention(cached, base, result.traces, gold, verifier, grid, progress)
    knobs = list(grid.support)
    recommended, predicted = abstention.ranked[0]
    if progress is not None:
        progress("verifier thresholds")
    v_current, v_best, v_frontier = sweep_verifier(
        result, verifier, documents, seed, grid, neighbours(engine, base.dense_weight)
    )
    section: dict[str, Any] = {
        "answering": {
            "current": current.describe(),
            "current_scores": baseline,
            "recommended": best_config.describe(),
            "predicted": best_scores,
            "confirmed": confirmed,
            "top": [{"config": c.describe(), "scores": s} for c, s in _distinct(ranked)[:6]],
            "sensitivity": _sensitivity(ranked, CONFIG_KNOBS),
            "ranking": ranking,
            "configurations": len(ranked),
        },
        "abstention": {
            "current": support_settings(abstention.current, knobs),
            "current_scores": abstention.current_scores,
            "recommended": support_settings(recommended, knobs),
            "predicted": predicted,
            "confirmed": confirm_support(cached, base, recommended, result.traces, gold, verifier),
            "checks_off": abstention.checks_off,
            "top": [{"settings": support_settings(p, knobs), "scores": s} for p, s in abstention.ranked[1:6]],
            "sensitivity": _sensitivity(abstention.ranked, {k: operator.attrgetter(k) for k in knobs}),
            "points": len(abstention.ranked),
        },
        "verifier": {
            "current": {"thresholds": dataclasses.asdict(v_current.thresholds), **_vp(v_current)},
            "recommended": {"thresholds": dataclasses.asdict(v_best.thresholds), **_vp(v_best)},
            "frontier": [{"thresholds": dataclasses.asdict(p.thresholds), **_vp(p)} for p in v_frontier],
        },
    }
    return section, _markdown(section)


def _distinct(ranked: Sequence[tuple[Config, dict[str, float]]]) -> list[tuple[Config, dict[str, float]]]:
    """The best floor of each answering configuration, best first (not 40 floors of one)."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for config, scores in ranked:
        key = (config.weights, config.top_k, config.max_sentences)
        if key not in seen:
            seen.add(key)
            out.append((config, scores))
    return out


#: The answering sweep's knobs, as its report names them.
CONFIG_KNOBS: dict[str, Callable[[Config], float]] = {
    "weights.dense": lambda c: c.weights.dense,
    "weights.chunk_rank": lambda c: c.weights.chunk_rank,
    "weights.context": lambda c: c.weights.context,
    "top_k": lambda c: c.top_k,
    "answer_max_sentences": lambda c: c.max_sentences,
    "abstain_min_dense": lambda c: c.min_dense,
}


def _sensitivity(
    ranked: Sequence[tuple[Any, dict[str, float]]], knobs: Mapping[str, Callable[[Any], float]]
) -> list[dict[str, Any]]:
    """For each value of each knob, the best point that has it: what the knob can buy."""
    rows = []
    for knob, get in knobs.items():
        best: dict[Any, dict[str, float]] = {}
        for config, scores in ranked:  # best first: the first seen per value is its best
            best.setdefault(get(config), scores)
        if len(best) > 1:
            rows += [{"knob": knob, "value": value, "scores": best[value]} for value in sorted(best)]
    return rows


def _vp(p: VerifierPoint) -> dict[str, Any]:
    return {
        "caught": p.caught,
        "untouched_passed": p.untouched_passed,
        "benign_passed": p.benign_passed,
        "per_kind": p.per_kind,
    }


def _fmt(scores: Mapping[str, float] | None) -> str:
    if not scores:
        return "(not in the grid)"
    return ", ".join(f"{k} {v:.3f}" for k, v in scores.items())


_SHORT = {
    "abstention.recall": "abst. recall",
    "abstention.answered": "answered",
    "citation.precision": "cit. precision",
    "citation.recall": "cit. recall",
    "answer.correct": "correct",
}


def _recommendation(part: Mapping[str, Any]) -> list[str]:
    return [
        f"- current: `{part['current']}` → {_fmt(part['current_scores'])}",
        f"- **recommended**: `{part['recommended']}`",
        f"  - predicted: {_fmt(part['predicted'])}",
        f"  - confirmed by the real `ask`: {_fmt(part['confirmed'])}",
    ]


def _knob_table(name: str, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """What each value of each knob can buy, one row each."""
    return [
        f"| {name} | value | " + " | ".join(_SHORT.values()) + " |",
        "|---|---:|" + "---:|" * len(_SHORT),
        *(
            f"| {r['knob']} | {r['value']} | " + " | ".join(f"{r['scores'][k]:.3f}" for k in _SHORT) + " |"
            for r in rows
        ),
    ]


def _markdown(section: Mapping[str, Any]) -> str:
    a, b, v = section["answering"], section["abstention"], section["verifier"]
    lines = [
        "## Calibration",
        "",
        f"Answering: {a['configurations']} configurations (weights × top_k × answer_max_sentences × "
        "abstain_min_dense), ranked by gate bars met "
        f"({', '.join(f'{k} ≥ {t}' for k, t in ANSWER_BARS.items())}), then by the mean of "
        f"{', '.join(OBJECTIVE)}, then by the smallest change.",
        "",
        *_recommendation(a),
        "",
        "Runners-up (best floor of each other configuration):",
        "",
        *(f"1. `{t['config']}` → {_fmt(t['scores'])}" for t in a["top"][1:]),
        "",
        "What each knob can buy (the best configuration having that value):",
        "",
        *_knob_table(
            "knob",
            [
                r
                for r in a["sensitivity"]
                if r["knob"] != "abstain_min_dense" or round(r["value"] * 400) % 4 == 0
            ],
        ),
        "",
        "Second-stage ranking alone (hybrid, sentence level) for each weight setting, best MRR first:",
        "",
        "| weights | recall@1 | recall@5 | MRR | nDCG@10 |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {r['weights']} | "
            + " | ".join(f"{r[k]:.3f}" for k in ("recall@1", "recall@5", "mrr", "ndcg@10"))
            + " |"
            for r in a["ranking"]
        ),
        "",
        f"Abstention thresholds (checks 1 and 5 of `server.engine.abstention`): {b['points']} points, "
        "ranked as above; set the recommended ones as environment variables (or in `.env`).",
        "",
        *_recommendation(b),
        f"- checks 1 and 5 off (refusing nothing): {_fmt(b['checks_off'])}: what they cost in "
        "answered questions, and the most they can give",
        "",
        "What each threshold can buy (the best point having that value):",
        "",
        *_knob_table("threshold", b["sensitivity"]),
        "",
        "Verifier (`server.engine.grounding.Thresholds`): most corruptions caught with untouched and benign "
        "controls ≥ 0.95, ties to the loosest thresholds.",
        "",
    ]
    for name in ("current", "recommended"):
        p = v[name]
        kinds = ", ".join(f"{k} {r:.2f}" for k, r in p["per_kind"].items())
        lines.append(
            f"- {name}: `{p['thresholds']}` → caught {p['caught']:.3f}, untouched passed "
            f"{p['untouched_passed']:.3f}, benign passed {p['benign_passed']:.3f} ({kinds})"
        )
    lines += ["", "Frontier (loosest similarity reaching the best catch for each content threshold):", ""]
    lines += ["| min_content_coverage | min_similarity | caught | benign passed | embellish caught |"]
    lines += ["|---:|---:|---:|---:|---:|"]
    for p in v["frontier"]:
        th = p["thresholds"]
        lines.append(
            f"| {th['min_content_coverage']} | {th['min_similarity']} | {p['caught']:.3f} | "
            f"{p['benign_passed']:.3f} | {p['per_kind'].get('embellish', 0.0):.2f} |"
        )
    return "\n".join(lines)
