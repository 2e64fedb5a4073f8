"""Read ``.txt``, ``.md``, ``.html``, ``.pdf`` and ``.docx`` files into cleaned :class:`Document` objects.

Each loader turns its format into classified blocks (body, heading, list item); cleaning is
shared. Problems are raised as :class:`LoadError` naming the file, with a code and a French
reason (:mod:`ingest.failures`), so one bad file never stops a directory from being ingested.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.cleaning import Block, CleanText, clean_blocks, clean_plain_text
from ingest.failures import (
    MISSING_REASON,
    FailureCode,
    RejectedFileError,
    too_large_reason,
    unsupported_reason,
)
from ingest.tables import table_blocks
from sourcier.documents import Document
from sourcier.sentences import sentence_spans

if TYPE_CHECKING:
    from markdown_it.token import Token

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
#: Binary formats read by their own library (ingest.pdf, ingest.docx), with their magic bytes.
BINARY_SUFFIXES = {".pdf": b"%PDF-", ".docx": b"PK\x03\x04"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | frozenset(BINARY_SUFFIXES)
_TITLE_MAX = 100
#: A Markdown table row: starts and ends with a pipe, at least two cells.
_PIPE_ROW = re.compile(r"^\s*\|[^|\n]*\|[^\n]*\|\s*$")
_DOC_ID = re.compile(r"[^A-Za-z0-9_.\-/]+")
#: The heading of a man page's NAME section, in the languages man pages are translated to.
_MAN_NAME_HEADINGS = frozenset({"NOM", "NAME", "NOMBRE", "NOME", "NAAM", "NAZWA", "ИМЯ"})
#: How far down a man page its NAME section may come (after the ``ls(1)`` header line).
_MAN_NAME_MAX_HEADING = 3
#: A NAME line: the command (or functions) named, a dash, the one-line summary.
_MAN_NAME_LINE = re.compile(r"^[^\s-][^\n]*?\s[-–—]\s+\S")


class LoadError(RejectedFileError):
    """A file that cannot be ingested: ``code`` says why for programs, ``reason`` for people
    (French); ``str()`` names the file."""

    def __init__(self, path: Path, code: FailureCode, reason: str) -> None:
        super().__init__(code, reason)
        self.path = path

    def __str__(self) -> str:
        return f"{self.path} : {self.reason}"


def discover(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every supported file under ``paths`` (recursively, sorted).

    A path that does not exist is yielded as is so the caller reports it by name.
    """
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if (
                    file.suffix.lower() in SUPPORTED_SUFFIXES
                    and not file.name.startswith("~$")  # Word's lock file beside an open .docx
                    and not any(part.startswith(".") for part in file.relative_to(path).parts)
                ):
                    yield file, path
        else:
            yield path, path.parent


def document_id(file: Path, root: Path) -> str:
    """A stable id: the path below the ingested root, without its suffix (``sub/article``)."""
    relative = file.relative_to(root) if file.is_relative_to(root) else Path(file.name)
    folded = unicodedata.normalize("NFKD", relative.with_suffix("").as_posix())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    return _DOC_ID.sub("_", ascii_only).strip("_/") or "document"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a supported file, refusing what is missing, of another type, oversized or empty."""
    if not path.exists():
        raise LoadError(path, "file_missing", MISSING_REASON)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise LoadError(path, "unsupported_file", unsupported_reason(path.suffix))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(path, "file_too_large", too_large_reason(size, max_bytes))
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(path, "unreadable_file", f"fichier illisible ({error.strerror or error})") from error
    if not data.strip():
        raise LoadError(path, "empty_file", "fichier vide")
    magic = BINARY_SUFFIXES.get(path.suffix.lower())
    if magic is not None and not data.startswith(magic):
        reason = f"ce n'est pas un fichier {path.suffix.lower()} (son contenu est d'un autre type)"
        raise LoadError(path, "wrong_content", reason)
    return data


def read_text(path: Path, max_bytes: int) -> str:
    """Read a UTF-8 text file, refusing what is empty, binary, oversized or not UTF-8."""
    data = read_bytes(path, max_bytes)
    if b"\x00" in data[:8192]:
        raise LoadError(
            path, "binary_file", "fichier binaire (il contient des octets NUL) : ce n'est pas du texte"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        reason = f"texte qui n'est pas en UTF-8 valide (octet {error.start}) : réenregistrez-le en UTF-8"
        raise LoadError(path, "not_utf8", reason) from error


def markdown_blocks(markdown: str) -> tuple[list[Block], str | None]:
    """Blocks of a Markdown text (headings with levels, paragraphs, list items), inline
    formatting removed; also the first top-level heading, used as the title."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(markdown)
    blocks: list[Block] = []
    title: str | None = None
    kind, level, in_item = "body", 1, 0
    table: _Table | None = None
    for token in tokens:
        if token.type == "table_open":
            table = _Table()
        elif token.type == "table_close" and table is not None:
            blocks.extend(table_blocks(table.rows, table.header))
            table = None
        elif table is not None:
            table.read(token)
        elif token.type == "heading_open":
            kind, level = "heading", int(token.tag[1])
        elif token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "inline" and kind == "body" and (rows := _pipe_rows(token.content)):
            # a table without a header line: its cells are still Markdown ("**Ctrl+E**")
            cells = [[_inline_text(parser.parseInline(c)[0]) if c else "" for c in row] for row in rows]
            blocks.extend(table_blocks(cells, None))
        elif token.type == "inline":
            text = _inline_text(token)
            if text:
                if kind == "heading" and title is None and level == 1:
                    title = text
                elif kind == "heading":
                    blocks.append(Block(text, "heading", level))
                else:
                    blocks.append(Block(text, "item" if in_item else "body"))
            kind = "body"
    return blocks, title


class _Table:
    """The header and rows of a Markdown table, read token by token."""

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.rows: list[list[str]] = []
        self._row: list[str] = []
        self._in_head = False

    def read(self, token: Token) -> None:
        if token.type in ("thead_open", "thead_close"):
            self._in_head = token.type == "thead_open"
        elif token.type == "tr_open":
            self._row = []
        elif token.type == "inline":
            self._row.append(_inline_text(token))
        elif token.type == "tr_close":
            if self._in_head and self.header is None:
                self.header = self._row
            else:
                self.rows.append(self._row)


def _pipe_rows(content: str) -> list[list[str]] | None:
    """The rows of a paragraph made only of ``| a | b |`` lines (a table whose header line
    Markdown lacks, as trafilatura writes HTML tables without ``<th>``), else None."""
    lines = content.splitlines()
    if not lines or not all(_PIPE_ROW.match(line) for line in lines):
        return None
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]


def _inline_text(token: Token) -> str:
    """An inline token's text, formatting removed, line breaks as spaces."""
    text = "".join(
        " " if child.type in ("softbreak", "hardbreak") else child.content
        for child in token.children or []
        if child.type in ("text", "code_inline", "softbreak", "hardbreak")
    )
    return re.sub(r"\s*\n\s*", " ", text).strip()


def html_blocks(html: str) -> tuple[list[Block], str | None, str | None]:
    """The article body of an HTML page (no navigation, scripts or comments) as blocks, with the
    page's title and date, extracted by trafilatura."""
    import trafilatura

    result = trafilatura.bare_extraction(
        html,
        output_format="python",
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        include_links=False,
        favor_precision=False,
    )
    if result is None:
        return [], None, None
    if isinstance(result, dict):  # older trafilatura
        text, title, date = result.get("text"), result.get("title"), result.get("date")
    else:
        text, title, date = result.text, result.title, result.date
    body = trafilatura.extract(
        html,
        output_format="markdown",
        include_comments=False,
        include_links=False,
        include_formatting=True,
        include_images=False,
    ) or str(text or "")
    blocks, md_title = markdown_blocks(body)
    date_value = str(date)[:10] if date and re.match(r"\d{4}-\d{2}-\d{2}", str(date)) else None
    return blocks, (str(title) if title else md_title), date_value


def man_page_title(clean: CleanText, loader_title: str | None = None) -> str | None:
    """A man page's NAME line ("b2sum - Calculer et vérifier l'empreinte numérique BLAKE2"):
    the command and what it does, which questions name. The page's first line (``b2sum(1)``) or
    a section heading (``DESCRIPTION``) says neither. ``loader_title`` is the title the format's
    loader found (a Markdown page's first ``# NAME`` heading is taken as its title, out of the
    text). None when the text is not a man page."""
    headings = clean.headings
    if loader_title is not None and loader_title.strip() in _MAN_NAME_HEADINGS:
        named_at = 0  # the NAME section opens the text
    else:
        found = [
            i
            for i, h in enumerate(headings[:_MAN_NAME_MAX_HEADING])
            if clean.text[h.start : h.end] in _MAN_NAME_HEADINGS
        ]
        if not found:
            return None
        named_at = headings[found[0]].end
    rest = clean.text[named_at:]
    start = named_at + len(rest) - len(rest.lstrip())
    if any(h.start == start for h in headings):
        return None  # NAME heads nothing (the next heading comes first)
    paragraph = clean.text[start:].split("\n\n", 1)[0]
    return paragraph if _MAN_NAME_LINE.match(paragraph) else None


def derive_title(clean: CleanText) -> str:
    """The first heading when the text opens with one, else its first sentence, shortened."""
    if clean.headings and clean.headings[0].start == 0:
        first = clean.headings[0]
        return clean.text[first.start : first.end]
    spans = sentence_spans(clean.text)
    title = clean.text[spans[0].start : spans[0].end] if spans else clean.text
    if len(title) <= _TITLE_MAX:
        return title.rstrip(".")
    cut = title[:_TITLE_MAX].rsplit(" ", 1)[0].rstrip(",;: ")
    return f"{cut}…"


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A loaded file: the document to store and its cleaned text with heading positions."""

    document: Document
    clean: CleanText


def load_file(path: Path, root: Path | None = None, max_bytes: int = 20_000_000) -> LoadedDocument:
    """Load, clean and identify one file. Raises :class:`LoadError` with the reason."""
    suffix = path.suffix.lower()
    raw = "" if suffix in BINARY_SUFFIXES else read_text(path, max_bytes)
    title: str | None = None
    if suffix in BINARY_SUFFIXES:
        read_bytes(path, max_bytes)
        blocks, title = binary_blocks(path)
        clean = clean_blocks(blocks)
    elif suffix in (".md", ".markdown"):
        blocks, title = markdown_blocks(raw)
        clean = clean_blocks(blocks)
    elif suffix in (".html", ".htm"):
        blocks, title, date = html_blocks(raw)
        clean = clean_blocks(blocks, date)
    else:
        clean = clean_plain_text(raw)
    if not clean.text.strip():
        raise LoadError(path, "no_text", "aucun texte d'article après nettoyage : rien à indexer")
    # a man page's NAME line first, whatever the format (an HTML man page's <title> is "Man page of LS")
    title = " ".join((man_page_title(clean, title) or title or derive_title(clean)).split())
    if len(title) > _TITLE_MAX:
        title = title[:_TITLE_MAX].rsplit(" ", 1)[0] + "…"
    document = Document(
        id=document_id(path, root or path.parent),
        title=title,
        text=clean.text,
        source=str(path.resolve()),
        date=clean.date,
        page_starts=clean.page_starts,
    )
    return LoadedDocument(document, clean)


def binary_blocks(path: Path) -> tuple[list[Block], str | None]:
    """Blocks and title of a PDF or Word file, their library's errors as :class:`LoadError`."""
    from ingest.docx import DocxError, docx_blocks
    from ingest.pdf import PdfError, pdf_blocks

    try:
        return pdf_blocks(path) if path.suffix.lower() == ".pdf" else docx_blocks(path)
    except (PdfError, DocxError) as error:
        raise LoadError(path, error.code, error.reason) from error
