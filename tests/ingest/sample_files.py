"""Real PDF and Word files written by the tests themselves (fpdf2, python-docx), so that the
loaders are tested on what those libraries actually produce, offline."""

from __future__ import annotations

from pathlib import Path

import matplotlib

#: A TrueType font with accents, œ and the ﬁ/ﬂ ligature glyphs (shipped with matplotlib).
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

#: One page per entry: (heading, paragraphs). "ﬁ"/"ﬂ" are the ligature characters a typeset
#: PDF holds; the loader must give back plain "fi"/"fl".
PDF_PAGES: list[tuple[str, list[str]]] = [
    (
        "Les abeilles sauvages",
        [
            "Les abeilles sauvages pollinisent près de 80 % des plantes à ﬂeurs en Europe.",
            "Leur déclin inquiète les apiculteurs, qui observent une mortalité élevée depuis 2015.",
        ],
    ),
    (
        "Un ﬁnancement européen",
        [
            "La Commission européenne a consacré 12 millions d'euros à l'étude des pollinisateurs.",
            "Ce programme, baptisé Œuvre commune, réunit des chercheurs de quatorze pays.",
        ],
    ),
    (
        "Les résultats attendus",
        [
            "Les premiers résultats sont attendus à la ﬁn de l'année 2027 à Bruxelles.",
        ],
    ),
]


def make_pdf(path: Path, pages: list[tuple[str, list[str]]] = PDF_PAGES, title: str | None = None) -> Path:
    """A text PDF, one page per entry, with a page-number footer on each page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    if title:
        pdf.set_title(title)
    for number, (heading, paragraphs) in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("DejaVu", size=16)
        pdf.multi_cell(0, 10, heading)
        pdf.ln(4)
        pdf.set_font("DejaVu", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(3)
        pdf.set_auto_page_break(False)
        pdf.set_y(-20)
        pdf.cell(0, 10, f"- {number} -", align="C")
        pdf.set_auto_page_break(True, margin=20)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose pages hold only an image (what a scanner produces): no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "Texte numérisé", fill="black")
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(image, x=10, y=10, w=180)
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    """A Word document with a title, headings of two levels, a bulleted and a numbered list and a
    table."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Propriété titre (non utilisée)"
    document.add_paragraph("Rapport sur les tourbières", style="Title")
    document.add_paragraph(
        "Les tourbières stockent deux fois plus de carbone que les forêts du monde entier."
    )
    document.add_heading("Où les trouve-t-on ?", level=1)
    document.add_paragraph("On les trouve surtout dans les régions froides et humides.")
    document.add_paragraph("le Jura, où elles couvrent 3 000 hectares ;", style="List Bullet")
    document.add_paragraph("les Vosges, qui en comptent plus de cent.", style="List Bullet")
    document.add_heading("Les menaces", level=2)
    document.add_paragraph("Le drainage agricole a détruit la moitié des tourbières françaises depuis 1945.")
    document.add_paragraph("Assécher le sol.", style="List Number")
    document.add_paragraph("Extraire la tourbe.", style="List Number")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Région", "Surface"
    table.cell(1, 0).text, table.cell(1, 1).text = "Jura", "3 000 ha"
    document.save(str(path))
    return path
