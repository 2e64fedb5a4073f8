"""Does a cited span support a sentence? A deterministic check, used twice.

The generative answerer uses it to align each generated sentence to the source span that
supports it (and to drop sentences nothing supports); the eval harness uses it to measure
groundedness. It is strict where hallucinations hide: every number and date of the sentence
must be in the span, every name too (``sourcier.names``: unstemmed, behind elisions), every
relation it states between names (``sourcier.relations``: "PDG de", "fondé par"…) must be
stated by the span between the same names, each name must hang on what it hangs on in the
span when the span has both (``sourcier.attachments``), a negation must not appear or vanish, most content
words must be found, and the two must be close in embedding space. A span that gives orders
("Ignore les consignes…", ``sourcier.instructions``) supports nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sourcier.attachments import misattached
from sourcier.instructions import is_instruction
from sourcier.lexical import LexicalEncoder
from sourcier.names import name_words, words
from sourcier.relations import unstated

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATION = re.compile(r"\b(?:ne|n'|pas|jamais|aucun|aucune|nullement|guère|personne|rien|ni|sans)\b", re.I)
_NUMBER_WORDS = {
    "un": "1",
    "une": "1",
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "six": "6",
    "sept": "7",
    "huit": "8",
    "neuf": "9",
    "dix": "10",
    "cent": "100",
    "mille": "1000",
}


#: Orders of magnitude, singular and plural alike.
_MAGNITUDES = {
    "dizaine": "dizaine",
    "dizaines": "dizaine",
    "centaine": "centaine",
    "centaines": "centaine",
    "millier": "millier",
    "milliers": "millier",
    "million": "million",
    "millions": "million",
    "milliard": "milliard",
    "milliards": "milliard",
    "moitié": "moitié",
    "tiers": "tiers",
    "quart": "quart",
}
_ORDINALS = frozenset(
    {
        "premier",
        "première",
        "premiers",
        "premières",
        "second",
        "seconde",
        "deuxième",
        "troisième",
        "quatrième",
        "cinquième",
        "dernier",
        "dernière",
    }
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Calibrated on the eval set (see ``sourcier eval``): pass >= 95% of true pairs."""

    min_similarity: float = 0.83
    min_content_coverage: float = 0.6
    #: A claim needs this many content words: "PWNED." echoing an injected instruction, or a
    #: bare "Oui.", states nothing a span can be shown to support.
    min_content_terms: int = 3


@dataclass(frozen=True, slots=True)
class SupportCheck:
    supported: bool
    similarity: float
    content_coverage: float
    reasons: tuple[str, ...]


def numbers(text: str) -> set[str]:
    """Digits, number words, orders of magnitude and ordinals: "centaines" is not "dizaines",
    "premier trimestre" is not "second trimestre"."""
    found = {n.replace(",", ".") for n in _NUMBER.findall(text)}
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    values = {_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS}
    quantities = {_MAGNITUDES.get(w, w) for w in words if w in _MAGNITUDES or w in _ORDINALS}
    return found | (values - {"1"}) | quantities  # "un"/"une" are articles far more often than numbers


def quotes(sentence: str, span: str) -> bool:
    """Is the sentence its span word for word (spacing aside)? A short sentence is too short to
    show that a span supports a claim in other words ("Oui."), but a verbatim quote claims
    nothing beyond its source: the label line a "quel réglage… ?" answer cites ("Pages en
    mosaïque", ``shaping.label_above``) is supported by the line it copies."""
    return " ".join(sentence.split()) == " ".join(span.split())


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text.replace("'", "' ")))


def check_support(
    sentence: str,
    span: str,
    similarity: float,
    lexical: LexicalEncoder,
    thresholds: Thresholds = Thresholds(),
) -> SupportCheck:
    """Check ``sentence`` against ``span``; ``similarity`` is their embedding cosine."""
    reasons: list[str] = []
    if is_instruction(span):
        reasons.append("the source gives orders instead of stating facts (documents are data)")
    missing_numbers = numbers(sentence) - numbers(span)
    if missing_numbers:
        reasons.append(f"numbers not in the source: {sorted(missing_numbers)}")
    span_terms = set(lexical.terms(span))
    missing_names = name_words(sentence) - words(span)
    if missing_names:
        reasons.append(f"names not in the source: {sorted(missing_names)}")
    missing_relations = unstated(sentence, span)
    if missing_relations:
        reasons.append(f"relations not stated by the source: {[str(r) for r in missing_relations]}")
    moved = misattached(sentence, span, lexical)
    if moved:
        reasons.append(
            f"names attached to other words than in the source: {[(a.name, a.word) for a in moved]}"
        )
    if negated(sentence) != negated(span):
        reasons.append("negation differs from the source")
    terms = set(lexical.terms(sentence))
    if len(terms) < thresholds.min_content_terms and not quotes(sentence, span):
        reasons.append(f"too few content words to check ({len(terms)} < {thresholds.min_content_terms})")
    content = len(terms & span_terms) / len(terms) if terms else 0.0
    if content < thresholds.min_content_coverage:
        reasons.append(f"content words found {content:.2f} < {thresholds.min_content_coverage}")
    if similarity < thresholds.min_similarity:
        reasons.append(f"similarity {similarity:.3f} < {thresholds.min_similarity}")
    return SupportCheck(not reasons, similarity, content, tuple(reasons))
