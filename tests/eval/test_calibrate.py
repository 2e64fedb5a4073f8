"""Calibration sweeps a grid with one shortcut (the similarity floor applied after the fact):
these tests hold its predictions to what the engine's real pipeline gives, on a small grid, and
check that no attribute of the live service changes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from eval import harness
from eval.calibrate import (
    ANSWER_BARS,
    Config,
    Grid,
    calibrate,
    confirm,
    confirm_support,
    sweep_abstention,
    sweep_answering,
)
from eval.verifier import Verifier

SMALL = Grid(
    weights={"dense": (0.0, 0.125)},
    top_k=(8,),
    max_sentences=(2,),
    min_dense=(0.0, 0.85, 0.9),  # the current floor (off) and two that refuse more
    min_similarity=(0.80, 0.83),
    min_content=(0.6,),
    # the current thresholds (0.55, 0.62) and points that refuse less or more
    support={"min_alignment": (0.5, 0.55, 0.65), "answer_alignment": (0.62, 0.75)},
)
ANSWER_FIGURES = (
    "citation.precision",
    "citation.recall",
    "answer.correct",
    "abstention.precision",
    "abstention.recall",
    "abstention.answered",
)


def test_sweep_predicts_the_real_ask_at_every_floor(
    setup: tuple[Any, ...], extractive: harness.EvalResult
) -> None:
    service, _, gold, _ = setup
    before = dict(vars(service))
    engine, base = service.engine, service.config
    verifier = Verifier(engine.vectors, engine.lexical)
    current, ranked = sweep_answering(engine, base, extractive.traces, gold, verifier, SMALL)
    assert current == Config(base.weights, 8, 2, base.abstain_min_dense)
    assert len(ranked) == 2 * 3
    predicted = {config: scores for config, scores in ranked}
    # the current configuration's predicted figures are the eval's own
    assert predicted[current] == pytest.approx({k: extractive.metrics[k] for k in ANSWER_FIGURES})
    # the floor shortcut agrees with ask run at that floor, and the floors do change the answers
    for min_dense in SMALL.min_dense:
        config = dataclasses.replace(current, min_dense=min_dense)
        confirmed = confirm(engine, base, config, extractive.traces, gold, verifier)
        assert confirmed == pytest.approx(predicted[config])
    assert (
        len(
            {
                tuple(
                    predicted[dataclasses.replace(current, min_dense=d)][k]
                    for k in ("abstention.recall", "abstention.answered")
                )
                for d in SMALL.min_dense
            }
        )
        > 1
    )
    # best first: no later configuration meets more of the gate's bars
    met = [sum(s[k] >= v - 1e-9 for k, v in ANSWER_BARS.items()) for _, s in ranked]
    assert met == sorted(met, reverse=True)
    # the sweep changed no attribute of the service (same objects, same configuration)
    assert vars(service) == before and all(vars(service)[k] is v for k, v in before.items())
    assert service.config == base and service.engine is engine


def test_abstention_sweep_predicts_the_real_ask_at_its_points(
    setup: tuple[Any, ...], extractive: harness.EvalResult
) -> None:
    service, _, gold, _ = setup
    before = dict(vars(service))
    engine, base = service.engine, service.config
    verifier = Verifier(engine.vectors, engine.lexical)
    traces = extractive.traces[::3]  # a third of the gold set, answerable and not: each point asks them all
    sweep = sweep_abstention(engine, base, traces, gold, verifier, SMALL)
    assert sweep.current == base.support and len(sweep.ranked) == 3 * 2
    predicted = dict(sweep.ranked)
    assert predicted[base.support] == sweep.current_scores
    # answering once with the checks off and re-running only the decision agrees with the real
    # ask at the current and the strictest points, and the points do change the answers
    strictest = dataclasses.replace(base.support, min_alignment=0.65, answer_alignment=0.75)
    for support in (base.support, strictest):
        confirmed = confirm_support(engine, base, support, traces, gold, verifier)
        assert confirmed == pytest.approx(predicted[support])
    assert predicted[strictest]["abstention.answered"] < predicted[base.support]["abstention.answered"]
    # with checks 1 and 5 off nothing is refused that some point answers
    for scores in predicted.values():
        assert sweep.checks_off["abstention.answered"] >= scores["abstention.answered"]
        assert sweep.checks_off["abstention.recall"] <= scores["abstention.recall"]
    met = [sum(s[k] >= v - 1e-9 for k, v in ANSWER_BARS.items()) for _, s in sweep.ranked]
    assert met == sorted(met, reverse=True)
    assert all(vars(service)[k] is v for k, v in before.items()) and service.config == base


def test_calibrate_reports_confirmed_figures(setup: tuple[Any, ...], extractive: harness.EvalResult) -> None:
    service, questions, gold, documents = setup
    before = dict(vars(service))
    steps: list[str] = []
    section, markdown = calibrate(
        service.engine,
        service.config,
        extractive,
        questions,
        gold,
        documents,
        progress=steps.append,
        grid=SMALL,
    )
    assert all(vars(service)[k] is v for k, v in before.items())  # the live service is untouched
    answering, verifier = section["answering"], section["verifier"]
    assert answering["configurations"] == 6
    assert answering["current_scores"] == pytest.approx({k: extractive.metrics[k] for k in ANSWER_FIGURES})
    assert answering["confirmed"] == pytest.approx(answering["predicted"])
    # ranking rows: one per weight option; the current weights rank as the report says
    assert len(answering["ranking"]) == 2
    row = next(r for r in answering["ranking"] if r["weights"] == dataclasses.asdict(service.config.weights))
    assert row["mrr"] == pytest.approx(extractive.metrics["retrieval.hybrid.ranked.mrr"])
    # the verifier's current point is the self-test the report gates on
    now = verifier["current"]
    assert now["caught"] == pytest.approx(extractive.metrics["verifier.caught"])
    assert now["untouched_passed"] == pytest.approx(extractive.metrics["verifier.untouched_passed"])
    assert now["benign_passed"] == pytest.approx(extractive.metrics["verifier.benign_passed"])
    assert verifier["recommended"]["caught"] >= now["caught"]
    assert steps[0] == "answering configuration 1/2" and steps[-1] == "verifier thresholds"
    assert f"abstention thresholds, question 1/{len(questions)}" in steps
    abstention = section["abstention"]
    assert abstention["points"] == 6
    assert abstention["current_scores"] == pytest.approx({k: extractive.metrics[k] for k in ANSWER_FIGURES})
    assert abstention["confirmed"] == pytest.approx(abstention["predicted"])
    assert abstention["current"] == {
        "SOURCIER_ABSTAIN_MIN_ALIGNMENT": service.config.support.min_alignment,
        "SOURCIER_ABSTAIN_ANSWER_ALIGNMENT": service.config.support.answer_alignment,
    }
    assert "## Calibration" in markdown and "**recommended**" in markdown
    assert "Abstention thresholds" in markdown and "checks 1 and 5 off" in markdown
