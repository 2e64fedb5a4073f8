"""Stage 1: what the later stages need to know about a question, computed once."""

from __future__ import annotations

from server.engine.answer_types import AnswerType
from server.engine.types import Question, Turn
from server.engine.understanding import understand
from sourcier.lexical import LexicalEncoder

FIRST = "Qui dirige le TBD Lab de Meta ?"
ANSWER = "Le TBD Lab est dirigé par Alexandr Wang [1]."


def test_a_standalone_question_is_searched_as_asked() -> None:
    u = understand(Question("Quand Avocado doit-il sortir ?"), LexicalEncoder())
    assert u.query == u.asked == "Quand Avocado doit-il sortir ?"
    assert u.standalone is None and u.focus is None
    assert u.answer_type is AnswerType.DATE
    assert u.names == {"avocado"} and not u.carried
    assert u.terms["avocado"] == 2.0  # names weigh double
    assert not u.focus_terms and not u.said and not u.said_sentences


def test_a_follow_up_carries_the_conversation() -> None:
    history = (Turn("user", FIRST), Turn("assistant", ANSWER))
    u = understand(Question("Et quel poste occupait-il avant ?", history), LexicalEncoder())
    assert u.standalone is not None and u.query == u.standalone and u.focus == u.asked
    assert u.query.startswith("Et quel poste occupait-il avant ? (à propos de : Qui dirige le TBD Lab")
    assert not u.names  # the follow-up names nobody itself...
    assert {"wang", "tbd"} <= u.carried  # ...but carries the conversation's names
    assert u.focus_terms and set(u.focus_terms) <= set(u.terms) | set(u.focus_terms)
    assert u.said == ("Le TBD Lab est dirigé par Alexandr Wang.",)
    assert "Le TBD Lab est dirigé par Alexandr Wang." in u.said_sentences


def test_a_command_named_in_lower_case_is_one_of_the_questions_names() -> None:
    u = understand(
        Question("Avec la commande tac, quelle option permet de trier les lignes ?"), LexicalEncoder()
    )
    assert "tac" in u.names


def test_what_an_option_question_describes_leaves_out_its_frame_and_names() -> None:
    lexical = LexicalEncoder()
    u = understand(
        Question("Avec la commande wc, quelle option permet d'afficher le nombre d'octets ?"), lexical
    )
    assert set(u.described) == set(lexical.terms("afficher nombre octets"))
    effect = understand(
        Question("Avec la commande b2sum, quelle option a pour effet : « ne rien afficher » ?"), lexical
    )
    assert "b2sum" not in effect.described and not set(lexical.terms("effet commande option")) & set(
        effect.described
    )
