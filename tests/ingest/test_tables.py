"""Tables in HTML, Markdown and Word: each row one sentence that names its columns, never the
whole table as one pipe-separated paragraph; and a question on one row is answered with that row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.loaders import load_file
from ingest.tables import looks_like_header, row_text, table_blocks
from server.engine.config import AnswerConfig
from server.engine.service import Sourcier
from server.engine.types import Question
from sourcier.config import Settings
from sourcier.sentences import sentence_spans
from tests.support.pages import pages_service

SHORTCUTS_HTML = """<html><head><title>Raccourcis clavier de Writer</title></head><body><article>
<h1>Raccourcis clavier de Writer</h1>
<p>Voici les raccourcis clavier les plus utiles pour mettre en forme un paragraphe dans LibreOffice Writer.</p>
<table>
<tr><th>Touches</th><th>Effet</th></tr>
<tr><td>Ctrl+E</td><td>Centrer le paragraphe.</td></tr>
<tr><td>Ctrl+J</td><td>Justifier le paragraphe.</td></tr>
<tr><td>Ctrl+L</td><td>Aligner le paragraphe à gauche.</td></tr>
<tr><td>Ctrl+R</td><td>Aligner le paragraphe à droite.</td></tr>
</table>
<p>Ces raccourcis peuvent être modifiés dans le menu Outils, Personnaliser, onglet Clavier.</p>
</article></body></html>"""

ROWS = [
    "Touches : Ctrl+E ; Effet : Centrer le paragraphe.",
    "Touches : Ctrl+J ; Effet : Justifier le paragraphe.",
    "Touches : Ctrl+L ; Effet : Aligner le paragraphe à gauche.",
    "Touches : Ctrl+R ; Effet : Aligner le paragraphe à droite.",
]


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentence_spans(text)]


def test_row_text_names_columns_and_skips_empty_and_repeated_cells() -> None:
    assert (
        row_text(["Option", "Effet"], ["-v", " affiche  la version "])
        == "Option : -v ; Effet : affiche la version"
    )
    assert row_text(["Option", "Effet"], ["-q", ""]) == "Option : -q"
    assert row_text(["", "Effet"], ["Note", "rien"]) == "Note ; Effet : rien"
    assert row_text(None, ["a", "b", "b"]) == "a ; b"  # a merged cell repeats its text
    assert [b.text for b in table_blocks([["", ""], ["x", ""]], ["A", "B"])] == ["A : x"]  # no empty rows
    assert [b.text for b in table_blocks([], ["Seule", "ligne"])] == ["Seule ; ligne"]


def test_a_header_row_is_short_filled_and_distinct() -> None:
    assert looks_like_header(["Région", "Surface"])
    assert not looks_like_header(["Région", ""])
    assert not looks_like_header(["Nom", "Nom"])
    assert not looks_like_header(["Seule"])
    assert not looks_like_header(["Région", "Le Jura est une région de moyenne montagne très boisée."])


def test_an_html_table_with_headers_becomes_one_sentence_per_row(tmp_path: Path) -> None:
    path = tmp_path / "raccourcis.html"
    path.write_text(SHORTCUTS_HTML, encoding="utf-8")
    text = load_file(path).document.text
    assert "|" not in text and "---" not in text
    assert sentences(text)[1:5] == ROWS


def test_an_html_table_without_headers_keeps_its_rows_apart(tmp_path: Path) -> None:
    path = tmp_path / "raccourcis.html"
    html = SHORTCUTS_HTML.replace("th>", "td>").replace("<td>Ctrl+E</td>", "<td><b>Ctrl+E</b></td>")
    path.write_text(html, encoding="utf-8")
    text = load_file(path).document.text
    assert "|" not in text
    assert sentences(text)[1:6] == [
        "Touches ; Effet",
        "Ctrl+E ; Centrer le paragraphe.",
        "Ctrl+J ; Justifier le paragraphe.",
        "Ctrl+L ; Aligner le paragraphe à gauche.",
        "Ctrl+R ; Aligner le paragraphe à droite.",
    ]


def test_a_markdown_table_loses_its_formatting_not_its_cells(tmp_path: Path) -> None:
    path = tmp_path / "options.md"
    path.write_text(
        "# Options de tac\n\nLes options principales :\n\n"
        "| Option | Effet |\n|:--|--|\n| `-b` | joindre le séparateur **avant** |\n| `-s` | |\n\n"
        "Une phrase | avec une barre n'est pas un tableau.\n",
        encoding="utf-8",
    )
    text = load_file(path).document.text
    assert text == (
        "Les options principales :\n\nOption : -b ; Effet : joindre le séparateur avant\n\n"
        "Option : -s\n\nUne phrase | avec une barre n'est pas un tableau."
    )


@pytest.fixture(scope="module")
def shortcuts_service(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    page = tmp_path_factory.mktemp("table-page") / "raccourcis-writer.html"
    page.write_text(SHORTCUTS_HTML, encoding="utf-8")
    yield from pages_service([page], "tables", embedder, corpus_index, tmp_path_factory)


@pytest.mark.parametrize(
    ("question", "row"),
    [("Quel raccourci permet de justifier le paragraphe ?", 1), ("Quelle touche centre un paragraphe ?", 0)],
)
def test_a_question_on_one_row_is_answered_with_that_row(
    shortcuts_service: Sourcier, question: str, row: int
) -> None:
    answer = shortcuts_service.engine.answer(Question(question), AnswerConfig())
    assert not answer.abstained, answer.text
    assert [c.quote for c in answer.citations] == [ROWS[row]]
    cited = answer.citations[0]
    document = shortcuts_service.store.get_document(cited.document_id)
    assert document is not None and document.document.text[cited.start : cited.end] == ROWS[row]


def word_table(path: Path, rows: list[list[str]], header_row: bool) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Fiche d'identité du projet.")
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    look = table._tbl.tblPr.find(docx.oxml.ns.qn("w:tblLook"))
    look.set(docx.oxml.ns.qn("w:firstRow"), "1" if header_row else "0")
    document.save(str(path))
    return path


def test_a_word_table_names_its_columns_only_when_word_marks_a_header_row(tmp_path: Path) -> None:
    rows = [["Nom", "Sourcier"], ["Langue", "français"], ["Licence", "MIT"]]
    plain = load_file(word_table(tmp_path / "fiche.docx", rows, header_row=False)).document.text
    assert sentences(plain)[1:] == ["Nom ; Sourcier", "Langue ; français", "Licence ; MIT"]
    headed = load_file(word_table(tmp_path / "fiche2.docx", rows, header_row=True)).document.text
    assert sentences(headed)[1:] == ["Nom : Langue ; Sourcier : français", "Nom : Licence ; Sourcier : MIT"]
