"""Shaping an extractive answer to the question and to the text around the chosen sentences.

The ranker picks sentences; read alone, some of them are no answer. Three rules, each from the
text itself:

1. a candidate must stand alone: not a question ("Comment est-elle gelée ? »"), not a heading or
   a fragment without a verb's worth of words, not a restatement of the question (it must bring
   content terms the question does not already have) — such a sentence is never offered, let
   alone flagged confident;
2. a sentence that leans on the one before it ("Il serait prévu pour…", "Pour ce faire, on…",
   an option's description under its "--version" line) is cited together with it, as one span;
   a setting's description answering "quel réglage… ?" is cited under its label line ("Pages en
   mosaïque"), which names the setting;
3. a how-to or "quelles étapes" question, or a sentence announcing what follows (":"), gets the
   following sentences of the procedure or list too, each cited on its own (a procedure told in
   prose over several paragraphs, its later steps: "Ensuite…", "L'étape suivante…", "Dans la zone
   Mot, saisissez…", up to a paragraph that is a procedure of its own; a lead that says
   what is at stake but not how, the instruction a sentence or two on); a "why" question
   answered by a fact without its reason gets the sentence that goes on from it; a sentence saying
   what cannot be done gets the next one when that one offers the way around it ("Néanmoins, vous
   pouvez…") or goes on from it ("Ces informations sont disponibles dans…").

A chunk ends where its token budget does, not where a list does: rules 2 and 3 read the chosen
sentence within its document (``widened``), so a list cut at the chunk's end keeps its last items.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from server.engine.answer_types import (
    GOAL_FIRST,
    IMPERATIVE,
    AnswerType,
    asks_for_steps,
    orders,
    provides,
    tells_how,
)
from server.engine.evidence import Evidence, in_heading, points_back, refers_back
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import Span, chunk_sentence_spans

#: A sentence needs this many content terms the question does not have to say something new.
MIN_NEW_TERMS = 1
#: A line this short without final punctuation is a heading, a label or a fragment.
FRAGMENT_WORDS = 6
#: At most this many sentences follow the chosen one in a procedure or a list.
MAX_STEPS = 8
#: How much of the document around its chunk a chosen sentence is read within (characters).
WIDEN_BEFORE = 1_500
WIDEN_AFTER = 4_000

#: Openers that continue the sentence before ("Pour ce faire, …", "Celle-ci prend…", "Ensuite…"),
#: or say what follows from it ("De cette manière, le rapport de bogue sera fermé…": which manner is
#: the sentence before). A contrast ("Pourtant, Zuckerberg a toujours nuancé…") reads alone.
_CONTINUING = re.compile(
    r"^(?:pour\s+(?:ce\s+faire|cela|ça|ceci|l[ae]s?\s+\w+|l'\w+)\s*,|(?:celui|celle|ceux|celles)-ci\b|"
    r"(?:ensuite|puis|alors|ainsi|de\s+plus|en\s+revanche|par\s+contre|sinon|dans\s+ce\s+cas|"
    r"par\s+exemple|de\s+cette\s+(?:manière|façon)|de\s+la\s+sorte|de\s+ce\s+fait|par\s+conséquent|"
    r"en\s+conséquence|à\s+cet\s+effet|à\s+cette\s+fin|dans\s+ce\s+but)\b)",
    re.IGNORECASE,
)
#: A "why" question, and what says a reason ("car", "parce que", "afin de", "en raison de"…).
_WHY_QUESTION = re.compile(r"^\W*(?:pourquoi|pour\s+quelle\s+raison)\b", re.IGNORECASE)
_REASON = re.compile(
    r"\b(?:car|parce\s+qu|puisqu|en\s+raison\s+d|à\s+cause\s+d|grâce\s+à|afin\s+d|afin\s+qu|pour\s+que|"
    r"c'est\s+pourquoi|en\s+effet|étant\s+donné|du\s+fait\s+d|raisons?|causée?s?\s+par|due?s?\s+(?:à|au|aux)\b|"
    r"because|since)",
    re.IGNORECASE,
)
#: A question asking for several things ("Quels sont les niveaux… ?") may get a list's items.
_PLURAL_QUESTION = re.compile(r"\b(?:quels|quelles|lesquels|lesquelles)\b", re.IGNORECASE)
_FINAL_PUNCTUATION = re.compile(r"[.!?:;…»)\]\"”]$")
#: An option opening a line: "-c,", "--bytes", "-?," (not a list's dash, "- voir plus bas").
_OPTION_WORD = re.compile(r"--?[\w?]")
#: A word of prose in an option's description ("afficher", "d'octets"), not an option nor an argument.
_LOWER_WORD = re.compile(r"(?:[a-zà-ÿ]+')?[a-zà-ÿ]+[.;]?")


def asks_for_several(question: str) -> bool:
    """A question in the plural ("Quelles formes… ?"): a list answers it."""
    return bool(_PLURAL_QUESTION.search(question))


def is_fragment(text: str, headings: Sequence[str] = ()) -> bool:
    """A heading or a piece of one (``evidence.in_heading``), a label, a short line without final
    punctuation, or a clause cut at its comma (a man page's "quand timeout n'est pas exécuté
    depuis un interpréteur de commande," whose sentence goes on in the next paragraph) or opening
    on one (a flattened table's cell, ", , client graphique (Qt) pour wpa_supplicant"), whatever
    its length."""
    stripped = text.strip()
    if in_heading(stripped, headings) or stripped.endswith(",") or stripped.startswith((",", ";")):
        return True
    if is_option_entry(stripped):
        return False
    return not _FINAL_PUNCTUATION.search(stripped) and len(stripped.split()) <= FRAGMENT_WORDS


def is_option_entry(text: str) -> bool:
    """An option and its description on one line, a man page's answer however short ("-c, --bytes
    afficher le nombre d'octets", "-d, --dir supprimer des répertoires vides"); not a bare option
    line ("-s, --signal=SIGNAL"), whose description is the next line."""
    words = text.split()
    return (
        bool(words)
        and _OPTION_WORD.match(words[0]) is not None
        and sum(_LOWER_WORD.fullmatch(w) is not None for w in words) >= 2
    )


def is_question(text: str) -> bool:
    """A sentence asking something (a FAQ's question, a heading in question form)."""
    return text.rstrip(' .»)"”').endswith("?")


def restates(text: str, question: str, lexical: LexicalEncoder) -> bool:
    """Does the sentence only say what the question already says: not one content term nor one
    word (an option such as "-V", a number, a name) that the question does not have?

    Why words too: a man-page question is its option's description ("quelle option permet
    d'afficher la version ?"); the answer is that description with its option line."""
    new_terms = set(lexical.terms(text)) - set(lexical.terms(question))
    return len(new_terms) < MIN_NEW_TERMS and not (_words(text) - _words(question))


def _words(text: str) -> set[str]:
    """Lowercased words, elided articles and surrounding punctuation removed ("d'afficher" -> "afficher")."""
    found = set()
    for raw in text.lower().replace("’", "'").split():
        word = raw.strip('.,;:!?«»()[]"“”').rsplit("'", 1)[-1]
        if word:
            found.add(word)
    return found


def stands_alone(evidence: Evidence, question: str, lexical: LexicalEncoder) -> bool:
    """Rule 1: a sentence that can be offered as (part of) an answer; whether it restates the
    question is judged with the sentence it leans on (an option's description with its option)."""
    return not (
        is_question(evidence.text)
        # not the title: evidence is body text, and a body line equal to the title is a man
        # page's NAME line ("b2sum - Calculer et vérifier…"), what a "which command" question wants
        or is_fragment(evidence.text, evidence.headings)
        or restates(with_antecedent(evidence).text, question, lexical)
    )


def leans_on_previous(text: str) -> bool:
    """Cannot be understood without the sentence before it."""
    first = text.split(maxsplit=1)[0] if text.split() else ""
    bare = re.sub(r"-(?:ci|là)$", "", first)  # "Celle-ci prend…"
    return refers_back(text) or (bare != first and refers_back(bare)) or bool(_CONTINUING.match(text))


def _neighbours(evidence: Evidence) -> tuple[list[Span], int] | None:
    """The sentence spans of the evidence's chunk (document offsets) and the evidence's index."""
    if not evidence.context:
        return None
    spans = [
        Span(evidence.context_start + s.start, evidence.context_start + s.end)
        for s in chunk_sentence_spans(evidence.context)
    ]
    for i, span in enumerate(spans):
        if span.start == evidence.start:
            return spans, i
    return None


def widened(evidence: Evidence, document_text: str) -> Evidence:
    """The evidence read within its document rather than its chunk (``WIDEN_BEFORE`` characters
    before the chunk, ``WIDEN_AFTER`` after): the list a sentence announces, the steps it opens
    and the sentence it leans on may lie across the chunk's boundary. Unchanged when the
    document does not hold the chunk where the evidence says (an index older than the text)."""
    start = evidence.context_start
    end = start + len(evidence.context)
    if not evidence.context or document_text[start:end] != evidence.context:
        return evidence
    lowest = max(0, start - WIDEN_BEFORE)
    line = document_text.find("\n", lowest, start)  # the window opens at a line's start
    window_start = 0 if lowest == 0 else (line + 1 if line >= 0 else start)
    window = dataclasses.replace(
        evidence, context=document_text[window_start : end + WIDEN_AFTER], context_start=window_start
    )
    return window if _neighbours(window) is not None else evidence


def _text(evidence: Evidence, span: Span) -> str:
    offset = evidence.context_start
    return evidence.context[span.start - offset : span.end - offset]


def _sentence(evidence: Evidence, span: Span) -> Evidence:
    """Another sentence of the evidence's context (``span``: document offsets), as evidence of
    its own: a neighbour an answer cites beside it."""
    return dataclasses.replace(evidence, start=span.start, end=span.end, text=_text(evidence, span))


def _same_paragraph(evidence: Evidence, end: int, start: int) -> bool:
    """Is there no line break between a sentence ending at ``end`` and one starting at ``start``?"""
    return "\n" not in _text(evidence, Span(end, start))


def with_antecedent(evidence: Evidence) -> Evidence:
    """Rule 2: the sentence and the one before it as one span, when it leans on it (or stands
    under a term line, as an option's description under "--version")."""
    found = _neighbours(evidence)
    if found is None:
        return evidence
    spans, i = found
    if i == 0:
        return evidence
    previous = spans[i - 1]
    previous_text = _text(evidence, previous)
    words = previous_text.split()
    if in_heading(previous_text, evidence.headings):
        return evidence  # a heading is no antecedent ("3.6.1. Généralités" over "tandis que…")
    # an option or a term ("--normal", "-j, --print-journal"), not a section heading
    # ("DESCRIPTION", "OPTIONS", "Création de compte")
    term_line = is_fragment(previous_text) and (
        previous_text.startswith(("-", "+")) or (len(words) == 1 and not previous_text.isupper())
    )
    if not (leans_on_previous(evidence.text) or term_line):
        return evidence
    merged = Span(previous.start, evidence.end)
    return dataclasses.replace(evidence, start=merged.start, text=_text(evidence, merged))


def following_steps(evidence: Evidence, limit: int = MAX_STEPS, *, leaning: bool = True) -> list[Evidence]:
    """Rule 3: the sentences after this one that continue it: list items (after a ":" or a ";",
    or ending with ";") and, with ``leaning``, sentences that lean on the one before ("Ensuite…",
    "Pour cela…")."""
    found = _neighbours(evidence)
    if found is None:
        return []
    spans, i = found
    steps: list[Evidence] = []
    before = evidence.text
    for span in spans[i + 1 :]:
        text = _text(evidence, span)
        listed = before.rstrip().endswith((":", ";")) or text.rstrip().endswith(";")
        continues = listed or (leaning and leans_on_previous(text))
        if len(steps) >= limit or not continues or is_question(text) or is_fragment(text, evidence.headings):
            break
        steps.append(_sentence(evidence, span))
        before = text
    return steps


#: A sentence that says it is the next step of a procedure written in prose ("Ensuite suivez…",
#: "L'étape suivante est…", "Puis commence…", "Une fois le concentrateur trouvé, …",
#: "Il faut amorcer…", "Enfin…").
_NEXT_STEP = re.compile(
    r"^(?:ensuite|puis|enfin|finalement|pour\s+finir|après\s+(?:cela|quoi|ça)|l'étape\s+suivante|"
    r"une\s+fois\s+(?:que\s+|qu')?|dès\s+(?:que|qu')|il\s+faut)\b",
    re.IGNORECASE,
)
#: How far past the end of its leaning chain a procedure's next step may be looked for (sentences).
STEP_GAP = 6
#: An imperative that is no step: a pointer elsewhere ("Consultez la Section 6.4, « Télécharger
#: des microprogrammes… » pour des précisions…", "Reportez-vous au chapitre…") or a remark
#: ("Veuillez noter que…", "Notez que…", "Sachez que…").
_NOT_A_STEP = re.compile(
    r"^(?:(?:consultez|voyez|voir|reportez-vous|référez-vous|lisez)\b[^.;:]{0,40}?\b"
    r"(?:section|chapitre|annexe|page|rubrique|documentation|manuel|guide|faq|aide|paragraphe)s?\b"
    r"|(?:veuillez\s+)?(?:noter|notez|remarquez|sachez)\s+(?:bien\s+)?(?:que|qu')|veuillez\s+noter\b)",
    re.IGNORECASE,
)


def _whole_procedure(text: str) -> bool:
    """An instruction that states its own goal ("Pour exclure rapidement un mot…, sélectionnez le
    mot…"), not one going on from the sentence before ("Pour cela, cliquez…")."""
    goal = GOAL_FIRST.match(text)
    return bool(goal and IMPERATIVE.match(text[goal.end() :])) and not leans_on_previous(text)


def procedure_steps(evidence: Evidence, taken: Sequence[Evidence], limit: int = MAX_STEPS) -> list[Evidence]:
    """Rule 3 for a procedure written in prose over several paragraphs: past the sentences that
    lean on one another (``taken``, from ``following_steps``), the later sentences that say they
    are its next step ("Ensuite suivez les étapes habituelles…", "Une fois le concentrateur trouvé,
    l'utilisateur doit…") or give the next instruction ("Relâchez la souris…": not after an
    instruction stating its own goal), up to ``STEP_GAP`` sentences apart, never past a heading or
    a question; the remarks between them are left out."""
    found = _neighbours(evidence)
    if found is None:
        return []
    spans, i = found
    last = max((s.start for s in taken), default=evidence.start)
    goal = GOAL_FIRST.match(evidence.text)
    instructions = not (goal and IMPERATIVE.match(evidence.text[goal.end() :]))
    steps: list[Evidence] = []
    gap = 0
    for before, span in zip(spans[i:], spans[i + 1 :], strict=False):
        if span.start <= last:
            continue
        text = _text(evidence, span)
        if len(taken) + len(steps) >= limit or gap > STEP_GAP or is_question(text):
            break
        if is_fragment(text, evidence.headings):  # a heading: another section
            break
        if not _same_paragraph(evidence, before.end, span.start) and _whole_procedure(text):
            break  # a paragraph that is a procedure of its own ("Pour exclure un mot…, sélectionnez…")
        plain = text.replace("’", "'").lstrip()
        if not _NOT_A_STEP.match(plain) and (_NEXT_STEP.match(plain) or (instructions and orders(text))):
            steps.append(_sentence(evidence, span))
            gap = 0
        else:
            gap += 1
    return steps


#: How many sentences past a fact its reason may be looked for ("Cette situation a effrayé de
#: nombreux administrateurs système. Pas de panique. Il semblerait que cela soit causé par…").
REASON_GAP = 3


def reason_after(evidence: Evidence) -> list[Evidence]:
    """The first of the next ``REASON_GAP`` sentences that gives a reason and points back to what
    comes before it ("…que cela soit principalement causé par…"), the remarks between left out;
    never past a heading or a question."""

    return _first_after(evidence, REASON_GAP, lambda text: gives_reason(text) and goes_on(text))


def goes_on(text: str) -> bool:
    """Does the sentence go on from what comes before it: lean on it ("Pour l'activer, …") or
    name it ("…que cela soit…")? A reason or an instruction found a sentence or two past an
    answer's lead belongs to it only then."""
    return leans_on_previous(text) or points_back(text)


def _first_after(evidence: Evidence, gap: int, wanted: Callable[[str], bool]) -> list[Evidence]:
    """The first of the ``gap`` sentences after this one that is ``wanted`` (none past a heading
    or a question), as evidence of its own."""
    found = _neighbours(evidence)
    if found is None:
        return []
    spans, i = found
    for span in spans[i + 1 : i + 1 + gap]:
        text = _text(evidence, span)
        if is_question(text) or is_fragment(text, evidence.headings):
            break
        if wanted(text):
            return [_sentence(evidence, span)]
    return []


#: A sentence saying what cannot be done ("Normalement, vous ne pouvez pas sélectionner du texte
#: dans un xterm…"), and one opening with a contrast that offers the way around it ("Néanmoins,
#: vous pouvez passer outre… en gardant la touche Maj enfoncée."): the limit alone answers nothing.
_LIMITATION = re.compile(
    r"\b(?:ne|n')\s*(?:[\w-]+\s+){0,2}?(?:pas|plus|jamais|guère)\b|\bimpossibles?\b|\bincapables?\b",
    re.IGNORECASE,
)
_WAY_AROUND = re.compile(
    r"^(?:néanmoins|toutefois|cependant|heureusement|mais|en\s+revanche|par\s+contre|"
    r"pour\s+(?:y\s+remédier|contourner|éviter))\b[^.;:]*?\b(?:pouvez|pourrez|peut|pourra|peuvent|possible|"
    r"suffit|suffira|faut|faudra|permet(?:tent)?)\b",
    re.IGNORECASE,
)


def way_around(evidence: Evidence) -> list[Evidence]:
    """The next sentence when this one says what cannot be done and that one offers the way
    around it (``_WAY_AROUND``), or goes on from it in the same paragraph ("Il ne décrit pas non
    plus les règles… Ces informations sont disponibles dans la Charte Debian."): the limit alone
    answers nothing. A page footer after a blank line ("Cette page documente LilyPond-2.24.1")
    goes on from nothing."""
    found = _neighbours(evidence)
    if found is None or not _LIMITATION.search(evidence.text.replace("’", "'")):
        return []
    spans, i = found
    if i + 1 >= len(spans):
        return []
    span = spans[i + 1]
    text = _text(evidence, span)
    same_paragraph = _same_paragraph(evidence, evidence.end, span.start)
    if (
        is_question(text)
        or is_fragment(text, evidence.headings)
        or not (_WAY_AROUND.match(text.strip()) or (same_paragraph and leans_on_previous(text)))
    ):
        return []
    return [_sentence(evidence, span)]


#: A sentence that announces the parts the next ones give: "L'enjeu pour Meta est double.",
#: "getopts peut signaler des erreurs de deux façons.", "Il agit en deux temps.", "…cela pourrait
#: avoir des répercussions majeures." The number it names, when it names one.
_ANNOUNCES = re.compile(
    r"(?:\b(?:est|sont|sera|serait)\s+(?P<kind>double|triple|multiple)"
    r"|\b(?:en|de|sous)\s+(?P<count>deux|trois|quatre|plusieurs|multiples)\s+"
    r"(?:façons|manières|parties|étapes|temps|volets|phases|points|formes|cas|modes)"
    r"|\b(?:répercussions|conséquences|implications|effets|enjeux|avantages|inconvénients|raisons)\s+"
    r"(?:majeur(?:e|s|es)?|importante?s?|considérables?|multiples|nombreuses?|diverses))"
    r"\s*[.!…]?\s*$",
    re.IGNORECASE,
)
_PARTS = {"double": 2, "deux": 2, "triple": 3, "trois": 3, "quatre": 4}
#: How many sentences an announcement without a number ("plusieurs", "majeures") is followed to.
ANNOUNCED_PARTS = 3


def announced(evidence: Evidence) -> list[Evidence]:
    """The sentences that give what this one announces, up to the number it names (else
    ``ANNOUNCED_PARTS``), within its paragraph: an announcement alone answers nothing ("Si Meta
    choisit effectivement de fermer ses futurs modèles, cela pourrait avoir des répercussions
    majeures." — the answer is in the sentences after it). Never past a question or a fragment."""
    match = _ANNOUNCES.search(evidence.text.replace("’", "'").strip())
    if match is None:  # most leads: the chunk is not split into sentences for nothing
        return []
    found = _neighbours(evidence)
    if found is None:
        return []
    word = (match.group("kind") or match.group("count") or "").lower()
    parts = _PARTS.get(word, ANNOUNCED_PARTS)
    spans, i = found
    following: list[Evidence] = []
    end = evidence.end
    for span in spans[i + 1 : i + 1 + parts]:
        text = _text(evidence, span)
        if (
            not _same_paragraph(evidence, end, span.start)
            or is_question(text)
            or is_fragment(text, evidence.headings)
        ):
            break
        following.append(_sentence(evidence, span))
        end = span.end
    return following


#: How many sentences past a how-to answer's lead the instruction it sets up may be looked for.
HOW_GAP = 2


def how_after(evidence: Evidence, question: str) -> list[Evidence]:
    """For a how-to question whose lead sentence says what is at stake but not how ("Les paquets
    téléchargés par aptitude sont placés dans un répertoire de cache…"), the first of the next
    ``HOW_GAP`` sentences that tells how ("Pour supprimer tous les fichiers de ce répertoire,
    utilisez Actions → Nettoyer le cache des paquets"); never past a heading or a question."""
    if tells_how(evidence.text, question):
        return []
    return _first_after(evidence, HOW_GAP, lambda text: tells_how(text, question))


#: A question asking which setting of a program's window does something ("…quel réglage permet
#: de caser plusieurs diapos sur une même feuille… ?", "Quelle case faut-il cocher… ?").
_SETTING_QUESTION = re.compile(
    r"\bquel(?:le)?s?\s+(?:réglages?|paramètres?|cases?|boutons?|champs?|onglets?|options?|(?:sous-)?menus?)\b",
    re.IGNORECASE,
)
#: How many sentences into its paragraph a setting's description may name what it does.
LABEL_GAP = 2


def asks_for_setting(question: str) -> bool:
    """Does the question ask which setting, box, button or field does something?"""
    return bool(_SETTING_QUESTION.search(question.replace("’", "'")))


def names_setting(text: str, question: str) -> bool:
    """Does the sentence name the setting itself: an option and its description ("-V Afficher le
    numéro de version…"), a menu path ("On accède à ce filtre par Filtres → Carte → Projection
    panoramique…")? Then the line above it is a section's heading ("OPTIONS", "Ouverture du
    filtre"), no label it needs."""
    return is_option_entry(text.strip()) or provides(AnswerType.MENU, text, question)


def label_above(evidence: Evidence) -> list[Evidence]:
    """The label line heading the paragraph that describes a setting, when the evidence is one of
    that paragraph's first ``LABEL_GAP`` sentences: help pages write a setting's name on a line of
    its own ("Pages en mosaïque") above what it does ("Indique que les pages doivent être imprimées
    avec une disposition en carrelage. Si les pages ou diapos sont plus petites que le papier,
    chaque feuille contiendra plusieurs pages ou diapos."), and a "which setting" question is
    answered by that name, not by the description alone. No label for an option line ("-s,
    --signal=SIGNAL": ``with_antecedent`` cites it with its description), a question or a line
    cut at a comma."""
    found = _neighbours(evidence)
    if found is None:
        return []
    spans, i = found
    first = i
    while first > 0 and _same_paragraph(evidence, spans[first - 1].end, spans[first].start):
        first -= 1
    if first == 0 or i - first >= LABEL_GAP:
        return []
    label = spans[first - 1]
    text = _text(evidence, label).strip()
    if (
        not text
        or "\n" in text
        or is_question(text)
        or _OPTION_WORD.match(text)
        or text.endswith((",", ";", ":"))
        or not is_fragment(text)
        or not text[0].isalpha()
        or text.isupper()  # a man page's section ("OPTIONS")
    ):
        return []
    return [_sentence(evidence, label)]


def gives_reason(text: str) -> bool:
    """Does the sentence say why ("car", "parce que", "en raison de", "Il y a une raison à cela")?"""
    return bool(_REASON.search(text.replace("’", "'")))


def shape(
    chosen: Sequence[Evidence], question: str, document_text: Callable[[str], str | None] | None = None
) -> list[Evidence]:
    """The chosen sentences with what they need from around them, in order, each span once, read
    within their document when ``document_text`` gives it (``widened``). A
    "why" question answered by a sentence that states the fact without its reason ("…les
    distributions ont peu attiré l'attention des développeurs.") also gets the next sentence
    when it goes on from this one ("Il y a une simple raison à cela : …"), or, when that one gives
    no reason, the reason a little further on (``reason_after``); not a question asking several
    things, which has a sentence for each already ("Pourquoi…, et quel argument… ?"). A lone
    sentence announcing parts ("L'enjeu pour Meta est double.") gets them (``announced``), unless
    the question asks for steps, which ``procedure_steps`` finds."""
    shaped: list[Evidence] = []
    wants_steps = asks_for_steps(question)
    wants_items = wants_steps or asks_for_several(question)
    wants_reason = bool(_WHY_QUESTION.match(question))
    wants_setting = asks_for_setting(question)
    texts: dict[str, str | None] = {}  # each document fetched once
    for e in chosen:
        if document_text is not None and e.document_id not in texts:
            texts[e.document_id] = document_text(e.document_id)
        text = texts.get(e.document_id)
        e = widened(e, text) if text is not None else e
        lead = with_antecedent(e)
        if wants_setting and lead.start == e.start and not names_setting(e.text, question):
            shaped.extend(label_above(e))  # not when a term line is cited with it already
        shaped.append(lead)
        parts = announced(e) if len(chosen) == 1 and not wants_steps else []
        if parts:  # the parts it announces are the answer, whatever the question's form
            shaped.extend(parts)
        elif wants_items or e.text.rstrip().endswith(":"):
            steps = following_steps(e, leaning=wants_steps)
            if wants_steps and not steps:
                how = how_after(e, question)
                if how:
                    steps = how + following_steps(how[0], leaning=True)
            shaped.extend(steps)
            if wants_steps:
                shaped.extend(procedure_steps(e, steps))
        elif wants_reason and len(chosen) == 1 and not gives_reason(shaped[-1].text):
            following = following_steps(e, limit=1)
            if not (following and gives_reason(following[0].text)):
                following = reason_after(e) or following
            shaped.extend(following)
        elif len(chosen) == 1:  # not to a sentence that is one of several answers
            shaped.extend(way_around(e))
    unique: list[Evidence] = []
    for e in shaped:
        if not any(u.document_id == e.document_id and u.start < e.end and e.start < u.end for u in unique):
            unique.append(e)
    return unique
