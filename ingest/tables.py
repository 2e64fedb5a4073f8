"""Table rows as sentences a reader (and the ranker) can take on their own.

A table flattened into one paragraph ("| Touches | Effet | |---|---| | Ctrl+E | Centrer… |") is
one unreadable "sentence": an answer cites the whole table and no row can be told from the next.
Each row becomes one list item that names its columns: "Touches : Ctrl+E ; Effet : Centrer le
paragraphe". The header's words stay with every value, so "Quelle touche centre le paragraphe ?"
finds the row, and the row is a citation that stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.cleaning import Block

#: A header cell longer than this is content, not a column name (Word tables have no header mark).
_MAX_HEADER_CHARS = 40


def row_text(header: Sequence[str] | None, cells: Sequence[str]) -> str:
    """One row: "Column : value ; Column : value", or the values joined by " ; " without a header.
    Empty cells are left out; a value under an empty column name is given alone."""
    parts: list[str] = []
    for index, cell in enumerate(cells):
        value = " ".join(cell.split())
        if not value:
            continue
        name = " ".join(header[index].split()) if header is not None and index < len(header) else ""
        parts.append(f"{name} : {value}" if name and name != value else value)
    return " ; ".join(dict.fromkeys(parts))  # merged cells repeat their text


def table_blocks(rows: Sequence[Sequence[str]], header: Sequence[str] | None) -> list[Block]:
    """The rows of a table (header row excluded) as list items; a table whose data rows are all
    empty (or absent), as the text of its header."""
    blocks = [Block(text, "item") for cells in rows if (text := row_text(header, cells))]
    if not blocks and header is not None and (text := row_text(None, header)):
        blocks.append(Block(text, "body"))
    return blocks


def looks_like_header(cells: Sequence[str]) -> bool:
    """Whether a table's first row (where the format does not mark headers) names its columns:
    every cell filled, short, and distinct."""
    texts = [" ".join(c.split()) for c in cells]
    return (
        len(texts) >= 2
        and all(0 < len(t) <= _MAX_HEADER_CHARS for t in texts)
        and len(set(texts)) == len(texts)
    )
