"""Turn a scraped article into the exact, stable text that every character offset refers to.

Scraped French articles carry mess that hurts retrieval and citations: a leading ``date
YYYY-MM-DD`` field, "Lire aussi :" blocks of links to *other* articles, a lone related-article
headline dropped between two sections, non-breaking spaces before ``:``/``?`` and typographic
apostrophes. Cleaning removes the boilerplate, normalises spaces and apostrophes (so that
``l'IA`` and ``l’IA`` match), and keeps the article's own text and headings. The same rules
must not eat reference text: a man page's option list (short lines without a final period, that
look like headings) is kept as paragraphs, one option with its description each.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: Characters that are spaces to a reader: NBSP, narrow NBSP, thin spaces, ideographic space...
_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
#: Invisible characters that only break matching: zero-width, soft hyphen, BOM.
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\u00ad\ufeff]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})
#: Typographic ligatures (ﬁ, ﬂ, ﬀ...) that PDFs often extract as one character: split back into
#: letters so that "ﬁnance" matches "finance". Œ/œ are French letters, not ligatures: kept.
_LIGATURES = re.compile(r"[\ufb00-\ufb06]")
_DATE_FIELD = re.compile(r"^\s*date\s*:?\s*(\d{4}-\d{2}-\d{2})\b[ \t]*")
_READ_ALSO = re.compile(
    r"^(?:à\s+)?(?:lire\s+aussi|lire\s+également|voir\s+aussi|sur\s+le\s+même\s+sujet|"
    r"à\s+découvrir|articles?\s+liés?)\s*:?(?P<rest>.*)$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-–—•*·]|\d+[.)])\s+")
#: A command-line option starting a definition (``-b, --binary``, ``--tag``, ``-l BIT``): the
#: term of a man page's option list, never a heading.
_OPTION_TERM = re.compile(r"^--?[A-Za-z0-9?@#]")
#: A multi-level section number ("4.4.1.", "D.5.", "2.4"): what starts a manual's heading.
_SECTION_NUMBER = re.compile(r"^(?:\d+|[A-Z])(?:\.\d+)+\.?\s")
#: A related-article headline is a sentence-like title: several words, capitalised like prose.
_HEADLINE_MIN_WORDS = 6
_TERMINAL = '.!?…»"):;,'
_MAX_HEADING_CHARS = 140


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading line of the cleaned text: ``text[start:end]``, with its depth (1 = top)."""

    start: int
    end: int
    level: int = 1


@dataclass(frozen=True, slots=True)
class CleanText:
    """The cleaned article: its text, the date field if any, and where its headings are."""

    text: str
    date: str | None = None
    headings: tuple[Heading, ...] = field(default_factory=tuple)
    #: For paged formats (PDF): ``page_starts[i]`` is where page ``i + 1`` begins in ``text``
    #: (a page without text begins where the next one does). Empty for other formats.
    page_starts: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph-level unit before assembly: body text, a heading, or a list item."""

    text: str
    kind: str  # "body" | "heading" | "item"
    level: int = 1
    page: int | None = None  # 1-based page the block starts on (paged formats only)


def normalise(text: str, keep_indent: bool = False) -> str:
    """Unicode NFC, ordinary spaces, straight apostrophes, ``\\n`` line ends, no invisibles.

    With ``keep_indent``, an indented line keeps one leading space (and only that) so that
    :func:`blocks_from_plain_text` can tell a man page's indented body from its headings.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _ODD_SPACES.sub(" ", text).translate(_APOSTROPHES)
    text = re.sub(r" {2,}", " ", text)
    if keep_indent:
        return "\n".join(line.rstrip() for line in text.split("\n"))
    return "\n".join(line.strip() for line in text.split("\n"))


def looks_like_heading(line: str) -> bool:
    """A short line that does not end a sentence with a period: a section title.

    Questions are allowed ("Open source : philosophie ou stratégie temporaire ?") because
    French sub-headings often are questions; a body sentence ends with a period.
    """
    if not line or len(line) > _MAX_HEADING_CHARS or _LIST_ITEM.match(line) or _OPTION_TERM.match(line):
        return False
    return line[-1] not in ".…:;,"


def looks_like_headline(line: str) -> bool:
    """A title that reads like a sentence (several words, starting with a capital, not shouted):
    what a related-article link looks like, unlike a man page's ``NOM`` or ``b2sum(1)``."""
    words = line.split()
    return (
        len(words) >= _HEADLINE_MIN_WORDS
        and line[0].isupper()
        and not line.isupper()
        and not _OPTION_TERM.match(line)
    )


def split_date_field(text: str) -> tuple[str, str | None]:
    """Remove a leading ``date YYYY-MM-DD`` field and return it separately."""
    match = _DATE_FIELD.match(text)
    if not match:
        return text, None
    return text[match.end() :], match.group(1)


def blocks_from_plain_text(text: str) -> list[Block]:
    """Paragraphs of a plain-text article: a line ending a sentence (or a heading, or a list
    item) ends its paragraph; other line breaks are soft wraps and become spaces.

    Man-page layout (lines kept indented by ``normalise(..., keep_indent=True)``): an indented
    line is body text, never a heading, and an option line (``-b, --binary``) starts a new
    paragraph that its description joins, so that an option and what it does stay together.
    """
    blocks: list[Block] = []
    pending: list[str] = []
    indented_bodies: set[int] = set()  # blocks whose first line was indented
    pending_indented = False

    def flush() -> None:
        if pending:
            if pending_indented:
                indented_bodies.add(len(blocks))
            blocks.append(Block(" ".join(pending), "body"))
            pending.clear()

    for raw_line in text.split("\n"):
        line = raw_line.strip()
        indented = raw_line[:1] == " "
        if line and not pending:
            pending_indented = indented
        if not line:
            flush()
        elif _LIST_ITEM.match(line):
            flush()
            blocks.append(Block(line, "item"))
        elif _OPTION_TERM.match(line):
            flush()
            pending_indented = indented
            pending.append(line)
            if line[-1] in '.!?…»"':
                flush()
        elif not pending and not indented and looks_like_heading(line):
            blocks.append(Block(line, "heading"))
        else:
            pending.append(line)
            if line[-1] in '.!?…»"':
                flush()
    flush()
    return _merge_wrapped_headings(blocks, indented_bodies)


def _merge_wrapped_headings(blocks: list[Block], indented_bodies: set[int]) -> list[Block]:
    """A "heading" followed by lowercase body text was in fact the start of a wrapped paragraph
    (unless that text is indented under it, as a man page's ``NOM`` section is, or the heading
    is numbered as a manual's section: "3.6.1. Généralités" over "tandis que le « Flou
    gaussien »…", "1.5.1. L'installateur : debian-installer" over "debian-installer, conçu…")."""
    merged: list[Block] = []
    for i, block in enumerate(blocks):
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.kind == "heading"
            and block.kind == "body"
            and block.text[:1].islower()
            and i not in indented_bodies
            and not _SECTION_NUMBER.match(previous.text)
        ):
            merged[-1] = Block(f"{previous.text} {block.text}", "body")
        else:
            merged.append(block)
    return merged


def drop_boilerplate(blocks: list[Block]) -> list[Block]:
    """Remove "Lire aussi" link blocks and related-article headlines that head no content.

    A "Lire aussi :" line takes the list items right after it (or its own inline title) with
    it. A headline-like heading immediately followed by another heading of its level or above,
    or ending the article, introduces nothing: on news sites that is a link to another
    article, not a section of this one. Short heading-like lines (a man page's ``b2sum(1)``,
    an option's description without a final period) and a title over its sub-heading stay.
    """
    kept: list[Block] = []
    skipping_links = False
    for block in blocks:
        match = _READ_ALSO.match(block.text) if block.kind != "item" else None
        if match and (block.kind == "heading" or len(block.text) <= _MAX_HEADING_CHARS):
            skipping_links = True
            continue
        if skipping_links and block.kind == "item":
            continue
        skipping_links = False
        kept.append(block)
    return [block for i, block in enumerate(kept) if not _heads_nothing(block, kept[i + 1 : i + 2])]


def _heads_nothing(block: Block, following: list[Block]) -> bool:
    """A stray related-article headline: followed by no content of its own."""
    if block.kind != "heading" or not looks_like_headline(block.text):
        return False
    if not following:
        return True
    after = following[0]
    return after.kind == "heading" and after.level <= block.level


def assemble(blocks: list[Block], date: str | None) -> CleanText:
    """Join blocks with blank lines and record where the headings (and pages) landed."""
    parts: list[str] = []
    headings: list[Heading] = []
    page_starts: list[int] = []
    offset = 0
    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        if parts:
            offset += 2  # the "\n\n" separator
        if block.kind == "heading":
            headings.append(Heading(offset, offset + len(text), block.level))
        if block.page is not None:
            page_starts += [offset] * (block.page - len(page_starts))
        parts.append(text)
        offset += len(text)
    if page_starts:
        page_starts[0] = 0
    return CleanText("\n\n".join(parts), date, tuple(headings), tuple(page_starts))


def clean_plain_text(raw: str) -> CleanText:
    """Clean a plain-text article (the bundled corpus's format)."""
    text, date = split_date_field(normalise(raw, keep_indent=True))
    return assemble(drop_boilerplate(blocks_from_plain_text(text)), date)


def clean_blocks(blocks: list[Block], date: str | None = None) -> CleanText:
    """Clean blocks that a structured loader (Markdown, HTML) already classified."""
    normalised = [
        Block(normalise(b.text).replace("\n", " ").strip(), b.kind, b.level, b.page) for b in blocks
    ]
    return assemble(drop_boilerplate([b for b in normalised if b.text]), date)
