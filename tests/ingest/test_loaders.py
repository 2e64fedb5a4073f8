"""Loaders: .txt, .md and .html into documents; bad files named with their code and French reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.loaders import LoadError, discover, document_id, load_file
from sourcier.config import BUNDLED_CORPUS


def test_bundled_article_title_date_and_id() -> None:
    loaded = load_file(BUNDLED_CORPUS / "000_9d4ca8a47585dcb9.txt", BUNDLED_CORPUS)
    document = loaded.document
    assert document.id == "000_9d4ca8a47585dcb9"
    assert document.date == "2025-12-11"
    assert document.title.startswith("Longtemps champion de l'intelligence artificielle")
    assert len(document.title) <= 101
    other = load_file(BUNDLED_CORPUS / "004_7c747817cc0070a0.txt").document
    assert other.date is None and other.title.startswith("Meta, entreprise historiquement favorable")


def test_markdown_headings_lists_and_inline_formatting(tmp_path: Path) -> None:
    path = tmp_path / "article.md"
    path.write_text(
        "# Le titre\n\nUn paragraphe avec du **gras** et un [lien](http://x).\nSur deux lignes.\n\n"
        "## Une section\n\nTexte de la section.\n\nLire aussi :\n\n- Un autre article\n",
        encoding="utf-8",
    )
    loaded = load_file(path)
    assert loaded.document.title == "Le titre"
    assert loaded.document.text == (
        "Un paragraphe avec du gras et un lien. Sur deux lignes.\n\nUne section\n\nTexte de la section."
    )
    assert [loaded.document.text[h.start : h.end] for h in loaded.clean.headings] == ["Une section"]


def test_html_keeps_the_article_body_not_navigation_or_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Titre HTML</title><meta name='date' content='2025-03-02'></head><body>"
        "<nav><a href='/'>Accueil</a> | <a href='/x'>Rubrique</a></nav><article><h1>Titre HTML</h1>"
        "<p>Premier paragraphe de l'article, assez long pour être gardé par l'extracteur. Il parle de Meta.</p>"
        "<h2>Une section</h2><p>Deuxième paragraphe, lui aussi assez long pour compter comme corps d'article.</p>"
        "<script>alert('x')</script></article><footer>Mentions légales</footer></body></html>",
        encoding="utf-8",
    )
    document = load_file(path).document
    assert document.title == "Titre HTML" and document.date == "2025-03-02"
    assert "Premier paragraphe de l'article" in document.text and "Une section" in document.text
    for junk in ("Accueil", "Rubrique", "alert", "Mentions légales"):
        assert junk not in document.text


@pytest.mark.parametrize(
    ("name", "content", "code", "reason"),
    [
        ("empty.txt", b"", "empty_file", "fichier vide"),
        ("blank.txt", b"   \n\n", "empty_file", "fichier vide"),
        ("binary.txt", b"\x00\x01\x02PNG\x00", "binary_file", "fichier binaire"),
        ("latin1.txt", "Très bientôt, l'été.".encode("latin-1"), "not_utf8", "pas en UTF-8 valide (octet 2)"),
        ("notes.odt", b"PK\x03\x04", "unsupported_file", "type de fichier .odt non pris en charge"),
        ("logo.md", b"![logo](logo.png)\n", "no_text", "aucun texte d'article"),
        ("faux.docx", b"Du texte.", "wrong_content", "ce n'est pas un fichier .docx"),
    ],
)
def test_bad_files_raise_a_code_and_a_french_reason(
    tmp_path: Path, name: str, content: bytes, code: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError) as raised:
        load_file(path)
    assert raised.value.code == code and reason in raised.value.reason
    assert str(raised.value) == f"{path} : {raised.value.reason}"


def test_size_limit_and_missing_file(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Une phrase. " * 100, encoding="utf-8")
    with pytest.raises(LoadError, match="fichier trop volumineux \\(1 200 octets ; limite : 100 octets\\)"):
        load_file(big, max_bytes=100)
    with pytest.raises(LoadError, match="fichier introuvable") as raised:
        load_file(tmp_path / "absent.txt")
    assert raised.value.code == "file_missing"


def test_discover_recurses_sorted_and_skips_hidden_and_other_types(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in (
        "b/deux.md",
        "un.txt",
        "trois.html",
        "image.png",
        ".git/x.txt",
        "quatre.pdf",
        "cinq.docx",
        "~$cinq.docx",
    ):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [f.relative_to(tmp_path).as_posix() for f, _ in discover([tmp_path])]
    assert found == ["b/deux.md", "cinq.docx", "quatre.pdf", "trois.html", "un.txt"]


def test_document_ids_come_from_the_path_below_the_root(tmp_path: Path) -> None:
    assert document_id(tmp_path / "sous dossier" / "Été 2025.md", tmp_path) == "sous_dossier/Ete_2025"
    assert document_id(tmp_path / "a.txt", tmp_path / "elsewhere") == "a"


MAN_PAGES = Path(__file__).resolve().parents[2] / "eval" / "suites" / "manpages" / "documents"


def test_a_man_page_is_titled_by_its_name_line_not_its_header_or_a_section() -> None:
    """Questions name the command and what it does ("Quelle commande permet de… ?"); the NAME
    section says both, the ``b2sum(1)`` header line neither."""
    document = load_file(MAN_PAGES / "manpages-fr_000783.txt").document
    assert document.title == "b2sum - Calculer et vérifier l'empreinte numérique BLAKE2"
    titles = [load_file(page).document.title for page in sorted(MAN_PAGES.glob("*.txt"))]
    assert len(titles) > 200
    # every page: "command - summary" (any dash), or a list of functions cut at the title's length
    assert all(re.search(r"\S [-–—] \S", t) or t.endswith(",…") for t in titles)


def test_an_english_man_page_as_man_prints_it(tmp_path: Path) -> None:
    path = tmp_path / "ls.txt"
    path.write_text(
        "LS(1)                       User Commands                       LS(1)\n\n"
        "NAME\n       ls - list directory contents\n\nSYNOPSIS\n       ls [OPTION]... [FILE]...\n\n"
        "DESCRIPTION\n       List  information  about  the FILEs (the current directory by default).\n\n"
        "       -a, --all\n              do not ignore entries starting with .\n",
        encoding="utf-8",
    )
    assert load_file(path).document.title == "ls - list directory contents"


def test_a_name_heading_outside_a_man_page_does_not_make_the_title(tmp_path: Path) -> None:
    path = tmp_path / "fiche.txt"
    path.write_text("Fiche d'inscription\n\nNOM\n\nÉcrivez votre nom en capitales.\n", encoding="utf-8")
    assert load_file(path).document.title == "Fiche d'inscription"
    markdown = tmp_path / "outil.md"
    markdown.write_text(
        "# NAME\n\nmonoutil - Faire une chose utile\n\n## Usage\n\nTexte.\n", encoding="utf-8"
    )
    assert load_file(markdown).document.title == "monoutil - Faire une chose utile"
