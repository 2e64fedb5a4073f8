"""Why a file cannot be ingested: a stable code, and a reason in French.

Callers branch on the ``code`` (the API's HTTP status, the chat's sentence), never on the wording
of the ``reason``, which is for people: the CLI prints it and the API sends it as is, so it is
French like everything a user reads.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

FailureCode = Literal[
    "file_missing",  # the path does not exist
    "unsupported_file",  # a suffix the loaders do not read
    "file_too_large",  # over SOURCIER_MAX_FILE_BYTES
    "unreadable_file",  # the operating system refused to read it
    "empty_file",  # nothing but whitespace
    "wrong_content",  # a .pdf or .docx whose bytes are of another type
    "binary_file",  # a text suffix on binary content (NUL bytes)
    "not_utf8",  # text that is not valid UTF-8
    "no_text",  # nothing left once cleaned (an HTML page of navigation only, …)
    "pdf_no_text_layer",  # a scanned PDF: nothing to cite without OCR
    "pdf_encrypted",  # a PDF behind a password
    "pdf_unreadable",  # a damaged PDF
    "docx_unreadable",  # a damaged Word document
    "duplicate_document_id",  # two files of one run would be the same document
    "invalid_file_name",  # an upload without a usable name
    "invalid_document_id",  # an upload under an id that cannot be a path below the uploads
]

#: The suffixes people can send, as the reasons name them.
ACCEPTED = ".txt, .md, .html, .pdf ou .docx"


class Failure(NamedTuple):
    """One file an ingest run could not take: which, why (code) and why (in French)."""

    path: str
    code: str  # a FailureCode, or a server's own code when the CLI uploaded the file
    reason: str


class RejectedFileError(Exception):
    """A file refused for ingestion; ``str()`` is the French ``reason``."""

    def __init__(self, code: FailureCode, reason: str) -> None:
        super().__init__(reason)
        self.code: FailureCode = code
        self.reason = reason


def bytes_text(count: int) -> str:
    """A byte count as French writes it: ``20 000 000 octets``."""
    return f"{count:,} octets".replace(",", " ")


def unsupported_reason(suffix: str) -> str:
    return f"type de fichier {suffix or '(sans extension)'} non pris en charge (acceptés : {ACCEPTED})"


def too_large_reason(size: int, limit: int) -> str:
    return f"fichier trop volumineux ({bytes_text(size)} ; limite : {bytes_text(limit)})"


MISSING_REASON = "fichier introuvable"
