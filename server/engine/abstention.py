"""Deciding, from retrieval evidence alone, whether the corpus supports an answer.

Prompts are not trusted to refuse. The checks, in order, each measurable on any corpus (no
cosine threshold that means something on one corpus only):
1. the best evidence sentence must say what the question asks: its soft term alignment with the
   question (``server.engine.alignment``: rarity-weighted word-piece matching, rarity taken
   among the candidates themselves) at least ``Support.min_alignment``; and unless it is
   strongly aligned (``Support.strong_alignment``), the dense and the lexical retrievers must
   agree on the best chunk (``server.engine.retrieval.agreement``, from rank positions) —
   off-topic and related-but-unanswered questions fail here. A weakly aligned best sentence
   (below ``Support.rare_alignment``) must also come from a document that uses the question's
   rare words: a word the corpus holds in few chunks (IDF at least ``Support.rare_idf``,
   ``server.engine.rarity``) but the evidence's document never uses means the question is about
   something else ("En quelle année Ian Murdock est-il mort ?"). An optional best-cosine floor
   (``min_dense``, off by default) remains for users who calibrate one on their corpus. A
   question pinned to its evidence by names or by the kind of answer it asks (``pinned``: "Qui
   est Alexandr Wang ?", a follow-up "Et quand doit-il sortir ?") skips this wording check;
2. the question's names (people, products, acronyms) must all occur in the evidence's context
   (its chunk, its document's title and its document's name: a sentence of an article about
   Meta is about Meta, a page of "lilypond-doc/…" is about LilyPond) —
   "Combien Meta a-t-elle investi dans Scale AI ?" is not answered by a sentence about other
   investments. The names the chunk lacks may be named elsewhere in its document when they are
   the setting, not the subject (``Setting``): each more common in the corpus than the rarest name
   the chunk does say. "Le RNIS ne peut pas être utilisé pour l'installation." answers "Peut-on
   utiliser une connexion RNIS pour installer Debian ?" from a page of Debian's installation
   guide whose chunk never says Debian. A name found in a large share of the corpus's chunks
   (``Support.widespread_share``, ``server.engine.rarity.widespread``) is what the whole corpus
   is about and need not be repeated: a page of Debian's installation guide answers
   "…l'installateur Debian…" without saying "Debian". A follow-up must name what it names
   itself and at least one of the names it carries over from the conversation ("Quel poste
   occupait-il ?" after a question on the TBD Lab and Alexandr Wang needs Wang, not the lab);
3. when the question asks for a quantity, a date or a name, a top sentence that shares terms with
   the question must contain one that the question does not already give — "Combien de
   paramètres compte Behemoth ?" is not answered by a sentence about Behemoth without a number;
4. a "who" question about a role ("Qui est le PDG d'OpenAI ?", "Qui a fondé Scale AI ?") needs a
   sentence stating that role for that organisation (``sourcier.relations``): a head is not a
   founder, Meta's head is not OpenAI's;
5. the sentence the answer would lead with, unless it is well aligned with the question
   (``Support.answer_alignment``), must come from a chunk the retrievers found near the top
   (``Support.answer_agreement``, rank votes as in check 1): the retrievers may agree on a best
   chunk while the best-aligned sentence sits in a chunk neither ranks near the top
   ("Comment supprimer un saut de page manuel dans Writer ?" answered by a sentence on PDF
   export warnings from a chunk ranked sixth and fifth);
6. a question asking how to do something ("Comment changer… ?", ``answer_types.asks_for_procedure``)
   needs a lead sentence that tells how (``answer_types.instructs``: an instruction, a key,
   something to type or set; ranking already prefers one, ``Weights.instruction``), or one whose
   instruction follows within two sentences and goes on from it (``continues_how``: "…l'installateur
   propose un thème avec des couleurs très contrastées…" then "Pour l'activer, utilisez…"):
   "L'activation du Masque rapide le fait apparaître comme un voile… de couleur rouge par défaut"
   says what the veil is, not how to change its colour.
The names a question is set in ("Dans Calc, …", "…dans Writer ?", "…dans l'installateur Debian ?",
"Dans les options d'impression d'Impress, …", ``sourcier.names.setting_words``)
are left out of check 2: LibreOffice's help pages, shared by its programs, never say "Writer".
Sentences that give orders ("Ignore les consignes…", ``sourcier.instructions``) are never evidence.
The first three ``Support`` parameters were fitted on the tuning halves of the articles and docs
suites jointly, the two rarity ones on the tuning halves of all three suites (articles, docs,
manpages) with the first three fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from server.engine.answer_types import AnswerType, asks_for_procedure, instructs, provides
from server.engine.evidence import Evidence
from server.engine.rarity import Unsaid
from server.engine.shaping import goes_on, how_after, label_above
from server.engine.understanding import Understanding
from sourcier.instructions import is_instruction
from sourcier.lexical import STOP_WORDS, LexicalEncoder
from sourcier.names import words
from sourcier.relations import answers

ABSTENTION_MESSAGE = (
    "Le corpus ne contient pas de réponse à cette question : aucun passage des documents indexés ne l'étaye."
)
#: How deep in the usable evidence a sentence telling how must be, for a how-to question.
HOW_DEPTH = 1
#: How deep in the ranked evidence a sentence of the expected type may be found.
TYPED_DEPTH = 8
#: A sentence offering the expected kind of answer must, with the sentence before it, cover at
#: least this share of the question's terms: a date elsewhere in the article answers nothing.
TYPED_MIN_COVERAGE = 0.5
#: ...or be this aligned with it (``server.engine.alignment``): paraphrases share few stemmed terms.
TYPED_MIN_ALIGNMENT = 0.6
#: An option is the answer only if its line (with the line before it) says at least this share of
#: what the question describes (``Understanding.described``): "Avec la commande time, quelle
#: option affiche la température du processeur ?" aligns with any option line of time's page
#: through "commande", "option", "afficher", and none says "température". A key likewise: the
#: line giving aptitude's keys for installing, removing and holding a package ("+", "-", "=") does
#: not answer "quelle touche purge un paquet, c'est-à-dire le supprime avec sa configuration ?".
OPTION_MIN_DESCRIBED = 0.5
#: The answer kinds whose sentence must say what the question describes (above).
_DESCRIBED_KINDS = frozenset({AnswerType.OPTION, AnswerType.KEY})


@dataclass(frozen=True, slots=True)
class Support:
    """When the best evidence supports an answer (see the module docstring, check 1)."""

    min_alignment: float = 0.55
    strong_alignment: float = 0.70
    min_agreement: float = 0.6
    rare_idf: float = 5.5  # ln(1 + 244): a word in at most ~1 chunk in 250 (see server.engine.rarity)
    rare_alignment: float = 0.6
    widespread_share: float = 0.2  # a name in this share of the chunks is the corpus's subject (check 2)
    answer_agreement: float = 0.37  # rank votes of the answer's own chunk (check 5)...
    answer_alignment: float = 0.62  # ...needed below this alignment of its sentence

    def lacking(
        self, alignment: float, agreement: float, unsaid: Callable[[], Unsaid] = Unsaid
    ) -> str | None:
        """Why the evidence does not support an answer, or None when it does. ``unsaid`` gives the
        question's rarest word that the evidence's document never uses (called only when the
        alignment is weak enough for it to matter: it asks the store)."""
        if alignment < self.min_alignment:
            return f"best evidence alignment {alignment:.3f} < {self.min_alignment}"
        if agreement < self.min_agreement and alignment < self.strong_alignment:
            return (
                f"dense and lexical retrieval disagree (agreement {agreement:.2f} < {self.min_agreement}) "
                f"and alignment {alignment:.3f} < {self.strong_alignment}"
            )
        if alignment < self.rare_alignment:
            rare = unsaid()
            if rare.idf >= self.rare_idf:
                return (
                    f"the evidence's document never uses the rare word {rare.term!r} (IDF {rare.idf:.2f} "
                    f">= {self.rare_idf}) and alignment {alignment:.3f} < {self.rare_alignment}"
                )
        return None

    def unfound(self, alignment: float, votes: float) -> str | None:
        """Why the sentence an answer would lead with does not support it (check 5), or None:
        weakly aligned and from a chunk that neither retriever ranked near the top (``votes``,
        ``server.engine.retrieval.chunk_agreement``)."""
        if votes < self.answer_agreement and alignment < self.answer_alignment:
            return (
                f"the answer's passage is ranked low by both retrievers (rank votes {votes:.2f} < "
                f"{self.answer_agreement}) and alignment {alignment:.3f} < {self.answer_alignment}"
            )
        return None


@dataclass(frozen=True, slots=True)
class Decision:
    abstain: bool
    reason: str
    best_dense: float = 0.0
    answer_type: AnswerType = AnswerType.ANY
    usable: list[Evidence] = field(default_factory=list)


def decide(
    understanding: Understanding,
    evidence: Sequence[Evidence],
    lexical: LexicalEncoder,
    support: Support,
    agreement: float,
    min_dense: float = 0.0,
    unsaid: Callable[[Evidence], Unsaid] | None = None,
    widespread: Callable[[frozenset[str]], frozenset[str]] | None = None,
    found: Callable[[Evidence], float] | None = None,
    setting: Setting | None = None,
) -> Decision:
    """Stage 4: abstain unless the evidence says what the question asks, names what it names, and
    holds an answer of the expected type. ``evidence`` is ranked best first; ``agreement`` is
    the retrievers' (``server.engine.retrieval.agreement``); ``unsaid`` finds the question's
    rarest word that an evidence's document never uses (``server.engine.rarity``; None: no
    corpus statistics), and ``widespread`` which of the question's names the corpus is about
    (``server.engine.rarity.widespread``; None: none), and ``found`` how much the retrievers
    found an evidence's chunk (``server.engine.retrieval.chunk_agreement``; None: not checked), and
    ``setting`` which names a document may say outside the chunk (None: names are looked for in
    the evidence's chunk, title and document name only).
    ``usable`` is the evidence an answerer may pick from, best first."""
    evidence = [e for e in evidence if not is_instruction(e.text)]  # documents are data, never orders
    if not evidence:
        return Decision(True, "nothing retrieved")
    best_dense = max(e.dense for e in evidence)
    if best_dense < min_dense:
        return Decision(True, f"best similarity {best_dense:.3f} < {min_dense}", best_dense)
    if only_names(understanding, lexical):
        evidence = naming_first(evidence, understanding.names)
    best = evidence[0]
    lacking = support.lacking(best.alignment, agreement, (lambda: unsaid(best)) if unsaid else Unsaid)
    if lacking and not pinned(understanding, evidence[0], lexical):
        return Decision(True, lacking, best_dense)
    answer_type = understanding.answer_type
    usable = [
        e
        for e in evidence
        if answer_type is AnswerType.ANY
        or (
            (e.context_coverage >= TYPED_MIN_COVERAGE or e.alignment >= TYPED_MIN_ALIGNMENT)
            and (provides(answer_type, e.text, understanding.query) or named_above(e, answer_type))
            and (answer_type not in _DESCRIBED_KINDS or e.described_coverage >= OPTION_MIN_DESCRIBED)
        )
    ]
    if answer_type is not AnswerType.ANY and not any(e in usable for e in evidence[:TYPED_DEPTH]):
        return Decision(True, f"no {answer_type.value} in the top evidence", best_dense, answer_type)
    asked, carried = telling(understanding.names - understanding.setting), set(understanding.carried)
    if asked and widespread is not None:
        asked -= widespread(understanding.names)
    if asked or carried:
        usable = [e for e in usable if names_present(e, asked, carried, lexical, setting)]
        if not usable:
            return Decision(True, f"no evidence names {sorted(asked | carried)}", best_dense, answer_type)
    relation = understanding.relation
    if relation is not None:
        usable = [e for e in usable if answers(relation, e.text, f"{e.title}\n{e.context or e.text}")]
        if not usable:
            return Decision(True, f"no evidence states {relation}", best_dense, answer_type)
    if asks_for_procedure(understanding.asked) and not any(
        instructs(e.text, understanding.asked)
        or any(continues_how(a, understanding.asked) for a in how_after(e, understanding.asked))
        for e in usable[:HOW_DEPTH]
    ):
        return Decision(True, "nothing in the top evidence tells how", best_dense, answer_type)
    lead = usable[0]
    if found is not None and not pinned(understanding, lead, lexical):
        unfound = support.unfound(lead.alignment, found(lead))
        if unfound:
            return Decision(True, unfound, best_dense, answer_type)
    return Decision(False, "supported", best_dense, answer_type, usable)


def continues_how(after: Evidence, question: str) -> bool:
    """Does ``after`` (``shaping.how_after``: an instruction a sentence or two past a lead) tell
    how to do what the lead speaks of? Only when it goes on from it ("Pour l'activer, utilisez
    l'entrée « Accessible high contrast »…" after "…l'installateur propose un thème avec des
    couleurs très contrastées"): an instruction nearby may be for something else ("Pour insérer
    un saut de page…" does not tell how to remove one)."""
    return instructs(after.text, question) and goes_on(after.text)


#: A menu's description naming it by a demonstrative ("Ce menu regroupe les commandes…").
_THIS_MENU = re.compile(r"^\W*(?:ce\s+(?:sous-)?menu|cette\s+entrée\s+de\s+menu)\b", re.IGNORECASE)


def named_above(evidence: Evidence, answer_type: AnswerType) -> bool:
    """Does the line above name what the sentence describes ("Outils" over "Ce menu regroupe les
    commandes permettant d'ouvrir et d'éditer un catalogue de symboles…"): help pages write a
    menu's name as the label of its description (``shaping.label_above``, which cites it), so the
    description answers "quel menu… ?" though it holds no menu path itself."""
    return (
        answer_type is AnswerType.MENU
        and bool(_THIS_MENU.match(evidence.text))
        and bool(label_above(evidence))
    )


def telling(names: frozenset[str]) -> set[str]:
    """The question's name words that can tell whether a text names it: not those that are common
    words too ("SA" of "Falcot SA" is the possessive "sa" to any text and to the lexical index,
    in no chunk's terms; its count of 0 made every name "more common than the subject" and
    ``Setting`` excused any chunk). "Scale AI" is still a name of two words elsewhere."""
    return {name for name in names if name not in STOP_WORDS}


def only_names(understanding: Understanding, lexical: LexicalEncoder) -> bool:
    """A question that is only names ("Qui est Alexandr Wang ?", "Qu'est-ce que Planet Debian ?"):
    it asks what they are, and a sentence that does not name them does not say it."""
    asked = understanding.names
    if not asked or understanding.standalone:
        return False
    return bool(understanding.terms) and set(understanding.terms) <= set(lexical.terms(" ".join(asked)))


def naming_first(evidence: Sequence[Evidence], names: frozenset[str]) -> list[Evidence]:
    """The top evidence (``TYPED_DEPTH``) with the sentences naming every one of ``names`` first,
    each group in its ranked order: "Debian Linux est une toute nouvelle sorte de distribution"
    ranks above "Planet Debian constitue une autre source d'informations…" for "Qu'est-ce que
    Planet Debian ?" and does not say what Planet Debian is."""
    top = sorted(evidence[:TYPED_DEPTH], key=lambda e: not names <= words(e.text))  # stable
    return top + list(evidence[TYPED_DEPTH:])


def pinned(understanding: Understanding, best: Evidence, lexical: LexicalEncoder) -> bool:
    """The best sentence is tied to the question by what it names or asks for, not by its wording:
    a question that is only names ("Qui est Alexandr Wang ?") answered by a sentence naming them
    all, or a follow-up asking for a date, quantity or name ("Et quand doit-il sortir ?") answered
    by a sentence holding one, in the context of the names it carries over. Such questions share
    too few words with their answer for the alignment floor (check 1) to judge them."""
    asked, carried = set(understanding.names), set(understanding.carried)
    if asked and not understanding.standalone:
        return only_names(understanding, lexical) and asked <= words(best.text)
    if understanding.standalone and understanding.answer_type is not AnswerType.ANY and carried:
        return provides(understanding.answer_type, best.text, understanding.query) and names_present(
            best, asked, carried, lexical
        )
    return False


@dataclass(frozen=True, slots=True)
class Setting:
    """Which of a question's names a sentence's chunk may leave to the rest of its document: the
    setting ("Debian" in "…pour installer Debian ?", "Falcot SA" in a chapter of the handbook on
    Falcot SA), not the subject ("RNIS", "For Each"). ``document_words`` gives the words of a
    document's whole text (``sourcier.names.words``), ``counts`` in how many chunks of the corpus
    each name occurs (``server.engine.rarity.chunk_counts``)."""

    document_words: Callable[[str], frozenset[str]]
    counts: Callable[[frozenset[str]], dict[str, int]]

    def excuses(self, document_id: str, missing: set[str], present: set[str]) -> bool:
        """The ``missing`` names are in the document, and each is more common in the corpus than
        the rarest name of the question that the chunk says (``present``, not empty): the chunk
        has the subject, the document the setting. "Quelle est la différence entre For...Next et
        For Each en LibreOffice Basic ?" is not answered by a chunk on For...Next because the page
        says "For Each" further on."""
        if not present or not missing <= self.document_words(document_id):
            return False
        counts = self.counts(frozenset(missing | present))
        subject = min(counts.get(name, 0) for name in present)
        return all(counts.get(name, 0) > subject for name in missing)


def names_present(
    evidence: Evidence,
    asked: set[str],
    carried: set[str],
    lexical: LexicalEncoder,
    setting: Setting | None = None,
) -> bool:
    """All of the question's own names, and one of the names carried from the conversation (if
    any), occur in the sentence's chunk, its document's title or its document's name (its path
    below the ingested folder: a bibliography page of LilyPond's manual, "lilypond-doc-fr_000013",
    never says "LilyPond" near its books, as an article's sentence does not repeat its title);
    with ``setting``, the names it excuses may be in the rest of the document instead."""
    named = re.sub(r"[\W_]+", " ", evidence.document_id)
    context = words(f"{evidence.title}\n{named}\n{evidence.context or evidence.text}")
    if carried and not carried & context:
        return False
    missing = asked - context
    return not missing or (
        setting is not None and setting.excuses(evidence.document_id, missing, asked & context)
    )
