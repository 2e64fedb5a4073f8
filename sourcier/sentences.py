"""French sentence segmentation that returns character spans into the original text.

Why not a library: llama-index's splitters and NLTK's punkt return strings, not offsets, and
punkt's French model is a download. Citations need exact spans, so segmentation here is a
small rule set written for French typography: a space before ``?``/``!``/``:``, guillemets,
abbreviations such as ``M.``/``Mme``/``etc.``, acronyms in parentheses and numbers like
``2025-12-11``, ``3.5`` or ``180°``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Abbreviations after which a period does not end a sentence (lowercased, without the period).
ABBREVIATIONS = frozenset(
    {
        "m",
        "mm",
        "mme",
        "mmes",
        "mlle",
        "mlles",
        "dr",
        "pr",
        "me",
        "mgr",
        "st",
        "ste",
        "cf",
        "ex",
        "p",
        "pp",
        "vol",
        "chap",
        "fig",
        "no",
        "n°",
        "env",
        "av",
        "apr",
        "j.-c",
        "art",
        "al",
        "éd",
        "coll",
        "dir",
        "trad",
        "op",
        "cit",
        "ibid",
        "ca",
        "min",
        "max",
        "tél",
        "janv",
        "févr",
        "sept",
        "oct",
        "nov",
        "déc",
        "inc",
        "ltd",
        "co",
        "vs",
        "etc",
    }
)
#: Abbreviations that may also end a sentence when the next word starts with a capital.
_ENDING_ABBREVIATIONS = frozenset({"etc", "inc", "ltd", "co", "al"})

# A candidate boundary: terminal punctuation (optionally spaced, as French typography puts a
# space before ? and !), closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"(?:\s?[?!]+|\.{3}|…|\.)(?:[ ]?[»\"”)\]])*(?=\s)")
_WORD_BEFORE = re.compile(r"([\w°.-]+)$")
_NEXT_START = re.compile(r"\s+([«\"“(\[—–-]?\s?)(\S)")


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]``: a sentence without its surrounding whitespace."""

    start: int
    end: int


def _is_abbreviation(text: str, dot: int, next_char: str) -> bool:
    """Does the period at ``dot`` belong to an abbreviation or an initial, not a sentence end?"""
    match = _WORD_BEFORE.search(text, 0, dot)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in _ENDING_ABBREVIATIONS:
        return not next_char.isupper()
    if word in ABBREVIATIONS:
        return True
    # A single capital letter ("J. Dupont") or dotted acronym ("U.S.") is an initial.
    return len(word.replace(".", "")) == 1 and word[-1:].isalpha()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split ``text[start:end]`` into sentence spans; a blank line or line break always ends one."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        spans.extend(_line_spans(text, start + line.start(), start + line.end()))
    return spans


@lru_cache(maxsize=8192)
def chunk_sentence_spans(text: str) -> tuple[Span, ...]:
    """:func:`sentence_spans` of a chunk's text, remembered: answering splits the same retrieved
    chunks for every question and several times per question (evidence, shaping). Chunks only,
    never whole documents, so that the cache stays small."""
    return tuple(sentence_spans(text))


def _line_spans(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    sentence_start = start
    for match in _BOUNDARY.finditer(text, start, end):
        boundary = match.end()
        following = _NEXT_START.match(text, boundary, end)
        if following is None:
            continue
        next_char = following.group(2)
        # A new sentence starts with a capital, a digit, or an opening quote/dash.
        if not (next_char.isupper() or next_char.isdigit() or following.group(1).strip()):
            continue
        if match.group(0).endswith(".") and _is_abbreviation(text, match.end() - 1, next_char):
            continue
        _append(spans, text, sentence_start, boundary)
        sentence_start = boundary
    _append(spans, text, sentence_start, end)
    return spans


def _append(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings (for tests and quick use)."""
    return [text[s.start : s.end] for s in sentence_spans(text)]
