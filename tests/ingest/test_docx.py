"""Word loading on a real .docx written by python-docx: title, headings of their level (which
the chunker keeps as sections), list items, tables, body order; damaged files refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import chunk_text, tiktoken_counter
from ingest.loaders import LoadError, load_file
from tests.ingest.sample_files import make_docx


def test_title_headings_lists_and_table_in_order(tmp_path: Path) -> None:
    loaded = load_file(make_docx(tmp_path / "tourbieres.docx"))
    document, clean = loaded.document, loaded.clean
    assert document.title == "Rapport sur les tourbières"
    assert document.page_starts == ()
    headings = [(document.text[h.start : h.end], h.level) for h in clean.headings]
    assert headings == [("Où les trouve-t-on ?", 1), ("Les menaces", 2)]
    order = [
        "Les tourbières stockent",
        "Où les trouve-t-on ?",
        "le Jura, où elles couvrent 3 000 hectares ;",
        "les Vosges, qui en comptent plus de cent.",
        "Les menaces",
        "Assécher le sol.",
        "Extraire la tourbe.",
        "Région : Jura ; Surface : 3 000 ha",  # Word's "Header Row" names the columns
    ]
    positions = [document.text.index(t) for t in order]
    assert positions == sorted(positions)
    # each list item is its own paragraph, not glued to its neighbours
    assert "\n\nle Jura, où elles couvrent 3 000 hectares ;\n\nles Vosges" in document.text


def test_chunks_follow_the_headings(tmp_path: Path) -> None:
    loaded = load_file(make_docx(tmp_path / "tourbieres.docx"))
    # every section here is short: with the default minimum they would be packed together
    spans = chunk_text(loaded.clean, 180, 40, tiktoken_counter("o200k_base"), min_section_tokens=0)
    by_text = {loaded.document.text[s.start : s.end]: s.heading_path for s in spans}
    menaces = next(path for text, path in by_text.items() if "drainage agricole" in text)
    assert menaces == ("Où les trouve-t-on ?", "Les menaces")
    assert not any("drainage" in text and "Vosges" in text for text in by_text)


def test_damaged_docx_is_reported_by_name(tmp_path: Path) -> None:
    path = tmp_path / "abime.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(LoadError) as raised:
        load_file(path)
    assert "document Word illisible" in raised.value.reason and str(path) in str(raised.value)
    assert raised.value.code == "docx_unreadable"
