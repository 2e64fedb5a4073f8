"""The language of a sentence, on sentences of the shipped corpora (French documentation with
paragraphs left in English) and on questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcier.language import language, other_language, question_language

DOCS = Path(__file__).resolve().parents[2] / "eval" / "suites" / "docs" / "documents"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The former, developed by companies, are sold with commercial support services.", "en"),
        (
            "Debian uses the GNU Privacy Guard (package gnupg version 2 or better) as its baseline standard.",
            "en",
        ),
        ("shutdown may be used to halt, power off, or reboot the machine.", "en"),
        (
            "Son avenir est directement lié au succès commercial de son entreprise et beaucoup ont déjà disparu.",
            "fr",
        ),
        ("Si aucune indication d'heure n'est fournie, +1 est implicite.", "fr"),
        (
            "L'une des premières actions de l'administrateur est de créer les comptes de ses utilisateurs.",
            "fr",
        ),
        ("-c, --bytes afficher le nombre d'octets", None),  # too few function words to tell
        ("lround, lroundf, lroundl - round to nearest integer", None),
        ("Kurt Stone, Music Notation in the Twentieth Century.", None),
    ],
)
def test_sentences_are_told_apart_by_their_function_words(text: str, expected: str | None) -> None:
    assert language(text) == expected


def test_the_handbooks_english_paragraphs_are_found_among_its_french_ones() -> None:
    lines = (DOCS / "debian-handbook-fr_000116.txt").read_text(encoding="utf-8").splitlines()
    english = [line.split()[0] for line in lines if language(line) == "en"]
    assert english == ["Sustainability", "There", "Once"]  # the three untranslated paragraphs
    assert sum(language(line) == "fr" for line in lines) >= 15  # every other paragraph


def test_a_question_is_decided_by_its_interrogative_word() -> None:
    assert question_language("Quand sortira Avocado ?") == "fr"
    assert language("Quand sortira Avocado ?") is None  # a sentence needs two function words
    assert other_language(
        "The former, developed by companies, are sold.",
        question_language("Quelles distributions ont disparu ?"),
    )
    assert not other_language(
        "Beaucoup ont déjà disparu (Caldera Linux, etc.).",
        question_language("Quelles distributions ont disparu ?"),
    )
    assert not other_language(
        "The former, developed by companies, are sold.", question_language("Which ones are sold?")
    )
    assert not other_language(
        "Kurt Stone, Music Notation in the Twentieth Century.", question_language("Quel livre ?")
    )  # undecided
