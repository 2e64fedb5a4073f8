"""Does a cited span support a sentence? A deterministic check, used twice.

The generative answerer uses it to align each generated sentence to the source span that
supports it (and to drop sentences nothing supports); the eval harness uses it to measure
groundedness. It is strict where hallucinations hide: every number and date of the sentence
must be in the span, every name too, a negation must not appear or vanish, most content
words must be found, and the two must be close in embedding space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sourcier.lexical import LexicalEncoder

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-Ý][\w-]*|\b[A-Z]{2,}\w*")
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


#: Capitalised after a colon or parenthesis, but not names.
_QUESTION_WORDS = frozenset(
    {
        "pourquoi",
        "comment",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "qui",
        "quand",
        "où",
        "combien",
        "que",
        "qu",
    }
)


#: Acronyms of common nouns (titles, "IA"): written in capitals, yet no one's name.
_COMMON_ACRONYMS = frozenset({"pdg", "dg", "ceo", "cto", "drh", "ia", "ai", "pme", "tpe", "ong", "ue"})


def names(text: str, lexical: LexicalEncoder) -> set[str]:
    """Terms of capitalised words that do not open a sentence: names, acronyms, products."""
    return {
        t
        for word in _NAME.findall(text)
        if word.lower() not in _QUESTION_WORDS and word.lower() not in _COMMON_ACRONYMS
        for t in lexical.terms(word)
    }


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
    missing_numbers = numbers(sentence) - numbers(span)
    if missing_numbers:
        reasons.append(f"numbers not in the source: {sorted(missing_numbers)}")
    span_terms = set(lexical.terms(span))
    missing_names = names(sentence, lexical) - span_terms
    if missing_names:
        reasons.append(f"names not in the source: {sorted(missing_names)}")
    if negated(sentence) != negated(span):
        reasons.append("negation differs from the source")
    terms = set(lexical.terms(sentence))
    if len(terms) < thresholds.min_content_terms:
        reasons.append(f"too few content words to check ({len(terms)} < {thresholds.min_content_terms})")
    content = len(terms & span_terms) / len(terms) if terms else 0.0
    if content < thresholds.min_content_coverage:
        reasons.append(f"content words found {content:.2f} < {thresholds.min_content_coverage}")
    if similarity < thresholds.min_similarity:
        reasons.append(f"similarity {similarity:.3f} < {thresholds.min_similarity}")
    return SupportCheck(not reasons, similarity, content, tuple(reasons))
