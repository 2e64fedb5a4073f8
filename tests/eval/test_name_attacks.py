"""The who-did-what corruptions: each makes the sentence it promises, in correct French."""

from __future__ import annotations

import random

from eval.name_attacks import elided_name, premise, question_premises, relation_swap, wrong_entity
from sourcier.names import find_names, words

WANG = (
    "Ce pivot est soutenu par les nouvelles recrues de l'entreprise, notamment Alexandr Wang, "
    "l'ancien patron de Scale AI devenu directeur de l'IA chez Meta."
)
ENTITIES = ["Alexandr Wang", "Mark Zuckerberg", "Scale AI", "OpenAI", "Apple", "Behemoth", "Meta", "AWS"]


def test_relation_swap_keeps_every_name_in_the_span_when_it_can() -> None:
    for seed in range(10):
        changed = relation_swap(WANG, WANG, ENTITIES, random.Random(seed))
        assert changed is not None and changed != WANG
        assert words(" ".join(n.text for n in find_names(changed))) <= words(WANG), changed


def test_relation_swap_takes_a_corpus_entity_when_the_span_has_one_name() -> None:
    text = "Il n'y a pas si longtemps, le patron de Meta avait affirmé cela."
    changed = relation_swap(text, text, ENTITIES, random.Random(0))
    assert changed is not None and "Meta" not in changed
    assert "de Meta" not in changed and ("patron d'" in changed or "patron de " in changed)
    assert relation_swap("Rien de nommé ici.", "", ENTITIES, random.Random(0)) is None


def test_elided_name_puts_a_name_the_span_lacks_behind_an_elision() -> None:
    for seed in range(5):
        changed = elided_name(WANG, WANG, ENTITIES, random.Random(seed))
        assert changed is not None
        new = [n for n in find_names(changed) if not words(n.text) <= words(WANG)]
        assert len(new) == 1 and new[0].elided, changed
        assert new[0].text[0] in "AEIOU"
    assert elided_name("Avocado est un modèle.", "x", ENTITIES, random.Random(0)) is None  # nothing elidable


def test_elision_is_undone_before_a_consonant() -> None:
    changed = relation_swap("Meta recrute Ruoming Pang d'Apple.", "x", ["Google"], random.Random(2))
    assert changed in {
        "Google recrute Ruoming Pang d'Apple.",
        "Meta recrute Google d'Apple.",
        "Meta recrute Ruoming Pang de Google.",
    }


def test_wrong_entity_cites_the_sentence_about_the_new_entity() -> None:
    about = [("Meta aurait terminé l'entraînement de Behemoth.", 1), ("Apple recrute.", 2)]
    moved = wrong_entity(
        "Alexandr Wang est un partisan des modèles fermés.", ENTITIES, about, random.Random(0)
    )
    assert moved is not None
    text, cited = moved
    assert not text.startswith("Alexandr Wang")
    assert {1: "Meta aurait", 2: "Apple"}[cited].split()[0] in text or "Behemoth" in text


def test_premises_of_unanswerable_questions_stated_as_answered() -> None:
    premises = question_premises(
        ["Quel est le salaire d'Alexandr Wang ?", "Quelle est la capitale de l'Australie ?", "Qui dirige ?"]
    )
    assert premises == ["le salaire d'Alexandr Wang", "la capitale de l'Australie"]
    stated = premise(WANG, premises, random.Random(0))
    assert stated is not None and stated.endswith(".") and " est " in stated
    assert stated.split(" est ")[0] in {"Le salaire d'Alexandr Wang", "La capitale de l'Australie"}
    assert premise("Rien de nommé.", premises, random.Random(0)) is None
