"""Read a PDF's text layer into page-tagged blocks with ``pypdf``.

A PDF has no paragraphs, only positioned lines: each page's lines are grouped into paragraphs
the way plain text is (a line ending a sentence ends its paragraph), running page headers and
footers that are only a page number are dropped, and a paragraph cut by a page break is joined
back so its sentences stay whole (it then counts as starting on the earlier page; a page's
last line without a period followed by a lowercase line is such a paragraph, not a heading). Every block
keeps its page so citations can say which page they quote. A PDF with no text at all is a scan:
it is refused, since nothing could be cited from it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.cleaning import Block, blocks_from_plain_text, normalise
from ingest.failures import RejectedFileError

#: The reason given for a PDF without a text layer (shown as is in the CLI and the chat).
NO_TEXT_LAYER = "PDF sans couche texte (scanné ?) : rien à indexer, il faudrait d'abord le passer à l'OCR"
#: A line that is only a page number: "3", "- 3 -", "Page 3", "3 / 12", "p. 3".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:page|p\.)?\s*\d{1,4}(?:\s*(?:/|sur)\s*\d{1,4})?(?:\s*[-–—])?\s*$", re.I
)
_SENTENCE_END = '.!?…»"'


class PdfError(RejectedFileError):
    """The PDF cannot be read: ``pdf_encrypted``, ``pdf_unreadable`` or ``pdf_no_text_layer``."""


def pdf_pages(path: Path) -> tuple[list[str], str | None]:
    """The text of each page (in the content's reading order) and the title in the metadata."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError("pdf_encrypted", "PDF protégé par un mot de passe : envoyez-le sans mot de passe")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except PdfError:
        raise
    except Exception as error:  # a malformed file can fail anywhere in the parser: report it, by name
        raise PdfError("pdf_unreadable", f"PDF illisible ({type(error).__name__} : {error})") from error
    return pages, (str(title).strip() or None) if title else None


def pdf_blocks(path: Path) -> tuple[list[Block], str | None]:
    """Page-tagged blocks of a PDF and its metadata title. Raises :class:`PdfError` for a PDF
    that cannot be read or has no text layer."""
    pages, title = pdf_pages(path)
    blocks: list[Block] = []
    for number, raw in enumerate(pages, start=1):
        lines = [line for line in normalise(raw).split("\n") if not _PAGE_NUMBER.match(line)]
        page_blocks = blocks_from_plain_text("\n".join(lines))
        if not page_blocks:
            continue
        first, rest = page_blocks[0], page_blocks[1:]
        previous = blocks[-1] if blocks else None
        if (
            previous is not None
            and previous.kind != "item"
            and previous.text[-1:] not in _SENTENCE_END
            and first.text[:1].islower()
        ):
            blocks[-1] = Block(f"{previous.text} {first.text}", "body", page=previous.page)
        else:
            blocks.append(Block(first.text, first.kind, first.level, number))
        blocks += [Block(b.text, b.kind, b.level, number) for b in rest]
    if not blocks:
        raise PdfError("pdf_no_text_layer", NO_TEXT_LAYER)
    return blocks, title
