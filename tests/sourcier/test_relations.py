"""Relations between names: read from French sentences, compared between a claim and a source."""

from __future__ import annotations

import pytest

from sourcier.relations import Relation, answers, asked_relation, relations, unstated

WANG = (
    "Ce pivot est soutenu par les nouvelles recrues de l'entreprise, notamment Alexandr Wang, "
    "l'ancien patron de Scale AI devenu directeur de l'IA chez Meta."
)
HOULETTE = (
    "Sous la houlette d'Alexandr Wang, ce laboratoire opère à la manière d'une start-up distincte "
    "au sein de Meta, travaillant à proximité directe du bureau de Mark Zuckerberg."
)
TBD_CHUNK = "Le développement serait mené par une unité d'élite, le TBD Lab. " + HOULETTE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le PDG d'OpenAI est Mark Zuckerberg.", Relation("head", "OpenAI", "Mark Zuckerberg")),
        ("Le TBD Lab est dirigé par Yann LeCun.", Relation("head", "TBD Lab", "Yann LeCun")),
        ("Scale AI a été fondée par Mark Zuckerberg.", Relation("founder", "Scale AI", "Mark Zuckerberg")),
        ("Alexandr Wang a fondé Scale AI.", Relation("founder", "Scale AI", "Alexandr Wang")),
        ("Mark Zuckerberg, fondateur de Meta, recrute.", Relation("founder", "Meta", "Mark Zuckerberg")),
        ("Avocado est développé par Google DeepMind.", Relation("develops", "Avocado", "Google DeepMind")),
        ("Meta a été rachetée par Google.", Relation("acquires", "Meta", "Google")),
        ("Il n'y a pas si longtemps, le patron de Meta avait affirmé cela.", Relation("head", "Meta", None)),
        (HOULETTE, Relation("head", None, "Alexandr Wang")),
    ],
)
def test_relations_read_from_sentences(text: str, expected: Relation) -> None:
    assert relations(text)[0] == expected


def test_a_sentence_without_a_role_states_no_relation() -> None:
    assert relations("Avocado est le nom de code du successeur de Llama.") == []
    assert relations("Le développement serait mené par une unité d'élite.") == []


@pytest.mark.parametrize(
    ("claim", "span", "stated"),
    [
        # the sentence: both names are in the corpus, the link between them is not
        ("Le PDG d'OpenAI est Mark Zuckerberg.", "Le patron de Meta est Mark Zuckerberg.", False),
        # a head is not a founder
        ("Alexandr Wang a fondé Scale AI.", WANG, False),
        # the other organisation of the same sentence
        ("Alexandr Wang est l'ancien patron de Meta.", WANG, False),
        # the same relation, said another way
        ("Alexandr Wang est l'ancien patron de Scale AI.", WANG, True),
        ("Scale AI était dirigée par Alexandr Wang.", WANG, True),
        (
            "Le patron de Meta avait affirmé que l'open source comblait son retard.",
            "Il n'y a pas si longtemps, le patron de Meta avait pourtant affirmé que l'open source comblait "
            "rapidement son retard.",
            True,
        ),
        # the span does not say who: a claim naming the holder is not supported by it
        (
            "Mark Zuckerberg est le patron de Meta.",
            "Le patron de Meta avait affirmé que l'open source progresse.",
            False,
        ),
        # no relation claimed: nothing to check here
        ("Avocado est un modèle propriétaire.", WANG, True),
    ],
)
def test_unstated_relations(claim: str, span: str, stated: bool) -> None:
    assert (unstated(claim, span) == []) is stated


def test_who_questions_ask_a_relation_and_evidence_must_state_it() -> None:
    assert asked_relation("Qui est le PDG d'OpenAI ?") == Relation("head", "OpenAI", None)
    assert asked_relation("Qui a fondé Scale AI ?") == Relation("founder", "Scale AI", None)
    assert asked_relation("Où l'équipe travaille-t-elle par rapport au fondateur de Meta ?") is None
    assert asked_relation("Quel laboratoire développe Avocado ?") is None
    head_of_openai = Relation("head", "OpenAI", None)
    assert not answers(head_of_openai, WANG, WANG)
    assert not answers(Relation("founder", "Scale AI", None), WANG, WANG)
    assert answers(Relation("head", "Scale AI", None), WANG, WANG)
    # "ce laboratoire": the organisation named by the chunk the sentence stands in
    tbd = asked_relation("Qui dirige le TBD Lab ?")
    assert tbd is not None and answers(tbd, HOULETTE, TBD_CHUNK)
    assert not answers(head_of_openai, HOULETTE, TBD_CHUNK)


def _misattached(claim: str, span: str) -> list[tuple[str, str]]:
    from sourcier.attachments import misattached
    from sourcier.lexical import LexicalEncoder

    return [(a.name, a.word) for a in misattached(claim, span, LexicalEncoder())]


BLOOMBERG = "Selon des rapports de Bloomberg et CNBC, le projet au nom de code Avocado se trouve au cœur de cette stratégie."
MSL = "Le développement serait mené par une unité d'élite, le TBD Lab, faisant partie des Meta Superintelligence Labs (MSL)."


@pytest.mark.parametrize(
    ("claim", "span"),
    [
        ("Alexandr Wang, l'ancien patron de Meta devenu directeur de l'IA chez Meta.", WANG),
        ("Apple recrute Ruoming Pang d'Apple.", "Meta recrute Ruoming Pang d'Apple."),
        (BLOOMBERG.replace("CNBC", "Avocado"), BLOOMBERG),
        (MSL.replace("(MSL)", "(TBD Lab)"), MSL),
        (
            "Depuis le lancement de son nouveau laboratoire “Behemoth”, les tests sur Behemoth auraient été arrêtés.",
            "Depuis le lancement de son nouveau laboratoire “Superintelligence Lab”, les tests sur Behemoth auraient "
            "été arrêtés.",
        ),
    ],
)
def test_names_moved_to_other_words_are_misattached(claim: str, span: str) -> None:
    assert _misattached(claim, span)


@pytest.mark.parametrize(
    ("claim", "span"),
    [
        (WANG, WANG),
        # joined names in the other order
        (BLOOMBERG.replace("Bloomberg et CNBC", "CNBC et Bloomberg"), BLOOMBERG),
        # a paraphrase changes the word a name hangs on: that is the content-word check's business
        (
            "Avocado est le nom de code du remplaçant de Llama.",
            "Avocado est le nom de code du successeur de Llama.",
        ),
        ("Alexandr Wang, l'ancien dirigeant de Scale AI, est directeur de l'IA chez Meta.", WANG),
        # trimmed and framed
        (
            "Selon l'article, Meta recrute Ruoming Pang d'Apple.",
            "Meta recrute Ruoming Pang d'Apple : son embauche.",
        ),
    ],
)
def test_faithful_rewrites_are_not(claim: str, span: str) -> None:
    assert _misattached(claim, span) == []
