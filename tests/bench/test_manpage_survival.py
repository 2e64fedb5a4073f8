"""The man-page survival count matches passages against the real cleaned text of a shipped page."""

from __future__ import annotations

from pathlib import Path

from bench.manpage_survival import passage_survives
from ingest.cleaning import clean_plain_text

B2SUM = (
    Path(__file__).resolve().parents[2]
    / "eval"
    / "suites"
    / "manpages"
    / "documents"
    / "manpages-fr_000783.txt"
)


def test_passages_are_found_exactly_with_their_argument_or_not_at_all() -> None:
    text = clean_plain_text(B2SUM.read_text(encoding="utf-8")).text
    assert passage_survives("-b, --binary\nlire en mode binaire", text) == (True, True)
    # The dev set writes "-l, --length" for the page's "-l, --length=BIT".
    length = "-l, --length\nlongueur de l\u2019empreinte en bit ; elle ne doit pas dépasser le maximum"
    assert passage_survives(length, text) == (False, True)
    assert passage_survives("-x, --extra\nlire en mode binaire", text) == (False, False)
    assert passage_survives("-b, --binary\nlire en mode compressé", text) == (False, False)
