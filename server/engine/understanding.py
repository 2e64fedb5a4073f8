"""Stage 1, understanding the question — once per question, before anything is retrieved.

What later stages need to know about the question: the form retrieval searches (a follow-up made
standalone), the kind of answer it expects (a date, a quantity, a name), the names it uses and
the ones it carries over from the conversation, its weighted content terms, and what the
conversation already said. Ranking and abstention both read these; computing them here once keeps
the two from disagreeing (and from doing the work twice)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.engine.answer_types import AnswerType, expected_type
from server.engine.conversation import already_said, previous_answers, standalone_question
from server.engine.types import Question
from sourcier.language import Language, question_language
from sourcier.lexical import LexicalEncoder
from sourcier.names import command_names, name_terms, name_words, setting_words
from sourcier.relations import Relation, asked_relation

_NUMBER = re.compile(r"\d[\d.,°%-]*")
#: Words that shape a question without saying what it is about (and the glue of follow-ups),
#: as analysed terms (stems).
QUESTION_STOP_TERMS = frozenset(
    {
        "quand",
        "comment",
        "pourquoi",
        "combien",
        "quel",
        "quell",
        "qui",
        "que",
        "quoi",
        "ou",
        "est",
        "ce",
        "propos",
        # words about the corpus itself ("d'après les deux articles", "selon les documents")
        "apres",
        "selon",
        "chacun",
        "articl",
        "docu",
        "sourc",
        "text",
    }
)


#: Words every "which option / which command / which key" question uses to frame what it
#: describes ("Avec la commande wc, quelle option permet d'afficher…", "…a pour effet : « … »",
#: "sur quelle touche faut-il appuyer pour…"), as analysed terms: every option line of a page
#: matches them, so they say nothing about which option or key is meant.
FRAMING_TERMS = frozenset(
    {"command", "option", "permet", "permettent", "permettr", "effet"}
    | {"touch", "raccourc", "clavi", "combinaison", "appui", "utilis"}
)


@dataclass(frozen=True, slots=True)
class Understanding:
    """``asked`` is the question as asked; ``query`` what retrieval searches (``standalone`` for
    a follow-up, else ``asked``). ``names`` are the names ``asked`` uses; ``carried`` those
    ``query`` adds from the conversation, both as ``sourcier.names.words`` spells them (unstemmed:
    the stemmer turns "OpenAI" into "open"). ``relation`` is the role a "who" question asks
    about ("Qui est le PDG d'OpenAI ?"), if any."""

    asked: str
    query: str
    standalone: str | None
    answer_type: AnswerType
    names: frozenset[str]
    carried: frozenset[str]
    terms: dict[str, float]  # of ``query``
    focus_terms: dict[str, float]  # of ``asked``, for a follow-up only
    said: tuple[str, ...]  # the assistant's earlier answers
    said_sentences: frozenset[str]
    relation: Relation | None = None
    #: ``terms`` minus its names and framing words: what the question describes ("afficher le
    #: nombre d'octets" of "Avec la commande wc, quelle option permet d'afficher le nombre
    #: d'octets ?"), which an option's own line must say
    described: dict[str, float] = field(default_factory=dict)
    language: Language | None = None  # the question's (``sourcier.language``), judged once
    #: the names ``asked`` is set in ("Dans Calc, …"): the evidence need not repeat them
    setting: frozenset[str] = frozenset()

    @property
    def focus(self) -> str | None:
        """The follow-up as asked (None for a standalone question)."""
        return self.asked if self.standalone else None


def question_terms(
    question: str, lexical: LexicalEncoder, entities: set[str] | frozenset[str]
) -> dict[str, float]:
    """The question's content terms with weights: names, acronyms and numbers count double."""
    entities = set(entities) | {t for n in _NUMBER.findall(question) for t in lexical.terms(n)}
    return {
        term: 2.0 if term in entities else 1.0
        for term in lexical.terms(question)
        if term not in QUESTION_STOP_TERMS
    }


def understand(question: Question, lexical: LexicalEncoder) -> Understanding:
    """Everything later stages need to know about ``question`` (no model call: cheap)."""
    asked = question.text
    standalone = standalone_question(asked, question.history)
    query = standalone or asked
    asked_names = name_words(asked) | command_names(asked)
    query_names = name_words(query) | command_names(query) if standalone else asked_names
    asked_terms = name_terms(asked, lexical)
    query_terms = name_terms(query, lexical) if standalone else asked_terms
    terms = question_terms(query, lexical, query_terms)
    named = query_terms | {t for n in query_names for t in lexical.terms(n)}
    return Understanding(
        asked=asked,
        query=query,
        standalone=standalone,
        answer_type=expected_type(asked),
        names=frozenset(asked_names),
        carried=frozenset(query_names - asked_names),
        terms=terms,
        focus_terms=question_terms(asked, lexical, asked_terms) if standalone else {},
        said=tuple(previous_answers(question.history)),
        said_sentences=frozenset(already_said(question.history)),
        relation=asked_relation(asked),
        described={t: w for t, w in terms.items() if t not in named and t not in FRAMING_TERMS},
        language=question_language(asked),
        setting=frozenset(setting_words(asked)),
    )
