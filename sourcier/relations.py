"""Relations between names: who heads, founded, develops or bought what, as a sentence states it.

Why: words co-occurring is not a statement. "Le PDG d'OpenAI est Mark Zuckerberg" uses only
names and words of the corpus, yet the corpus never links Zuckerberg to OpenAI, and "l'ancien
patron de Scale AI" does not say who founded Scale AI. A cited span supports a sentence only if,
for every relation the sentence states, the span states the same relation (same family: "PDG
de" = "patron de" = "dirigé par" ≠ "fondé par") between the same names.

A relation is read from a trigger phrase and the names around it, in one clause:

- "PDG/patron/fondateur/… de X", "à la tête de X", "a fondé X", "dirige X": X is the
  *organisation*; the holder is the nearest name before the trigger ("Alexandr Wang, l'ancien
  patron de Scale AI") or, failing that, the first after X ("Le PDG d'OpenAI est Mark Zuckerberg");
- "dirigé/fondé/développé/racheté par X", "sous la houlette de X": X is the *holder*; the
  organisation is the nearest name before the trigger ("Le TBD Lab est dirigé par Yann LeCun").

A slot the clause does not fill stays empty ("Sous la houlette d'Alexandr Wang, ce
laboratoire…": the holder is named, the laboratory only referred to; "directeur de l'IA": a job,
no organisation named). What each name hangs on, beyond these roles, is ``sourcier.attachments``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sourcier.names import Name, find_names, same_name, words

#: Relation families and their triggers. ``org`` triggers are followed by the organisation (or
#: product) and preceded by the holder; ``holder`` triggers are followed by the holder.
_TITLE = (
    r"(?:PDG|P\.-D\.G\.|CEO|DG|directeur général|directrice générale|patron|patronne|dirigeant|dirigeante|"
    r"président|présidente|chef|patron|directeur|directrice|boss|numéro un|responsable)"
)
FAMILIES: dict[str, tuple[tuple[str, str], ...]] = {
    "head": (
        (rf"\b{_TITLE}\s+(?:exécutif\s+|général\s+)?(?:de|d'|du|des)", "org"),
        (r"\bà la tête (?:de|d'|du|des)", "org"),
        (r"\b(?:dirige|dirigeait|dirigera|dirigent|préside|présidait|pilote|pilotait)\b", "org"),
        (r"\b(?:dirigée?s?|présidée?s?|pilotée?s?)\s+par\b", "holder"),
        (
            r"\bsous (?:la houlette|la direction|la conduite|l'égide|la responsabilité) (?:de|d'|du|des)",
            "holder",
        ),
    ),
    "founder": (
        (r"\b(?:co-?)?(?:fondateur|fondatrice|fondateurs|créateur|créatrice)\s+(?:de|d'|du|des)", "org"),
        (r"\b(?:a|ont|avait|avaient)\s+(?:co-?)?(?:fondé|créé)\b", "org"),
        (r"\b(?:co-?)?(?:fonde|fondait|fonda|crée|créa)\b", "org"),
        (r"\b(?:co-?)?(?:fondée?s?|créée?s?)\s+(?:en\s+\d{4}\s+)?par\b", "holder"),
    ),
    "develops": (
        (r"\b(?:développe|développait|développent|conçoit|conçu|a développé|ont développé)\b", "org"),
        (r"\b(?:développée?s?|conçue?s?|entraînée?s?)\s+par\b", "holder"),
    ),
    "acquires": (
        (r"\b(?:rachète|rachetait|a racheté|ont racheté|acquiert|a acquis|rachat (?:de|d'|du|des))", "org"),
        (r"\b(?:rachetée?s?|acquise?s?)\s+par\b", "holder"),
    ),
}
_TRIGGERS = tuple(
    (family, slot, re.compile(pattern, re.IGNORECASE))
    for family, patterns in FAMILIES.items()
    for pattern, slot in patterns
)
#: Clauses end at these (commas do not end one: "Alexandr Wang, l'ancien patron de Scale AI").
_CLAUSE_END = re.compile(r"[.;:!?()\n]|\bmais\b|\btandis que\b")
#: What may stand between a trigger and the name it governs: articles and a few adjectives.
_GAP = re.compile(
    r"^(?:\s|l'|la\b|le\b|les\b|un\b|une\b|son\b|sa\b|ses\b|leur\b|ancien\b|ancienne\b|actuel\b|"
    r"actuelle\b|nouveau\b|nouvelle\b|«|»|\"|“|”)*$",
    re.IGNORECASE,
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


@dataclass(frozen=True, slots=True)
class Relation:
    """``holder`` heads/founded/develops/bought ``org`` (``family``); an empty slot is None."""

    family: str
    org: str | None
    holder: str | None


def _clause(text: str, at: int) -> tuple[int, int]:
    starts = [m.end() for m in _CLAUSE_END.finditer(text, 0, at)]
    end = _CLAUSE_END.search(text, at)
    return (starts[-1] if starts else 0), (end.start() if end else len(text))


def _governed(text: str, after: int, names: list[Name], limit: int) -> Name | None:
    """The name right after a trigger, past articles only (None when a common noun comes first)."""
    for name in names:
        if after <= name.start < limit:
            return name if _GAP.match(text[after : name.start]) else None
    return None


def relations(text: str) -> list[Relation]:
    """Every relation the text states between names (see the module doc), in order."""
    text = text.translate(_APOSTROPHES)
    names = find_names(text)
    found: list[Relation] = []
    taken: set[tuple[int, int]] = set()
    for family, slot, trigger in _TRIGGERS:
        for match in trigger.finditer(text):
            if any(a <= match.start() < b for a, b in taken):
                continue  # "a fondé" already read; "fondé" alone must not read it again
            taken.add((match.start(), match.end()))
            begin, end = _clause(text, match.start())
            object_ = _governed(text, match.end(), names, end)
            if object_ is None and slot == "holder":
                continue  # "mené par une unité d'élite": no one named
            before = [n for n in names if begin <= n.start and n.end <= match.start()]
            other = before[-1] if before else None
            if other is None and slot == "org" and object_ is not None:
                after = [n for n in names if object_.end <= n.start < end]
                other = after[0] if after else None
            org, holder = (object_, other) if slot == "org" else (other, object_)
            found.append(Relation(family, org.text if org else None, holder.text if holder else None))
    return found


def states(claim: Relation, stated: Relation) -> bool:
    """Does ``stated`` (read in a source) say what ``claim`` says? Same family, and each slot the
    claim fills filled by the same name (an empty slot of the claim asks nothing)."""
    return (
        claim.family == stated.family
        and (claim.org is None or (stated.org is not None and same_name(claim.org, stated.org)))
        and (claim.holder is None or (stated.holder is not None and same_name(claim.holder, stated.holder)))
    )


def unstated(sentence: str, span: str) -> list[Relation]:
    """The relations of ``sentence`` that ``span`` does not state."""
    stated = relations(span)
    return [claim for claim in relations(sentence) if not any(states(claim, s) for s in stated)]


_WHO = re.compile(r"^\s*(?:et\s+)?(?:par\s+)?qui\b", re.IGNORECASE)


def asked_relation(question: str) -> Relation | None:
    """The relation a "who" question asks about, with the holder to find: "Qui est le PDG
    d'OpenAI ?" → (head, OpenAI, ?), "Qui a fondé Scale AI ?" → (founder, Scale AI, ?). None for
    other questions, or when the question names no organisation."""
    if not _WHO.match(question):
        return None
    return next((r for r in relations(question) if r.holder is None and r.org is not None), None)


def answers(asked: Relation, sentence: str, context: str) -> bool:
    """Does ``sentence`` name who stands in the ``asked`` relation? It must state a relation of
    the same family naming a holder, about the asked organisation — or about one it only refers
    to ("ce laboratoire") when its ``context`` (chunk, title) names the organisation."""
    assert asked.org is not None
    context_words = words(context)
    return any(
        stated.family == asked.family
        and stated.holder is not None
        and (
            same_name(asked.org, stated.org) if stated.org is not None else words(asked.org) <= context_words
        )
        for stated in relations(sentence)
    )
