"""What each name hangs on in its clause, and whether a source hangs it on the same thing.

Why: beyond the role relations of ``sourcier.relations``, a name moved to another place of a
true sentence keeps every word in the source and changes who did what: "Alexandr Wang, l'ancien
patron de Meta" (the source says "de Scale AI"), "Apple recrute Ruoming Pang d'Apple", "Bloomberg
et Avocado" (the source says "et CNBC"). A name hangs on the content word next to it, past
articles and "de" ("patron de Meta", "Meta recrute"), or on another name joined to it
("Ruoming Pang d'Apple", "Bloomberg et CNBC", "Labs (MSL)"). A claim contradicts its source when
the source has both the name and what the claim hangs it on, but not hung on each other. A word
the source lacks is left to the content-word check: a faithful paraphrase changes words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sourcier.lexical import STOP_WORDS, LexicalEncoder
from sourcier.names import find_names, same_name

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})
#: Words an attachment may skip between a name and the word it hangs on ("patron de la Meta",
#: "acteurs comme la Chine", "laboratoire “Superintelligence Lab”", "Labs (MSL)").
_LINKS = frozenset(
    {"de", "d", "du", "des", "l", "la", "le", "les", "un", "une", "à", "au", "aux", "comme"} | set('(«»"“”')
)
#: Joins two names ("Bloomberg et CNBC"), never a name and a word.
_COORDINATION = frozenset({"et", "ou"})
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*|[,;:.!?()«»\"“”\n—–]")
_PUNCTUATION = frozenset(',;:.!?()«»"“”\n—–')


@dataclass(frozen=True, slots=True)
class Attachment:
    """A name and what it hangs on, next to it in its clause: a content word on its left ("patron
    de Meta": the word that governs it) or right ("Meta recrute": what it does), or another name
    ("Ruoming Pang d'Apple", "Bloomberg et CNBC", "Labs (MSL)")."""

    name: str
    word: str
    left: bool
    to_name: bool = False


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(token, is_name) in order: a name is one token; elisions are split off; punctuation kept."""
    text = text.translate(_APOSTROPHES)
    names = find_names(text)
    out: list[tuple[str, bool]] = []
    at = 0
    for name in [*names, None]:
        stop = name.start if name else len(text)
        for match in _TOKEN.finditer(text[at:stop].replace("'", "' ")):
            token = match.group(0).lower()
            if token.endswith("'"):
                token = token[:-1]
            out.append((token, False))
        if name:
            out.append((name.text, True))
            at = name.end
    return out


def _neighbour(tokens: list[tuple[str, bool]], i: int, step: int) -> tuple[str, bool] | None:
    """What name ``i`` hangs on in direction ``step``: the first content word or name past at
    most two link words (a stop word going right: "Meta aurait terminé"), within the clause.
    None when punctuation or a stop word comes first. (text, is a name)."""
    skipped = 0
    j = i + step
    while 0 <= j < len(tokens):
        token, is_name = tokens[j]
        if is_name:
            return token, True
        if token in _COORDINATION:
            k = j + step
            return tokens[k] if 0 <= k < len(tokens) and tokens[k][1] else None
        if token in _LINKS or (step > 0 and token in STOP_WORDS):
            skipped += 1
            if skipped > 2:
                return None
        elif token in _PUNCTUATION or token in STOP_WORDS or token.isdigit():
            return None
        else:
            return token, False
        j += step
    return None


def attachments(text: str) -> list[Attachment]:
    """What each name of ``text`` hangs on (see :class:`Attachment`)."""
    tokens = _tokens(text)
    out = []
    for i, (token, is_name) in enumerate(tokens):
        if not is_name:
            continue
        for step in (-1, 1):
            found = _neighbour(tokens, i, step)
            if found is not None:
                out.append(Attachment(token, found[0], step < 0, found[1]))
    # the second of two joined names shares what the first hangs on: "rapports de Bloomberg et CNBC"
    shared = [
        Attachment(a.name, b.word, True)
        for a in out
        if a.to_name and a.left
        for b in out
        if b.name == a.word and b.left and not b.to_name
    ]
    return out + shared


def _hangs_alike(claim: Attachment, stated: Attachment, lexical: LexicalEncoder) -> bool:
    if claim.to_name:  # names hang on each other both ways: "CNBC et Bloomberg" says the same
        return stated.to_name and (
            (same_name(claim.name, stated.name) and same_name(claim.word, stated.word))
            or (same_name(claim.name, stated.word) and same_name(claim.word, stated.name))
        )
    return (
        not stated.to_name
        and stated.left == claim.left
        and same_name(claim.name, stated.name)
        and lexical.terms(stated.word) == lexical.terms(claim.word)
    )


def misattached(sentence: str, span: str, lexical: LexicalEncoder) -> list[Attachment]:
    """The attachments of ``sentence`` that ``span`` contradicts: the span has the name and the
    word (or other name) it hangs on, but not hung on each other. A word the span lacks is left
    to the content-word check: a faithful paraphrase changes words ("patron" → "dirigeant")."""
    stated = attachments(span)
    span_names = find_names(span)
    span_terms = set(lexical.terms(span))
    out = []
    for claim in attachments(sentence):
        if not any(same_name(claim.name, n.text) for n in span_names):
            continue  # a name the span lacks is the names check's to report
        if claim.to_name:
            present = any(same_name(claim.word, n.text) for n in span_names)
        else:
            stems = set(lexical.terms(claim.word))
            present = bool(stems) and stems <= span_terms
        if present and not any(_hangs_alike(claim, s, lexical) for s in stated):
            out.append(claim)
    return out
