"""The generative answerer's sentence handling: streamed text cut into the same sentences as the
whole text, the model's own markers dropped, refusals recognised."""

from __future__ import annotations

import re

from server.engine.generative import SentenceBuffer, refuses

TEXT = (
    "Avocado est le nom de code du successeur de Llama [1]. Il devait sortir fin 2025 [2].\n"
    "Meta a investi 14,3 milliards de dollars dans Scale AI [3]. M. Wang dirige le TBD Lab."
)


def sentences_of(pieces: list[str]) -> list[str]:
    buffer = SentenceBuffer()
    found = [s for piece in pieces for s in buffer.feed(piece)]
    return found + buffer.flush()


def test_streamed_text_gives_the_sentences_of_the_whole_text() -> None:
    whole = sentences_of([TEXT])
    assert whole == [
        "Avocado est le nom de code du successeur de Llama.",
        "Il devait sortir fin 2025.",
        "Meta a investi 14,3 milliards de dollars dans Scale AI.",
        "M. Wang dirige le TBD Lab.",
    ]
    assert sentences_of(re.findall(r"\S+\s*", TEXT)) == whole  # word by word
    assert sentences_of(list(TEXT)) == whole  # character by character


def test_a_sentence_is_complete_only_once_the_next_one_begins() -> None:
    buffer = SentenceBuffer()
    assert buffer.feed("Avocado est le nom de code. ") == []
    assert buffer.feed("Il") == ["Avocado est le nom de code."]
    assert buffer.flush() == ["Il"]


def test_refusals_are_recognised() -> None:
    assert refuses("Le corpus ne contient pas de réponse à cette question.")
    assert not refuses("Avocado est le nom de code du successeur de Llama.")
