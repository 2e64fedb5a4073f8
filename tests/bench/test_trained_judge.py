"""The trained judge's read-out and its training, on cases small enough to check by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.trained_judge import Case, first_gold, train_and_judge

QUESTION = "Quelle option de la commande affiche sa version ?"
TEXTS = [
    "La commande lit l'entrée standard quand aucun fichier n'est donné.",
    "L'option --version affiche la version du programme et quitte.",
    "Les fichiers sont traités dans l'ordre de la ligne de commande.",
]


def test_first_gold_reads_the_ranker_the_judge_and_a_blend() -> None:
    # the ranker puts a wrong sentence first; the judge, the gold one
    case = Case(QUESTION, TEXTS, [0.60, 0.58, 0.40], [False, True, False], judged=[0.0, 3.0, -3.0])
    assert first_gold([case], None) == 0
    assert first_gold([case], float("inf")) == 1
    # the gold's z-score is ≈ 1.22: 0.01 of it does not close the ranker's gap of 0.02, 0.05 does
    assert first_gold([case], 0.01) == 0
    assert first_gold([case], 0.05) == 1


@pytest.mark.slow
def test_training_teaches_the_judge_its_tuning_case_and_judges_every_half(model_cache: Path) -> None:
    from sourcier.e5_conversion import ensure_e5_model

    tuning = Case(QUESTION, TEXTS, [0.60, 0.58, 0.40], [False, True, False])
    holdout = Case(
        "Comment lire depuis l'entrée standard ?", TEXTS[::-1], [0.5, 0.4, 0.3], [False, False, True]
    )
    halves = {"mine tuning": [tuning], "mine holdout": [holdout]}
    train_and_judge(halves, ensure_e5_model(model_cache), layers=1, epochs=12, residual=False)
    assert len(tuning.judged) == len(holdout.judged) == len(TEXTS)
    assert first_gold([tuning], float("inf")) == 1  # learnt: the ranker had it second
    # trained as a correction of the ranker, the judge's output carries the ranker's score
    again = Case(QUESTION, TEXTS, [0.60, 0.58, 0.40], [False, True, False])
    train_and_judge({"mine tuning": [again]}, ensure_e5_model(model_cache), layers=1, epochs=0, residual=True)
    untrained = Case(QUESTION, TEXTS, [0.0, 0.0, 0.0], [False, True, False])
    train_and_judge(
        {"mine tuning": [untrained]}, ensure_e5_model(model_cache), layers=1, epochs=0, residual=False
    )
    differences = [a - b for a, b in zip(again.judged, untrained.judged, strict=True)]
    assert differences == pytest.approx([s / 0.05 for s in again.scores], abs=1e-3)
