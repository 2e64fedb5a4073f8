"""Read a Word document (``.docx``) into classified blocks with ``python-docx``.

Word keeps structure the chunker can use: heading styles become headings of their level (so
chunks never straddle a section and carry its heading), list paragraphs become list items,
table rows become list items that name their columns (:mod:`ingest.tables`), all in the body's
order. The "Title"
style, else the document's title property, names the document.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ingest.cleaning import Block
from ingest.failures import RejectedFileError
from ingest.tables import looks_like_header, table_blocks

#: Built-in heading style ids: English "Heading1" and the French "Titre1" Word writes.
_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*(\d)$", re.I)
_TITLE_STYLES = frozenset({"title", "titre"})


class DocxError(RejectedFileError):
    """The file cannot be read as a Word document (``docx_unreadable``)."""


def _style_key(paragraph: Any) -> str:
    style = paragraph.style
    return str(getattr(style, "style_id", "") or getattr(style, "name", "") or "").replace(" ", "").lower()


def _is_list_item(paragraph: Any) -> bool:
    """A bulleted or numbered paragraph: a list style, or direct numbering properties."""
    if "list" in _style_key(paragraph):
        return True
    p_pr = paragraph._p.pPr
    return p_pr is not None and p_pr.numPr is not None


def paragraph_block(paragraph: Any) -> tuple[Block | None, bool]:
    """The block of one paragraph (None when empty) and whether it is the document's title."""
    text = " ".join(paragraph.text.split())
    if not text:
        return None, False
    key = _style_key(paragraph)
    if key in _TITLE_STYLES:
        return Block(text, "heading", 1), True
    heading = _HEADING_STYLE.match(key)
    if heading:
        return Block(text, "heading", max(int(heading.group(1)), 1)), False
    return Block(text, "item" if _is_list_item(paragraph) else "body"), False


def docx_blocks(path: Path) -> tuple[list[Block], str | None]:
    """Blocks of a ``.docx`` in body order and its title. Raises :class:`DocxError`."""
    try:
        return _read(path)
    except Exception as error:  # a damaged archive can fail anywhere in the parser: report it
        raise DocxError(
            "docx_unreadable", f"document Word illisible ({type(error).__name__} : {error})"
        ) from error


def _read(path: Path) -> tuple[list[Block], str | None]:
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    blocks: list[Block] = []
    title: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [[cell.text for cell in row.cells] for row in item.rows]
            if rows and has_header_row(item) and looks_like_header(rows[0]):
                blocks.extend(table_blocks(rows[1:], rows[0]))
            else:
                blocks.extend(table_blocks(rows, None))
            continue
        block, is_title = paragraph_block(item)
        if block is None:
            continue
        if is_title and title is None:
            title = block.text
            continue
        blocks.append(block)
    if title is None:
        title = (document.core_properties.title or "").strip() or None
    return blocks, title


def has_header_row(table: Any) -> bool:
    """Whether Word says the table's first row is its header: the row repeats as a header
    (``w:tblHeader``), or the table's look has "Header Row" ticked (``w:tblLook w:firstRow``,
    Word's default for a new table, hence the caller's check that the row looks like one)."""
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    rows = table._tbl.findall(f"{namespace}tr")
    if rows and rows[0].find(f"{namespace}trPr/{namespace}tblHeader") is not None:
        return True
    look = table._tbl.find(f"{namespace}tblPr/{namespace}tblLook")
    if look is None:
        return False
    first_row = look.get(f"{namespace}firstRow")
    if first_row is not None:
        return first_row in ("1", "true", "on")
    value = look.get(f"{namespace}val")  # older files: a bit mask, 0x0020 = header row
    return value is not None and bool(int(value, 16) & 0x0020)
