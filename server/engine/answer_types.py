"""The kind of answer a question expects, and whether a sentence can provide it.

"Combien de paramètres compte Behemoth ?" needs a quantity; "En quelle année… ?" needs a date;
"Quel est le prix… ?" needs money (a currency, or millions/milliards), not just any number;
"Avec la commande tac, quelle option… ?" needs a command-line option (``-s``, ``--separator``);
"Quelle touche… ?", "Quel raccourci… ?" a key ("Ctrl+Z", "la touche Entrée", "en appuyant sur u");
"Dans quel répertoire… ?" a path or a file name ("/srv/tftp", "sources.list"); "Dans quel menu… ?"
a menu path ("Filtres → Carte → Projection panoramique", "Format - Page"); "Quelle est la valeur
par défaut de… ?", "Quelle version… ?" a value (a number, a setting, a quoted word); "Quelle
commande… ?", "Quel signal… ?", "Qui a lancé… ?" a name the question does not say ("mknod", "TERM",
"Osamu Aoki").
A sentence about Behemoth with no quantity in it cannot answer the first, however similar it
is, nor the NAME line of a man page the second: this is what separates questions the corpus
answers from questions it merely touches, which similarity scores alone cannot do.
"""

from __future__ import annotations

import re
from enum import Enum

from sourcier.lexical import fold_accents
from sourcier.names import COMMON_ACRONYMS, command_names, find_names, words

_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|"
    "septembre|octobre|novembre|décembre|decembre"
)


#: "Qui a lancé… ?", "Qui a fondé… ?": a person or an organisation, named.
_WHO_DID = re.compile(r"^\W*qui\s+(?:a|ont|avait|avaient)\s+\w+é(?:e?s?)\b", re.I)


class AnswerType(Enum):
    ANY = "any"
    QUANTITY = "quantity"
    MONEY = "money"
    DATE = "date"
    NAME = "name"
    OPTION = "option"
    KEY = "key"
    PATH = "path"
    MENU = "menu"
    VALUE = "value"
    COLOUR = "colour"


_QUESTION_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        AnswerType.DATE,
        re.compile(
            # "quand" asks when only at the question's head or after "et" ("Qu'est-ce qu'Avocado et
            # quand doit-il sortir ?"); elsewhere it is a conjunction ("Quel signal timeout
            # envoie-t-il quand le délai expire ?", "Comment se comporte l'outil quand…").
            r"(?:^\W*|\bet\s+|[,;]\s*)quand\b|"
            r"\b(?:depuis quand|jusqu'à quand|en quelle année|à quelle date|quelle date|"
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
            r"quel pourcentage|quelle quantité|quel chiffre|quel(?: est l')? ?effectif|"
            # a measure: "Quelle longueur minimale… ?", "Dans quel délai… ?", "Quelle est la taille…"
            r"quel(?:le)?s?\s+(?:longueur|durée|délai|débit|vitesse|capacité|poids)|"
            r"quel(?:le)? est (?:la|le) "
            r"(?:taille|longueur|durée|délai|débit|vitesse|capacité|poids|nombre)|"
            # a bound is a quantity: "Quelle est la résolution maximale… ?", "Quel débit minimal… ?"
            r"quel(?:le)?s?\s+(?:est\s+(?:la|le|l')\s*|sont\s+les\s+)?\w+\s+(?:maxim|minim)(?:ale?s?|aux))\b",
            re.I,
        ),
    ),
    (
        AnswerType.KEY,
        re.compile(
            r"\b(?:quel(?:le)?s?\s+(?:touches?|raccourcis?)|quel(?:le)?s?\s+combinaisons?\s+de\s+touches)\b",
            re.I,
        ),
    ),
    (
        AnswerType.PATH,
        # "Dans quel répertoire… ?", "Quel est le fichier… ?": a path or a file's name answers, not a
        # sentence about the files ("…sait charger des microprogrammes sur des supports amovibles").
        # Not "Quels fichiers faut-il… ?" (a list, often described in words) nor "Quel fichier spécial
        # correspond… ?" (a man page's NAME line names it without a path).
        re.compile(
            r"\b(?:(?:dans|sous|vers)\s+quel(?:le)?\s+|quel\s+est\s+le\s+)"
            r"(?:répertoire|dossier|fichier|chemin)\b|"
            # "Quel nom de fichier l'installateur attend-il… ?": a file's name, not a name of prose
            r"\bquel\s+(?:est\s+le\s+)?nom\s+(?:de|du)\s+fichier\b",
            re.I,
        ),
    ),
    (
        AnswerType.MENU,
        # "Dans quel menu de GIMP se trouve le filtre… ?", "Quel menu permet d'ouvrir… ?"
        re.compile(r"\bquel(?:le)?s?\s+(?:sous-)?menus?\b|\bquelles?\s+entrées?\s+de\s+menu\b", re.I),
    ),
    (AnswerType.OPTION, re.compile(r"\bquel(?:le)?s?\s+options?\b", re.I)),
    (
        AnswerType.COLOUR,
        # "Quelle teinte dois-je appliquer au pinceau… ?", "Quelles couleurs peut-on utiliser… ?"
        re.compile(r"\b(?:quel(?:le)?s?|de\s+quelle)\s+(?:couleurs?|teintes?)\b", re.I),
    ),
    (
        AnswerType.VALUE,
        # "Quelle est la valeur par défaut de l'option… ?", "Quelles valeurs peut prendre… ?",
        # "Quelle version de Debian a adopté… ?" (a number or a quoted code name answers)
        re.compile(r"\bquel(?:le)?s?\s+(?:est\s+la\s+|sont\s+les\s+)?(?:valeurs?|versions?)\b", re.I),
    ),
    (
        AnswerType.NAME,
        re.compile(
            r"\b(?:quel est le nom|quel nom|comment s'appelle|comment se nomme|comment est nommé)\b|"
            # a thing known by its name: "Quelle commande sert à…", "Quel démon collecte…", "Quel
            # signal…", "Quel code de retour…", "Auprès de quelle société…", "Quel pays…"
            # (one: "Quels logiciels… ?" asks for a list, often of names written in lower case)
            r"\bquel(?:le)?\s+(?:est\s+(?:le|la|l')\s*)?"
            r"(?:commande|programme|logiciel|outil|utilitaire|paquet|application|signal|code|licence|"
            r"protocole|démon|bibliothèque|pilote|entreprise|société|pays|ville|format)\b|"
            # "Qui a lancé / fondé / écrit… ?": someone
            rf"{_WHO_DID.pattern}",
            re.I,
        ),
    ),
)

_QUANTITY = re.compile(
    r"\d|\b(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|vingt|trente|quarante|"
    r"cinquante|soixante|cent|cents|mille|dizaines?|centaines?|milliers?|millions?|milliards?|"
    # approximate numbers: "une cinquantaine de collaborateurs", "une quinzaine de jours"
    r"(?:douz|quinz|vingt|trent|quarant|cinquant|soixant)aines?|"
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
    r"hier|aujourd'hui|demain|récemment|depuis|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"minuit|midi|immédiatement|maintenant)\b|"
    # a time of day ("à 20:00", "18h30") or an offset from now ("+1", shutdown's and at's "+m")
    r"\b[0-2]?\d(?::|h)[0-5]\d\b|(?<![\w+])\+\d+\b",
    re.I,
)
#: A command-line option: "-s", "-X", "--separator", "--color=auto" (not the "-" of "mono-utilisateur"
#: nor the dash of "tac - concaténer…").
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z0-9][\w-]*")
#: A key or a shortcut: "Ctrl+Z", "Maj + clic", "la touche Entrée", "touche +", "en appuyant sur
#: u", "appuyer sur ?", "F5" (not "appuyez sur le bouton", "les touches de flèches").
_KEY = re.compile(
    r"\b(?:Ctrl|Control|Contrôle|Maj|Shift|Alt|AltGr|Cmd|Commande|Super|Méta|Option)\s*\+\s*\S"
    r"|\b(?:[Tt]ouches?\s+|[Aa]ppuy\w*\s+(?:sur\s+)?(?:la\s+touche\s+)?)"
    r"(?:«\s*\S{1,12}\s*»|[A-ZÉ]\w*|[^\w\s«]|\w(?!\w))"
    r"|(?<![\w-])F(?:[1-9]|1[0-2])\b"
)
#: "Combien de paquets…", "combien d'abonnés…": the noun a "combien de" question counts.
_COUNTED = re.compile(
    r"\b(?:combien\s+|(?:le|un)\s+nombre\s+(?:(?:maxim|minim)(?:al|um)\s+|total\s+|moyen\s+)?)(?:de\s+|d')(\w+)",
    re.I,
)
#: A unit the question states ("la taille maximale, en pixels", "exprimée en Mo"): the quantity
#: that answers is in it; 500x500 pixels of an example image is no number of puzzle pieces.
_STATED_UNIT = re.compile(
    r"\ben\s+(pixels?|px|octets?|bits?|ko|mo|go|to|kio|mio|gio|mètres?|centimètres?|millimètres?|"
    r"cm|mm|km|points?|dpi|ppp|caractères?|lignes?|colonnes?|degrés?|euros?|dollars?|hz|mhz|ghz)\b",
    re.I,
)
#: Nouns after "combien de" measured in units, not counted by name: any quantity may answer.
_MEASURED = frozenset(
    {"temps", "fois", "degrés", "place", "espace", "mémoire", "argent", "stockage", "ram", "disque"}
)
#: A duration asked for ("Combien de temps… ?", "Dans quel délai… ?", "Quelle est la durée… ?")
#: is a quantity of time: "le projet a démarré en 1993" holds a number, not a duration.
_DURATION = re.compile(
    r"\b(?:combien de temps|quel(?:le)?s?\s+(?:durée|délai)|quel(?:le)? est (?:la|le) (?:durée|délai))\b",
    re.I,
)
_TIME_UNITS = frozenset(
    {"seconde", "minute", "heure", "jour", "semaine", "mois", "an", "année", "siècle", "décennie"}
    | {"ms", "min", "h"}
)
#: Units after a number that make it a measure, not a year ("2048 bits").
_UNITS = frozenset(
    {"bits", "bit", "octets", "ko", "mo", "go", "kio", "mio", "gio", "kb", "mb", "gb", "px", "pixels"}
    | {"caractères", "lignes", "colonnes", "mètres", "km", "hz", "mhz", "ghz", "euros", "dollars"}
)
#: How many words after a quantity the counted noun may come ("des centaines de développeurs").
_COUNT_WINDOW = 3
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: What technical text names in lower case: a path ("/dev/sr0"), a file ("sources.list"), an
#: identifier with an underscore ("ip_forward").
_IDENTIFIER = re.compile(r"(?<![\w/])/[\w.+-]+(?:/[\w.+-]+)*|\b\w+\.[a-z]{2,5}\b|\b[a-z]+_[\w]+\b")


#: What a sentence can give that words of prose cannot: a setting or a command's argument
#: ("firmware=never", "--log-priority=info", "-h"), a menu path ("Filtres → Carte → Projection
#: panoramique", "Affichage - Barres d'outils"), a number ("io=0x378", "100 Mo"), a quoted name
#: ("« Accessible high contrast »"); paths and file names are ``_IDENTIFIER``.
_SPECIFIC = re.compile(
    r"\S*=\S+|[\w…)]\s*→\s*[\w(]|(?<![\w-])--?[A-Za-z][\w-]*|\d+(?:[.,]\d+)*|«[^»]{1,40}»|"
    r"\b[A-ZÉ][\w']*(?:\s[\w']+){0,3}\s-\s[A-ZÉ]\w*"
)


#: A menu path: "Filtres → Carte → Projection panoramique", "Édition ▸ Préférences", "Format - Page -
#: Arrière-plan" (capitalised items around a spaced dash, as LibreOffice's help writes them), or a
#: menu named by its title.
_MENU_PATH = re.compile(
    r"[\w…)]\s*[→▸►]\s*[\w(]|\b[A-ZÉ][\w']*(?:\s[\w']+){0,3}\s[-–]\s[A-ZÉ]\w*|"
    r"\bmenus?\s+(?:«\s*)?[A-ZÉ]\w*"  # "le menu Outils", "du menu « Affichage »"
)


#: A colour's name, French or English (GIMP and aptitude name both).
_COLOUR = re.compile(
    r"\b(?:blanc|blanche|noir|noire|rouge|vert|verte|bleu|bleue|jaune|gris|grise|magenta|cyan|orange|"
    r"violet|violette|rose|marron|brun|brune|black|white|red|green|blue|yellow)s?\b",
    re.IGNORECASE,
)


#: An option of something on screen ("les options de l'outil Barbouillage", "…de la boîte de
#: dialogue Imprimer"): a setting named in words, not a command-line option.
_ON_SCREEN_OPTION = re.compile(
    r"\boptions?\s+(?:de\s+l'|du\s+|de\s+la\s+|des\s+)(?:outils?|filtres?|greffons?|bo[iî]tes?|dialogues?|"
    r"onglets?|menus?|panneaux?|panneau|fen[eê]tres?|barres?|calques?|brosses?)\b",
    re.IGNORECASE,
)


def expected_type(question: str) -> AnswerType:
    """What the question asks for, judged from its interrogative phrase."""
    normalised = question.replace("’", "'")
    for answer_type, pattern in _QUESTION_PATTERNS:
        if pattern.search(normalised):
            if answer_type is AnswerType.OPTION and _ON_SCREEN_OPTION.search(normalised):
                return AnswerType.ANY
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
        units = units_asked(question)
        return any(
            m.group(0).lower() not in asked
            and not _part_of_name(sentence, m.start())
            and not _is_year(sentence, m.start())
            and (units is None or _counts(sentence, m.end(), units))
            for m in _QUANTITY.finditer(sentence)
        )
    if answer_type is AnswerType.DATE:
        return any(m.group(0).lower() not in asked for m in _DATE.finditer(sentence))
    if answer_type is AnswerType.KEY:
        return any(m.group(0) not in question for m in _KEY.finditer(sentence))
    if answer_type is AnswerType.PATH:
        return any(m.group(0) not in question for m in _IDENTIFIER.finditer(sentence))
    if answer_type is AnswerType.MENU:
        return any(m.group(0) not in question for m in _MENU_PATH.finditer(sentence))
    if answer_type is AnswerType.VALUE:
        return gives_specifics(sentence, question)
    if answer_type is AnswerType.COLOUR:
        return any(m.group(0).lower() not in asked for m in _COLOUR.finditer(sentence))
    if answer_type is AnswerType.OPTION:  # one the question does not quote ("identique à -l")
        quoted = set(_OPTION.findall(question))
        return any(option not in quoted for option in _OPTION.findall(sentence))
    return names_something(sentence, question)


#: A sentence whose subject is a name written in lower case, as software is: "apt est la base
#: commune…", "dpkg est le programme…" (a French sentence opens with a capital; a list item
#: opening in lower case, "baisse du coût…", is not followed by a verb).
_LOWER_SUBJECT = re.compile(
    r"^\s*([a-z][a-z0-9]*(?:[-_.+][a-z0-9]+)*)\s+(?:est|sont|était|permet|permettent|fournit|gère|"
    r"utilise|utilisent|peut|peuvent|ne|n'|se|s')\b"
)
#: A quoted common word ("un utilisateur « modèle »") is a way of speaking, not a name.
_QUOTED_WORD = re.compile(r"«\s*[a-zà-ÿ]+\s*»")
#: A man page's NAME line, "badblocks - rechercher des blocs défectueux…": it names its command.
_NAME_LINE = re.compile(r"^\s*([a-z][\w.+-]*)(?:,\s*[a-z][\w.+-]*)*\s+[-–]\s")


def names_something(sentence: str, question: str) -> bool:
    """Does the sentence name something the question does not: a person, a product or an
    organisation (``new_name``; only that for "Qui a lancé… ?"), a command ("la commande mknod",
    a man page's NAME line), a path or a file, or something specific ("TERM", "124",
    "« Creative Commons Attribution-ShareAlike 3.0 Unported »")? A NAME line names its command
    and nothing else: "timeout - Exécuter une commande…" gives no exit code."""
    if _WHO_DID.search(question.replace("’", "'")):
        return new_name(sentence, question)
    line = _NAME_LINE.match(sentence)
    if line is not None:  # as a word: "su" is no answer to a question about "substitution"
        own = re.compile(rf"(?<![\w.+-]){re.escape(line.group(1))}(?![\w+-]|\.\w)", re.I)
        return own.search(question) is None
    lead = _LOWER_SUBJECT.match(sentence)
    asked = question.lower()
    return (
        new_name(sentence, question)
        or bool(command_names(sentence) - words(question))
        or (lead is not None and lead.group(1) not in asked)
        or any(
            m.group(0).lower() not in asked and _QUOTED_WORD.fullmatch(m.group(0)) is None
            for m in _SPECIFIC.finditer(sentence)
        )
        or any(m.group(0) not in question for m in _IDENTIFIER.finditer(sentence))
    )


def new_name(sentence: str, question: str) -> bool:
    """Does the sentence name someone or something the question does not? A name sharing a word
    with the question is the one it asks about ("Mark Zuckerberg" for "…Zuckerberg s'est exprimé…"),
    not an answer; acronyms of titles ("PDG", "IA") name nobody."""
    asked = words(question)
    for name in find_names(sentence):
        own = words(name.text) - COMMON_ACRONYMS
        if own and not own & asked:
            return True
    return False


def counted_noun(question: str) -> str | None:
    """What "combien de N" or "le nombre (maximal) de N" counts ("paquets", "mines"), unless N is
    measured in units rather than counted ("combien de temps", "de degrés", "d'espace disque"):
    None then, or when the question asks no such count."""
    match = _COUNTED.search(question.replace("’", "'"))
    if match is None or match.group(1).lower() in _MEASURED:
        return None
    return match.group(1)


def units_asked(question: str) -> frozenset[str] | None:
    """What the quantity a question asks for must be a quantity of: a unit of time for a duration,
    the unit the question states ("en pixels"), or the noun "combien de N" counts; None when any
    quantity answers."""
    if _DURATION.search(question.replace("’", "'")):
        return _TIME_UNITS
    stated = _STATED_UNIT.search(question)
    if stated is not None:
        return frozenset({stated.group(1).lower()})
    counted = counted_noun(question)
    return None if counted is None else frozenset({counted})


def _counts(sentence: str, after: int, nouns: frozenset[str]) -> bool:
    """Does one of ``nouns`` follow the quantity ending at ``after`` closely ("dix mines",
    "environ 1000 développeurs", "des centaines de développeurs", "deux semaines")? "40 Mo"
    counts no "paquets"."""
    following = _WORD.findall(sentence[after:])[:_COUNT_WINDOW]
    return any(_same_noun(word, noun) for word in following for noun in nouns)


def _same_noun(a: str, b: str) -> bool:
    """The same noun give or take its plural and accents ("développeur", "développeurs")."""
    a, b = (fold_accents(w.lower()).rstrip("sx") for w in (a, b))
    return a == b or (min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)))


def _part_of_name(sentence: str, at: int) -> bool:
    """A digit right after a capitalised word is a version, not a quantity ("Llama 4")."""
    before = sentence[:at].rstrip().rsplit(" ", 1)[-1]
    return sentence[at].isdigit() and before[:1].isupper()


def _is_year(sentence: str, at: int) -> bool:
    """A bare 19xx/20xx number is a year: "le printemps 2026" gives a date, not a quantity; but
    not when a unit follows it ("une clé de 2048 bits", "1920 pixels", "2000 Mo")."""
    if not sentence[at].isdigit():
        return False
    start = at
    while start > 0 and sentence[start - 1].isdigit():
        start -= 1
    end = at
    while end < len(sentence) and sentence[end].isdigit():
        end += 1
    following = _WORD.findall(sentence[end:])[:1]
    return bool(_YEAR.match(sentence[start:end])) and not (following and following[0].lower() in _UNITS)


def gives_specifics(sentence: str, question: str) -> bool:
    """Does the sentence give something specific that the question does not already say (a
    setting, an option, a menu path, a number, a path, a quoted name)? "Avant de commencer,
    vérifiez la configuration du BIOS pour les ports parallèles (adresses IO et IRQ)" sets the
    scene for "Quelles sont les valeurs habituelles… ?"; "Les valeurs habituelles sont io=0x378,
    irq=7." answers it."""
    asked = question.lower()
    found = [m.group(0) for m in _SPECIFIC.finditer(sentence)]
    found += [m.group(0) for m in _IDENTIFIER.finditer(sentence)]
    return any(token.lower() not in asked for token in found)


# --- how-to questions: they expect to be told how ---------------------------------------

#: Where a question's interrogative can start: at its head, or after what prompts it ("J'ai une vue
#: basse : comment obtenir… ?").
_ASKING = r"(?:^|(?<=[:;]\s))"
#: A how-to question ("Comment créer un compte… ?", "Quelles sont les étapes… ?").
_STEPS_QUESTION = re.compile(
    r"(?:\bquelles?\s+(?:sont\s+les\s+)?(?:étapes|opérations|manipulations|actions)|\bprocédure|"
    r"\bque\s+faut-il\s+faire|\bcomment\s+(?:faire|procéder|s'y\s+prendre)|"
    rf"{_ASKING}\s*comment\s+(?!s'appelle|se\s+nomme|est\s+nommé|prononce)\w+)",
    re.IGNORECASE,
)
#: An instruction in the imperative ("Ouvrez la barre d'outils…", "Relâchez la souris…", "Faites
#: glisser…"): a step of a procedure whose numbered list lost its numbers. Not one that states its
#: own goal first ("Pour découvrir une case…, sélectionnez…"): that is another procedure.
IMPERATIVE = re.compile(
    r"^(?!(?:chez|assez|nez|rez)\b)(?:[a-zàâçéèêëîïôûù-]+ez|faites|dites)\b", re.IGNORECASE
)
#: An instruction that states its goal first ("Pour sélectionner un graphique…, cliquez dessus…"):
#: a whole procedure, whose neighbours' instructions belong to another one.
GOAL_FIRST = re.compile(r"^pour\s[^,]{1,80},\s*", re.IGNORECASE)
#: Where an instruction applies, said before it ("Dans la zone Mot, saisissez le mot…", "Sous
#: Windows, ouvrez…"). Not a condition ("Si vous avez des problèmes, consultez un expert."): a
#: remark on the procedure more often than a step of it.
PLACE_FIRST = re.compile(r"^(?:dans|sous|sur|depuis|à\s+partir\s+d)\b[^,.;:]{1,80},\s*", re.IGNORECASE)


def orders(text: str) -> bool:
    """Is the sentence an instruction in the imperative, maybe after where it applies
    ("Dans la zone Mot, saisissez le mot à exclure…"): a step of a procedure."""
    text = text.replace("’", "'").lstrip()
    place = PLACE_FIRST.match(text)
    return bool(IMPERATIVE.match(text) or (place and IMPERATIVE.match(text[place.end() :])))


#: What one types or sets: a setting ("rescue/enable=true"), an option ("--log-priority=info"), a
#: menu path ("Outils → Options").
_TO_TYPE = re.compile(r"\S*=\S+|[\w…)]\s*→\s*[\w(]|(?<![\w-])--?[A-Za-z][\w-]*")
#: What else tells how to do something: "il suffit de…", "vous pouvez…", "utilisez…", "avec la
#: commande…", "à l'aide de…".
_HOW = re.compile(
    r"\b(?:il\s+suffit|vous\s+(?:pouvez|devez|devrez|pourrez)|il\s+faut|avec\s+la\s+commande|à\s+l'aide\s+d)",
    re.IGNORECASE,
)


#: A procedure asked for: "Comment créer… ?", "Comment s'abonner… ?", "Comment faire pour… ?"
#: (an infinitive after "comment"), not "Comment se comporte l'outil… ?" nor "Comment le groupe
#: se servait-il… ?", which ask how something is or was.
_PROCEDURE_QUESTION = re.compile(
    rf"{_ASKING}\W*comment\s+(?:(?:se|s'|me|m'|en|y|le|la|les|l'|lui|leur)\s*)?[a-zàâçéèêëîïôûù-]+(?:er|ir|re|oir)\b",
    re.IGNORECASE,
)
#: An instruction in English (the bench corpus's French manuals quote some): "To change into
#: single-user mode, use systemctl rescue instead."
_ENGLISH_IMPERATIVE = re.compile(
    r"^(?:to\s[^,]{1,80},\s*)?(?:use|run|type|click|select|press|open|enter|add|set|install|remove|edit|"
    r"choose|go\s+to)\b",
    re.IGNORECASE,
)


def asks_for_procedure(question: str) -> bool:
    """A question asking how to do something ("Comment créer un compte… ?", "Quelles sont les
    étapes… ?", after what prompts it: "J'ai une vue basse : comment obtenir… ?"), not how
    something is ("Comment se comporte l'outil… ?")."""
    normalised = question.replace("’", "'")
    return bool(_PROCEDURE_QUESTION.search(normalised)) or (
        asks_for_steps(normalised) and not re.search(rf"{_ASKING}\W*comment\b", normalised, re.IGNORECASE)
    )


def asks_for_steps(question: str) -> bool:
    """A how-to question ("Comment créer un compte… ?", "Quelles sont les étapes… ?")."""
    return bool(_STEPS_QUESTION.search(question.replace("’", "'")))


def tells_how(sentence: str, question: str) -> bool:
    """``instructs`` short of a path or file name alone, what ranking rewards for a how-to question:
    "Comme beaucoup de démons, udevd enregistre des traces dans /var/log/daemon.log." says where,
    not how to make it log more. The abstention's check 6 keeps ``instructs``: with this one it
    refused one more answerable question of the tuning halves and no unanswerable one."""
    text = sentence.replace("’", "'").lstrip()
    goal = GOAL_FIRST.match(text)
    return bool(
        IMPERATIVE.match(text[goal.end() :] if goal else text)
        or _ENGLISH_IMPERATIVE.match(text)
        or _HOW.search(text)
        or any(m.group(0) not in question for m in _KEY.finditer(sentence))
        or any(m.group(0) not in question for m in _TO_TYPE.finditer(sentence))
    )


def instructs(sentence: str, question: str) -> bool:
    """Does the sentence tell how to do something: an instruction ("Ouvrez…", "Pour obtenir un
    point, Ctrl-cliquez…", "il suffit de…", "avec la commande…"), a key to press, or something to
    type or set ("rescue/enable=true", "--log-priority=info", "/etc/hostname", "Outils → Options")?
    "Les premiers écrans de l'installateur seront affichés…" describes; a quoted label or a number
    alone ("La fenêtre « Points d'échantillonnage » s'ouvre…") does not tell how either. A path
    or a file name counts here (``tells_how`` is the same without it)."""
    return tells_how(sentence, question) or any(
        m.group(0) not in question for m in _IDENTIFIER.finditer(sentence)
    )
