"""The kind of answer a question expects, and whether a sentence can provide it.

"Combien de paramètres compte Behemoth ?" needs a quantity; "En quelle année… ?" needs a date;
"Quel est le prix… ?" needs money (a currency, or millions/milliards), not just any number;
"Avec la commande tac, quelle option… ?" needs a command-line option (``-s``, ``--separator``).
A sentence about Behemoth with no quantity in it cannot answer the first, however similar it
is, nor the NAME line of a man page the second: this is what separates questions the corpus
answers from questions it merely touches, which similarity scores alone cannot do.
"""

from __future__ import annotations

import re
from enum import Enum

_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|"
    "septembre|octobre|novembre|décembre|decembre"
)


class AnswerType(Enum):
    ANY = "any"
    QUANTITY = "quantity"
    MONEY = "money"
    DATE = "date"
    NAME = "name"
    OPTION = "option"


_QUESTION_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        AnswerType.DATE,
        re.compile(
            r"\b(?:quand|depuis quand|jusqu'à quand|en quelle année|à quelle date|quelle date|"
            r"quel jour|quel mois|quelle année|en quel mois|à quel moment)\b",
            re.I,
        ),
    ),
    (
        AnswerType.MONEY,
        re.compile(
            r"\b(?:quel prix|quel est le prix|le prix|combien coûte|combien a coûté|combien coûtera|"
            r"quel coût|quel montant|quel budget|quel salaire|quel est le salaire|quel tarif|quelle somme|"
            r"quelles sommes|combien d'argent|combien de dollars|combien d'euros)\b",
            re.I,
        ),
    ),
    (
        AnswerType.QUANTITY,
        re.compile(
            r"\b(?:combien|quel nombre|quel montant|quelle somme|quel prix|quel est le prix|quel salaire|"
            r"quel est le salaire|quel coût|quel budget|quel score|quel âge|quelle taille|quelle part|"
            r"quel pourcentage|quelle quantité|quel chiffre)\b",
            re.I,
        ),
    ),
    (AnswerType.OPTION, re.compile(r"\bquel(?:le)?s?\s+options?\b", re.I)),
    (
        AnswerType.NAME,
        re.compile(
            r"\b(?:quel est le nom|quel nom|comment s'appelle|comment se nomme|comment est nommé)\b", re.I
        ),
    ),
)

_QUANTITY = re.compile(
    r"\d|\b(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|vingt|trente|quarante|"
    r"cinquante|soixante|cent|cents|mille|dizaines?|centaines?|milliers?|millions?|milliards?|"
    r"moitié|tiers|quart|double|triple)\b",
    re.I,
)
_MONEY = re.compile(
    r"[€$£]|\b(?:euros?|dollars?|livres sterling|USD|EUR|millions?|milliards?|centaines de milliers)\b", re.I
)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_DATE = re.compile(
    # "été" is a season only after an article ("en été", "l'été"): "a été" is a verb
    rf"(?:\b(?:en|cet|d'|l')\s?été\b)|\b(?:1[89]\d\d|20\d\d|{_MONTHS}|trimestre|semestre|printemps|automne|hiver|"
    r"hier|aujourd'hui|demain|récemment|depuis|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b",
    re.I,
)
#: A command-line option: "-s", "-X", "--separator", "--color=auto" (not the "-" of "mono-utilisateur"
#: nor the dash of "tac - concaténer…").
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z0-9][\w-]*")
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?] )\b[A-ZÀ-Ý][\w-]+")


def expected_type(question: str) -> AnswerType:
    """What the question asks for, judged from its interrogative phrase."""
    normalised = question.replace("’", "'")
    for answer_type, pattern in _QUESTION_PATTERNS:
        if pattern.search(normalised):
            return answer_type
    return AnswerType.ANY


def provides(answer_type: AnswerType, sentence: str, question: str) -> bool:
    """Can ``sentence`` supply an answer of this type that the question does not already contain?"""
    if answer_type is AnswerType.ANY:
        return True
    asked = {w.lower() for w in re.findall(r"\w+", question)}
    if answer_type is AnswerType.MONEY:
        return any(m.group(0).lower() not in asked for m in _MONEY.finditer(sentence))
    if answer_type is AnswerType.QUANTITY:
        return any(
            m.group(0).lower() not in asked
            and not _part_of_name(sentence, m.start())
            and not _is_year(sentence, m.start())
            for m in _QUANTITY.finditer(sentence)
        )
    if answer_type is AnswerType.DATE:
        return any(m.group(0).lower() not in asked for m in _DATE.finditer(sentence))
    if answer_type is AnswerType.OPTION:  # one the question does not quote ("identique à -l")
        quoted = set(_OPTION.findall(question))
        return any(option not in quoted for option in _OPTION.findall(sentence))
    return any(m.group(0).lower() not in asked for m in _CAPITALISED.finditer(sentence))


def _part_of_name(sentence: str, at: int) -> bool:
    """A digit right after a capitalised word is a version, not a quantity ("Llama 4")."""
    before = sentence[:at].rstrip().rsplit(" ", 1)[-1]
    return sentence[at].isdigit() and before[:1].isupper()


def _is_year(sentence: str, at: int) -> bool:
    """A bare 19xx/20xx number is a year: "le printemps 2026" gives a date, not a quantity."""
    if not sentence[at].isdigit():
        return False
    start = at
    while start > 0 and sentence[start - 1].isdigit():
        start -= 1
    end = at
    while end < len(sentence) and sentence[end].isdigit():
        end += 1
    return bool(_YEAR.match(sentence[start:end]))
