"""Corruptions that keep every word in the corpus and change who did what (issue 13).

A verifier that only checks that the sentence's names and words occur in the cited span passes
"Le PDG d'OpenAI est Mark Zuckerberg" (both names are in the corpus). These edits make such
sentences out of correct answers, each reported as its own kind by the self-test:

- ``relation_swap``: one side of a relation replaced by another entity — one of the cited span
  when it has one (every name stays in the span: only the link is false), else of the corpus;
- ``elided_name``: a name the span lacks put behind an elision ("de Meta" → "d'OpenAI"), where
  word-level checks that stem or skip elided words go blind;
- ``wrong_entity``: the sentence's first name replaced by another entity of the corpus, and the
  whole cited to the corpus sentence about that entity most like it (what a model would cite);
- ``premise``: a premise of an unanswerable question stated as answered by a name of the source
  ("Quel est le salaire d'Alexandr Wang ?" → "Le salaire d'Alexandr Wang est Meta.").

All are deterministic for a given ``random.Random``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from sourcier.names import Name, find_names, words
from sourcier.relations import relations

KINDS = ("relation_swap", "elided_name", "wrong_entity", "premise")
T = TypeVar("T")

_VOWEL = "AEIOUYÀÂÉÈÊËÎÏÔÙÛÜaeiouyàâéèêëîïôùûü"
#: Elided forms and their full forms (before a name starting with a consonant).
_ELIDED = {"d'": "de ", "l'": "le ", "qu'": "que "}  # "lorsqu'" ends with "qu'": "lorsque "
_ELIDABLE = re.compile(r"\b(de|que|lorsque|jusque|puisque|le|la)\s$", re.IGNORECASE)
_PREMISE = re.compile(
    r"^(?:Qui|Quel|Quelle|Quels|Quelles) (?:est|sont|était|étaient|sera|serait) "
    r"(?P<premise>(?:le |la |les |l')[^?:]+?)\s*\?$"
)


def _put(text: str, name: Name, replacement: str) -> str:
    """``text`` with ``name`` replaced, the elision before it made or unmade as French needs."""
    before, after = text[: name.start].replace("’", "'"), text[name.end :]
    if replacement[:1] not in _VOWEL:
        for elided, full in _ELIDED.items():
            if before.lower().endswith(elided):
                cut = len(before) - len(elided)
                return before[:cut] + _case(before[cut], full) + replacement + after
        return before + replacement + after
    match = _ELIDABLE.search(before)
    if match:
        word = match.group(1)
        elided = word[0] + ("" if word.lower() in {"le", "la"} else word[1:-1]) + "'"
        return before[: match.start()] + elided + replacement + after
    return before + replacement + after


def _case(first: str, full: str) -> str:
    return full[0].upper() + full[1:] if first.isupper() else full


def _absent(entity: str, span: str) -> bool:
    return not words(entity) <= words(span)


def relation_swap(text: str, span: str, entities: Sequence[str], rng: random.Random) -> str | None:
    """Replace one side of a relation of ``text`` (see the module doc; None without a name)."""
    names = find_names(text)
    if not names:
        return None
    sides = {side for r in relations(text) for side in (r.org, r.holder) if side}
    targets = [n for n in names if n.text in sides] or names
    target = rng.choice(targets)
    in_span = [n.text for n in find_names(span) if not words(n.text) & words(target.text)]
    pool = sorted(set(in_span)) or [e for e in entities if _absent(e, span) and e not in target.text]
    if not pool:
        return None
    return _put(text, target, rng.choice(pool))


def elided_name(text: str, span: str, entities: Sequence[str], rng: random.Random) -> str | None:
    """Put a name the span lacks, starting with a vowel, behind an elision (None when no name of
    ``text`` stands where French elides)."""
    spots = [n for n in find_names(text) if n.elided or _ELIDABLE.search(text[: n.start])]
    pool = [e for e in entities if e[:1] in _VOWEL and _absent(e, span)]
    if not spots or not pool:
        return None
    return _put(text, rng.choice(spots), rng.choice(pool))


def wrong_entity(
    text: str, entities: Sequence[str], about: Iterable[tuple[str, T]], rng: random.Random
) -> tuple[str, T] | None:
    """The sentence's first name replaced by another entity of the corpus, taken from the first
    sentence of ``about`` — (sentence text, anything to return with it), most similar first —
    that names one. None when ``text`` has no name or no sentence names another entity. Reads
    ``about`` only as far as needed (a corpus has thousands of sentences)."""
    names = find_names(text)
    if not names:
        return None
    subject = words(names[0].text)
    known = set(entities)
    for sentence, cited in about:
        others = sorted(
            {n.text for n in find_names(sentence) if n.text in known and not words(n.text) & subject}
        )
        if others:
            return _put(text, names[0], rng.choice(others)), cited
    return None


def question_premises(questions: Iterable[str]) -> list[str]:
    """The premises of "Quel est le X de Y ?" questions: "le X de Y"."""
    return [m.group("premise") for q in questions if (m := _PREMISE.match(q.strip().replace("’", "'")))]


def premise(text: str, premises: Sequence[str], rng: random.Random) -> str | None:
    """A premise stated as answered by a name of ``text`` (None without a name or a premise)."""
    names = find_names(text)
    if not names or not premises:
        return None
    stated = rng.choice(premises)
    answer = rng.choice([n for n in names if not words(n.text) <= words(stated)] or names)
    return f"{stated[0].upper()}{stated[1:]} est {answer.text}."
