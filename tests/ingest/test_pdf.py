"""PDF loading on real files written by fpdf2: reading order, accents and ligatures, page
boundaries kept as offsets, page footers dropped, scanned and broken PDFs refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import LoadError, load_file
from ingest.pdf import NO_TEXT_LAYER
from tests.ingest.sample_files import PDF_PAGES, make_pdf, make_scanned_pdf


def test_text_in_reading_order_with_accents_and_ligatures(tmp_path: Path) -> None:
    document = load_file(make_pdf(tmp_path / "abeilles.pdf")).document
    expected = [text for heading, paragraphs in PDF_PAGES for text in (heading, *paragraphs)]
    plain = [t.replace("ﬁ", "fi").replace("ﬂ", "fl") for t in expected]
    positions = [document.text.index(t) for t in plain]
    assert positions == sorted(positions)
    assert "ﬁ" not in document.text and "ﬂ" not in document.text
    assert "plantes à fleurs" in document.text and "Œuvre commune" in document.text
    assert "- 2 -" not in document.text  # the page-number footers


def test_page_starts_locate_every_page(tmp_path: Path) -> None:
    document = load_file(make_pdf(tmp_path / "abeilles.pdf")).document
    assert len(document.page_starts) == len(PDF_PAGES) and document.page_starts[0] == 0
    for number, (heading, paragraphs) in enumerate(PDF_PAGES, start=1):
        for text in (heading, *paragraphs):
            plain = text.replace("ﬁ", "fi").replace("ﬂ", "fl")
            start = document.text.index(plain)
            assert document.page_at(start) == number
            assert document.page_at(start + len(plain) - 1) == number


def test_title_from_metadata_else_first_heading(tmp_path: Path) -> None:
    assert (
        load_file(make_pdf(tmp_path / "a.pdf", title="Abeilles d'Europe")).document.title
        == "Abeilles d'Europe"
    )
    assert load_file(make_pdf(tmp_path / "b.pdf")).document.title == "Les abeilles sauvages"


def test_paragraph_cut_by_a_page_break_is_joined(tmp_path: Path) -> None:
    pages = [
        ("Premier chapitre", ["Les chercheurs ont compté au total"]),
        ("", ["trois cents espèces différentes en 2024.", "Une autre phrase commence ici."]),
    ]
    document = load_file(make_pdf(tmp_path / "coupe.pdf", pages)).document
    assert "Les chercheurs ont compté au total trois cents espèces différentes en 2024." in document.text
    assert document.page_at(document.text.index("Une autre phrase")) == 2


def test_scanned_pdf_is_refused_as_such(tmp_path: Path) -> None:
    path = make_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(LoadError) as raised:
        load_file(path)
    assert raised.value.reason == NO_TEXT_LAYER and "sans couche texte" in str(raised.value)
    assert raised.value.code == "pdf_no_text_layer"


@pytest.mark.parametrize(
    ("content", "code", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "pdf_unreadable", "PDF illisible"),
        (b"Ceci n'est pas un PDF.", "wrong_content", "ce n'est pas un fichier .pdf"),
    ],
)
def test_broken_pdf_is_reported_by_name(tmp_path: Path, content: bytes, code: str, reason: str) -> None:
    path = tmp_path / "casse.pdf"
    path.write_bytes(content)
    with pytest.raises(LoadError) as raised:
        load_file(path)
    assert raised.value.code == code and reason in raised.value.reason and str(path) in str(raised.value)
