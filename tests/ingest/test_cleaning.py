"""Cleaning keeps the article text and drops the boilerplate of the two real bundled articles,
and keeps the option lists of real man pages (the ``manpages`` suite's shipped pages)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.cleaning import clean_plain_text, normalise
from sourcier.config import BUNDLED_CORPUS

AVOCADO = BUNDLED_CORPUS / "000_9d4ca8a47585dcb9.txt"
BEHEMOTH = BUNDLED_CORPUS / "004_7c747817cc0070a0.txt"
MAN_PAGES = Path(__file__).resolve().parents[2] / "eval" / "suites" / "manpages" / "documents"
B2SUM = MAN_PAGES / "manpages-fr_000783.txt"
LS = MAN_PAGES / "manpages-fr_000858.txt"
_OPTION_LINE = re.compile(r"^( +)(--?[A-Za-z0-9].*)$")


def raw_options(path: Path) -> list[tuple[str, str]]:
    """Each option of a man page as the page writes it: the option line and the first line of
    its description (on the next, deeper-indented line, or after the option on the same line)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    options = []
    for i, line in enumerate(lines):
        match = _OPTION_LINE.match(line)
        if match is None:
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        indent = len(following) - len(following.lstrip(" "))
        description = following.strip() if following.strip() and indent > len(match.group(1)) else ""
        options.append((normalise(match.group(2)), normalise(description)))
    return options


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


def test_a_numbered_section_heading_stays_a_heading_over_lowercase_text() -> None:
    """A heading over text opening in lower case is taken for a wrapped paragraph's first line,
    unless it carries a manual's section number (GIMP's and the Debian handbook's, shipped in the
    docs suite)."""
    docs = Path(__file__).resolve().parents[2] / "eval" / "suites" / "docs" / "documents"
    for page, heading, body in [
        ("gimp-help-fr_000177.txt", "3.6.1. Généralités", "tandis que le « Flou gaussien »"),
        (
            "debian-handbook-fr_000094.txt",
            "1.5.1. L'installateur : debian-installer",
            "debian-installer, conçu",
        ),
    ]:
        clean = clean_plain_text((docs / page).read_text(encoding="utf-8"))
        assert heading in [clean.text[h.start : h.end] for h in clean.headings]
        assert f"{heading}\n\n{body}" in clean.text
    wrapped = clean_plain_text("Titre\n\nUne phrase coupée\n\nen deux paragraphes par erreur.\n")
    assert "Une phrase coupée en deux paragraphes par erreur." in wrapped.text


@pytest.mark.parametrize("page", [B2SUM, LS], ids=["b2sum", "ls"])
def test_every_option_of_a_man_page_survives_with_its_description(page: Path) -> None:
    """Each option line starts a paragraph that goes on with its own description."""
    options = raw_options(page)
    assert len(options) >= 13
    paragraphs = clean_plain_text(page.read_text(encoding="utf-8")).text.split("\n\n")
    for option, description in options:
        expected = f"{option} {description}".strip()
        assert any(p.startswith(expected) for p in paragraphs), expected


def test_b2sum_keeps_its_13_options_and_its_sections() -> None:
    clean = clean_plain_text(B2SUM.read_text(encoding="utf-8"))
    assert len(raw_options(B2SUM)) == 13
    assert "-b, --binary lire en mode binaire" in clean.text.split("\n\n")
    assert "--tag créer une somme de contrôle de type BSD" in clean.text.split("\n\n")
    headings = [clean.text[h.start : h.end] for h in clean.headings]
    assert headings[:4] == ["b2sum(1)", "NOM", "SYNOPSIS", "DESCRIPTION"]
    # The NAME line (what command questions are made from) is its own paragraph under NOM.
    assert "b2sum - Calculer et vérifier l'empreinte numérique BLAKE2" in clean.text.split("\n\n")
    assert not any(h.startswith("-") for h in headings)


def test_articles_keep_dropping_a_headline_that_heads_nothing_but_not_a_short_title() -> None:
    """The stray-headline rule now needs a sentence-like title: a short line (a man page's
    ``b2sum(1)`` over ``NOM``) followed by a heading is kept."""
    behemoth = clean_plain_text(BEHEMOTH.read_text(encoding="utf-8"))
    assert "Ruoming Pang" not in behemoth.text
    raw = "Meta recrute un chercheur d'Apple pour son laboratoire\nUn titre court\nDu texte ici."
    clean = clean_plain_text(raw)
    assert clean.text == "Un titre court\n\nDu texte ici."
    clean = clean_plain_text("tac(1)\nNOM\n tac - concaténer et afficher des fichiers inversés")
    assert clean.text == "tac(1)\n\nNOM\n\ntac - concaténer et afficher des fichiers inversés"
