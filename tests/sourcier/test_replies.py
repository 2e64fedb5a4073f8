"""Replies that are no answer are told apart from answers (the shapes small models produce)."""

from __future__ import annotations

import pytest

from sourcier.replies import NOTICES, ReplyKind, classify

SOURCES = [
    "Avocado est le nom de code du successeur de Llama.",
    "Il serait prévu pour le premier trimestre ou le printemps 2026.",
    "Meta aurait terminé l'entraînement de Behemoth.",
]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("[1]", ReplyKind.MARKERS_ONLY),
        (" [1] [2]\n", ReplyKind.MARKERS_ONLY),
        ("", ReplyKind.MARKERS_ONLY),
        ("Le corpus ne contient pas de réponse à cette question.", ReplyKind.REFUSAL),
        (
            "[1] (Meta) Avocado est le nom de code du successeur de Llama.\n[2] (Meta) Il serait prévu…",
            ReplyKind.ECHO,
        ),
        (f"{SOURCES[0]} {SOURCES[1]} {SOURCES[2]}", ReplyKind.ECHO),
        (f"[1] (Les labos IA de Meta…) {SOURCES[1]}", ReplyKind.ECHO),  # one source, copied back
        ("[2] (Les labos IA de Meta…) Avocado sortira en 2026 [2].", ReplyKind.ANSWER),
        ("Avocado est prévu pour le printemps 2026 [2].", ReplyKind.ANSWER),
        (f"{SOURCES[0]} [1] Il comptera 400 milliards de paramètres [1].", ReplyKind.ANSWER),
    ],
)
def test_reply_kinds(reply: str, kind: ReplyKind) -> None:
    assert classify(reply, SOURCES) is kind


def test_replies_that_are_no_answer_have_a_notice() -> None:
    assert set(NOTICES) == {ReplyKind.MARKERS_ONLY, ReplyKind.ECHO}
    assert all(n.endswith("réponse extractive.") for n in NOTICES.values())
