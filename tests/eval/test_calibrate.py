"""Calibration sweeps a grid with one shortcut (the similarity floor applied after the fact):
these tests hold its predictions to what the real ``ask`` gives, on a small grid."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from eval import harness
from eval.calibrate import ANSWER_BARS, Config, Grid, calibrate, confirm, sweep_answering
from eval.verifier import Verifier

SMALL = Grid(
    weights={"dense": (0.0, 0.125)},
    top_k=(8,),
    max_sentences=(2,),
    min_dense=(0.80, 0.815, 0.83),
    min_similarity=(0.80, 0.83),
    min_content=(0.6,),
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
    verifier = Verifier(service.vectors, service.lexical)
    current, ranked = sweep_answering(service, extractive.traces, gold, verifier, SMALL)
    assert current == Config(service.weights, 8, 2, service.settings.abstain_min_dense)
    assert len(ranked) == 2 * 3
    predicted = {config: scores for config, scores in ranked}
    # the current configuration's predicted figures are the eval's own
    assert predicted[current] == pytest.approx({k: extractive.metrics[k] for k in ANSWER_FIGURES})
    # the floor shortcut agrees with ask run at that floor, and the floors do change the answers
    for min_dense in SMALL.min_dense:
        config = dataclasses.replace(current, min_dense=min_dense)
        assert confirm(service, config, extractive.traces, gold, verifier) == pytest.approx(predicted[config])
    assert (
        len(
            {
                predicted[dataclasses.replace(current, min_dense=d)]["abstention.recall"]
                for d in SMALL.min_dense
            }
        )
        > 1
    )
    # best first: no later configuration meets more of the gate's bars
    met = [sum(s[k] >= v - 1e-9 for k, v in ANSWER_BARS.items()) for _, s in ranked]
    assert met == sorted(met, reverse=True)
    # the sweep leaves the service as it found it
    assert service.settings.top_k == 8 and service.settings.abstain_min_dense == current.min_dense


def test_calibrate_reports_confirmed_figures(setup: tuple[Any, ...], extractive: harness.EvalResult) -> None:
    service, questions, gold, documents = setup
    steps: list[str] = []
    section, markdown = calibrate(
        service, extractive, questions, gold, documents, progress=steps.append, grid=SMALL
    )
    answering, verifier = section["answering"], section["verifier"]
    assert answering["configurations"] == 6
    assert answering["current_scores"] == pytest.approx({k: extractive.metrics[k] for k in ANSWER_FIGURES})
    assert answering["confirmed"] == pytest.approx(answering["predicted"])
    # ranking rows: one per weight option; the current weights rank as the report says
    assert len(answering["ranking"]) == 2
    row = next(r for r in answering["ranking"] if r["weights"] == dataclasses.asdict(service.weights))
    assert row["mrr"] == pytest.approx(extractive.metrics["retrieval.hybrid.ranked.mrr"])
    # the verifier's current point is the self-test the report gates on
    now = verifier["current"]
    assert now["caught"] == pytest.approx(extractive.metrics["verifier.caught"])
    assert now["untouched_passed"] == pytest.approx(extractive.metrics["verifier.untouched_passed"])
    assert now["benign_passed"] == pytest.approx(extractive.metrics["verifier.benign_passed"])
    assert verifier["recommended"]["caught"] >= now["caught"]
    assert steps[0] == "answering configuration 1/2" and steps[-1] == "verifier thresholds"
    assert "## Calibration" in markdown and "**recommended**" in markdown
