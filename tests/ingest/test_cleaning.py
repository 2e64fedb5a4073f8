"""Cleaning keeps the article text and drops the boilerplate of the two real bundled articles."""

from __future__ import annotations

from ingest.cleaning import clean_plain_text, normalise
from sourcier.config import BUNDLED_CORPUS

AVOCADO = BUNDLED_CORPUS / "000_9d4ca8a47585dcb9.txt"
BEHEMOTH = BUNDLED_CORPUS / "004_7c747817cc0070a0.txt"


def test_date_field_is_recorded_and_removed_from_the_text() -> None:
    clean = clean_plain_text(AVOCADO.read_text(encoding="utf-8"))
    assert clean.date == "2025-12-11"
    assert clean.text.startswith("Longtemps champion de l'intelligence artificielle")
    assert "date 2025" not in clean.text


def test_read_also_block_and_stray_headline_are_dropped() -> None:
    raw = BEHEMOTH.read_text(encoding="utf-8")
    assert "Lire aussi" in raw and "Cluely" in raw and "Ruoming Pang" in raw
    clean = clean_plain_text(raw)
    assert "Lire aussi" not in clean.text
    assert "Cluely" not in clean.text and "agents IA d'AWS" not in clean.text
    assert "Ruoming Pang" not in clean.text


def test_article_text_and_real_headings_are_kept() -> None:
    clean = clean_plain_text(BEHEMOTH.read_text(encoding="utf-8"))
    headings = [clean.text[h.start : h.end] for h in clean.headings]
    assert headings == [
        "Behemoth mis en pause : une performance en demi-teinte",
        "Open source : philosophie ou stratégie temporaire ?",
        "Un impact global sur l'écosystème de l'IA",
    ]
    for sentence in (
        "Selon le New York Times, des discussions internes seraient en cours",
        "Meta aurait terminé l'entraînement de Behemoth",
        "gagnent du terrain.",
        "vecteur d'influence globale.",
    ):
        assert sentence in clean.text


def test_every_sentence_of_the_body_survives_cleaning() -> None:
    """Nothing but boilerplate is lost: each kept raw line appears, normalised, in the text."""
    for path in (AVOCADO, BEHEMOTH):
        clean = clean_plain_text(path.read_text(encoding="utf-8"))
        for line in normalise(path.read_text(encoding="utf-8")).split("\n"):
            line = line.removeprefix("date 2025-12-11 ")
            if len(line) > 120:  # body paragraphs (headlines and link lines are short)
                assert line in clean.text


def test_spaces_and_apostrophes_are_normalised() -> None:
    clean = clean_plain_text(BEHEMOTH.read_text(encoding="utf-8"))
    assert "\u2019" not in clean.text and "\u00a0" not in clean.text and "\u202f" not in clean.text
    assert "l'open source" in clean.text
    assert normalise("l\u2019IA\u00a0: oui\u202f?") == "l'IA : oui ?"


def test_cleaning_is_stable() -> None:
    """Offsets must never move: cleaning the same input twice gives the same text."""
    raw = AVOCADO.read_text(encoding="utf-8")
    assert clean_plain_text(raw) == clean_plain_text(raw)


def test_soft_wrapped_lines_join_and_list_blocks_go() -> None:
    raw = (
        "Titre de l'article\n\nUn paragraphe coupé\nen deux lignes par le site.\n\n"
        "À lire aussi :\n- Un autre article\n- Encore un\n\nLa suite du texte.\n"
    )
    clean = clean_plain_text(raw)
    assert "Un paragraphe coupé en deux lignes par le site." in clean.text
    assert "autre article" not in clean.text and "Encore un" not in clean.text
    assert clean.text.endswith("La suite du texte.")
