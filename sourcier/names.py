"""Names in French text, found one way for questions, answers and sources.

Why one place: the grounding check, the abstention and the sentence ranker each ask "which
names does this text mention?", and a name one of them misses is a hole the others cannot
close ("Le PDG d'OpenAI…" must yield OpenAI for all three). The rules:

- a name is a run of capitalised words ("Mark Zuckerberg", "Google DeepMind", "Scale AI",
  "Jean-Luc Mélenchon", "TBD Lab"), possibly with a version number ("Llama 4");
- behind an elision (``d'``, ``l'``, ``qu'``, ``lorsqu'``, ``jusqu'``…) a capitalised word is a
  name even at the start of a sentence ("L'Élysée", "D'OpenAI"); a lower-case one never is
  ("jusqu'à", "l'entreprise");
- at the start of a sentence a single capitalised word is a name unless it is a word that
  opens French sentences (articles, pronouns, question words, connectives, ``-ment`` adverbs);
  inside a sentence any capitalised word is;
- acronyms of common nouns ("PDG", "IA", "CEO") are titles, not names;
- a name in « » or quotes is found the same way ("« Avocado »").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sourcier.lexical import STOP_WORDS, LexicalEncoder, fold_accents

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
#: Elided words, longest first so "lorsqu'" is not read as "qu'".
ELISIONS = ("presqu", "quoiqu", "lorsqu", "puisqu", "jusqu", "qu", "l", "d", "j", "n", "s", "c", "m", "t")
_UPPER = "A-ZÀ-ÖØ-Þ"
_WORD = rf"[{_UPPER}][\w]*(?:['-][\w]+)*"  # "Jean-Luc", "O'Reilly", "Ts'o"
#: One capitalised word, or a run of them (a whole number may close it: "Llama 4", "GPT 5"; not
#: the start of "16th", "17.18" or "3-7957": "August 16th", "Figure 17.18" name no "16" or "1").
#: An elided word written in capitals ("L'équipe" after a heading in capitals) is no name word.
_NOT_ELIDED = rf"(?!(?i:{'|'.join(ELISIONS)})')"
_RUN = re.compile(
    rf"(?<![\w'-])(?P<elision>(?i:{'|'.join(ELISIONS)})')?"
    rf"(?P<name>{_NOT_ELIDED}{_WORD}(?:\s+(?:{_NOT_ELIDED}{_WORD}|\d+(?![\w-]|[.,]\d)))*)"
)
_RUN_WORD = re.compile(r"\S+")
_CAPITALISED = re.compile(rf"[{_UPPER}]")
_SENTENCE_END = re.compile(r"(?:^|[.!?…:]\s*|\n\s*|[-–—•]\s+)[\s«»\"“”(]*$")

#: Acronyms of common nouns (titles, "IA") and units ("Mo", "GHz"): written in capitals, yet no
#: one's name ("…l'espace libre exprimé en Mo ou Go… ?" names nothing an answer must repeat).
COMMON_ACRONYMS = frozenset(
    {"pdg", "dg", "ceo", "cto", "cfo", "coo", "drh", "ia", "pme", "tpe", "ong", "ue", "rh", "it"}
    | {"ko", "mo", "go", "to", "kio", "mio", "gio", "tio", "khz", "mhz", "ghz"}
)
#: Capitalised at the start of a sentence (or after a colon), yet not names.
SENTENCE_OPENERS = frozenset(
    """
    pourquoi comment quel quelle quels quelles qui quand où combien que quoi lequel laquelle
    selon après avant depuis pendant durant malgré contrairement outre face grâce parmi hors
    alors ainsi aussi enfin puis ensuite cependant pourtant toutefois néanmoins donc or car mais
    et ou ni si oui non certes bref désormais dorénavant longtemps déjà encore toujours jamais
    ici là voici voilà tout tous toute toutes chaque plusieurs certains certaines aucun aucune
    autre autres tel telle tels telles beaucoup peu trop très bien mieux moins plus cela ceci
    ça celui celle ceux celles rien personne chacun chacune nul nulle lire voir source sources
    article articles texte document documents réponse question oui entre sous sur dans chez
    vers pour par avec sans hier aujourd demain lorsque puisque quoique tandis dès afin parce quant
    lors jusque comme surtout auprès envers contre près autour hormis sauf via concernant
    """.split()  # noqa: SIM905 (one readable block beats a 120-item list literal)
)


#: A verb with its subject pronoun after it opens a question ("Retrouve-t-on…", "Peut-il…", "Est-ce…").
_INVERTED = re.compile(r"-(?:t-)?(?:il|elle|on|ils|elles|je|tu|nous|vous|ce)$")
_OPENERS_FOLDED = frozenset(fold_accents(w) for w in SENTENCE_OPENERS)


@dataclass(frozen=True, slots=True)
class Name:
    """A name as written (``text``), where it stands, and the elision before it, if any."""

    text: str
    start: int
    end: int
    elided: bool = False


def _opens_sentence(text: str, at: int) -> bool:
    return bool(_SENTENCE_END.search(text[:at]))


def _is_title(word: str) -> bool:
    return word.lower() in COMMON_ACRONYMS


def _not_a_name_opener(word: str) -> bool:
    """A single capitalised word opening a sentence that is a common word, not a name."""
    lower = word.lower()
    folded = fold_accents(lower)
    return (
        lower in STOP_WORDS
        or lower.split("'")[0] in SENTENCE_OPENERS  # "Aujourd'hui" as "aujourd"
        or folded in _OPENERS_FOLDED
        or (lower.endswith("ment") and len(lower) > 6)
        or bool(_INVERTED.search(lower))
        or (word[1:].islower() and lower.endswith(("ant", "ée", "és", "ées")))
    )


def find_names(text: str) -> list[Name]:
    """The names of ``text`` in order: capitalised runs, behind elisions or not (see module doc)."""
    text = text.translate(_APOSTROPHES)
    found: list[Name] = []
    for match in _RUN.finditer(text):
        elided = match.group("elision") is not None
        at = match.start("name")
        parts = [(at + w.start(), w.group(0)) for w in _RUN_WORD.finditer(match.group("name"))]
        if not elided and _opens_sentence(text, parts[0][0]) and _not_a_name_opener(parts[0][1]):
            parts = parts[1:]  # "Selon Mark Zuckerberg" → "Mark Zuckerberg"
        while parts and _is_title(parts[0][1]):
            parts = parts[1:]  # "PDG Mark Zuckerberg" → "Mark Zuckerberg"
        if not parts or parts[0][1].isdigit():
            continue
        start, end = parts[0][0], parts[-1][0] + len(parts[-1][1])
        found.append(Name(text[start:end], start, end, elided))
    return found


_TEXT_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_ELIDED = re.compile(rf"^(?:{'|'.join(ELISIONS)})'")
#: An English possessive ("Debian's policy", "the FSF's GNU project"): the name is the word before.
_POSSESSIVE = re.compile(r"'s$")


@lru_cache(maxsize=16_384)
def words(text: str) -> frozenset[str]:
    """Every word of ``text`` as names are compared: lower case, accents folded, elisions cut,
    never stemmed (the French stemmer turns "OpenAI" into "open", which "open source" matches).
    Remembered: answering compares the same retrieved passages for every candidate sentence."""
    folded = fold_accents(text.translate(_APOSTROPHES).lower())
    return frozenset(_POSSESSIVE.sub("", _ELIDED.sub("", w)) for w in _TEXT_WORD.findall(folded))


def name_words(text: str) -> set[str]:
    """The words of every name of ``text`` (as :func:`words` spells them), titles left out."""
    return {w for name in find_names(text) for w in words(name.text) if w not in COMMON_ACRONYMS}


#: What sets a question in a program or a place: "Dans LibreOffice Math, quel menu… ?", "…au
#: clavier dans Writer ?", "Sous GNOME, …", also after a program's own kind of file or a word for
#: a program: "…dans ma feuille Calc ?", "dans un document Writer", "sous l'éditeur Vim", "dans
#: l'installateur Debian", or after its settings: "Dans les options d'impression d'Impress, …".
_SETTING_BEFORE = re.compile(
    r"\b(?:dans|sous)\s+(?:(?:le|la|les|un|une|mon|ma|mes|votre|vos|son|sa|ses|notre|nos)\s+|l')?"
    r"(?:(?:feuilles?|classeurs?|documents?|présentations?|dessins?|formules?|bases?|logiciels?|"
    r"programmes?|applications?|éditeurs?|modules?|installateurs?|interfaces?)\s+)?"
    r"(?:(?:options|réglages|paramètres|préférences|menus?|fenêtres?|boîtes?\s+de\s+dialogue)"
    r"(?:\s+d'\w+|\s+de\s+\w+)?\s+(?:de\s+|du\s+|d'))?$",
    re.IGNORECASE,
)


def setting_words(text: str) -> set[str]:
    """The words of the names ``text`` sets itself in ("Dans Calc, …" → {"calc"}): the program or
    place it happens in, which a page of that program's help need not repeat."""
    plain = text.translate(_APOSTROPHES)
    return {
        w
        for name in find_names(plain)
        if _SETTING_BEFORE.search(plain[: name.start])
        for w in words(name.text)
        if w not in COMMON_ACRONYMS
    }


#: A command named in lower case by the words that introduce it: "la commande tac", "le programme
#: dpkg", "avec timeout, …" (at the head of a question about an option, before its comma).
#: A command's name is ASCII ("la commande dépasse le temps imparti" names no command).
_COMMAND = re.compile(
    r"\b(?:la\s+commande|le\s+programme|l'utilitaire)\s+«?\s*(?P<named>[a-z0-9][a-z0-9._+-]*)(?![\w-])"
    r"|^\s*avec\s+(?P<head>[a-z0-9][a-z0-9._+-]*)\s*,",
    re.IGNORECASE,
)
#: French words that follow "la commande" without naming one ("la commande permet…", "la commande
#: suivante", "quand la commande a échoué"): the stop words and a few verbs; not "du" nor "as",
#: which are commands too.
_NOT_COMMANDS = (STOP_WORDS - {"du", "as"}) | {"doit", "fait", "permet", "peut", "puis", "suivante", "va"}
_OPTION_WORD = re.compile(r"\boptions?\b", re.IGNORECASE)


def command_names(text: str) -> set[str]:
    """Commands ``text`` names in lower case (as :func:`words` spells them): what a man-page
    question is about ("Avec la commande tac, quelle option… ?" is not answered from ls's page)
    though :func:`find_names`, which looks for capitals, does not see them."""
    found: set[str] = set()
    for match in _COMMAND.finditer(text.translate(_APOSTROPHES)):
        command = match.group("named") or match.group("head")
        if match.group("head") and not _OPTION_WORD.search(text):
            continue  # "Avec plaisir, …"
        if (command.islower() or command.isdigit()) and command.rstrip(".") not in _NOT_COMMANDS:
            found |= words(command)
    return found


def same_name(a: str, b: str) -> bool:
    """Two mentions of one name: the words of one contain the other's ("Zuckerberg", "Mark
    Zuckerberg")."""
    wa, wb = words(a), words(b)
    return bool(wa) and bool(wb) and (wa <= wb or wb <= wa)


def name_terms(text: str, lexical: LexicalEncoder) -> set[str]:
    """The analysed terms (``LexicalEncoder.terms``) of every name of ``text``: for weighting a
    question's terms, which are stemmed; to check a name is present use :func:`name_words`."""
    return {t for name in find_names(text) for t in lexical.terms(name.text) if t not in COMMON_ACRONYMS}
