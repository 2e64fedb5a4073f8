"""French sentence splitting: abbreviations, guillemets, spaced punctuation, numbers."""

from __future__ import annotations

import pytest

from sourcier.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "M. Dupont est arrivé. Il a parlé à Mme Martin.",
            ["M. Dupont est arrivé.", "Il a parlé à Mme Martin."],
        ),
        (
            "Des modèles, des données, etc. sont en jeu. Ensuite vient la suite.",
            ["Des modèles, des données, etc. sont en jeu.", "Ensuite vient la suite."],
        ),
        (
            "Il cite Llama, Mistral, etc. Puis il conclut.",
            ["Il cite Llama, Mistral, etc.", "Puis il conclut."],
        ),
        (
            "Il fait partie des Meta Superintelligence Labs (MSL). Sous la houlette d'Alexandr Wang, il opère.",
            [
                "Il fait partie des Meta Superintelligence Labs (MSL).",
                "Sous la houlette d'Alexandr Wang, il opère.",
            ],
        ),
        (
            "« C'est fini. » Il part. Vraiment ? Oui ! Bien sûr.",
            ["« C'est fini. »", "Il part.", "Vraiment ?", "Oui !", "Bien sûr."],
        ),
        (
            "Publié le 2025-12-11. Un virage à 180° pour Meta. La version 3.5 arrive.",
            ["Publié le 2025-12-11.", "Un virage à 180° pour Meta.", "La version 3.5 arrive."],
        ),
        (
            "Le patron l'a dit : « nous verrons. » Et après ?",
            ["Le patron l'a dit : « nous verrons. »", "Et après ?"],
        ),
        ("J. R. R. Tolkien a écrit. Fin.", ["J. R. R. Tolkien a écrit.", "Fin."]),
        (
            "Open source : philosophie ou stratégie temporaire ?",
            ["Open source : philosophie ou stratégie temporaire ?"],
        ),
        ("Quoi ?! Non... Peut-être… Oui.", ["Quoi ?!", "Non...", "Peut-être…", "Oui."]),
        ("Première ligne sans point\nDeuxième ligne.", ["Première ligne sans point", "Deuxième ligne."]),
    ],
)
def test_french_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_spans_index_the_original_text() -> None:
    text = "  Avocado arrive.  Il serait prévu pour 2026 ?\n\nFin du texte.  "
    spans = sentence_spans(text)
    assert [text[s.start : s.end] for s in spans] == [
        "Avocado arrive.",
        "Il serait prévu pour 2026 ?",
        "Fin du texte.",
    ]


def test_spans_within_a_window_keep_document_offsets() -> None:
    text = "Avant. Dedans un. Dedans deux. Après."
    start = text.index("Dedans")
    end = text.index(" Après")
    assert [text[s.start : s.end] for s in sentence_spans(text, start, end)] == ["Dedans un.", "Dedans deux."]
