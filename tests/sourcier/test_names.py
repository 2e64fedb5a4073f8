"""Names in French text: a table of real cases, each found the same way everywhere."""

from __future__ import annotations

import pytest

from sourcier.lexical import LexicalEncoder
from sourcier.names import command_names, find_names, name_terms, name_words, setting_words, words

CASES = [
    # behind elisions, at the start of a sentence or not
    ("Qui est le PDG d'OpenAI ?", ["OpenAI"]),
    ("D'OpenAI à Meta, tous recrutent.", ["OpenAI", "Meta"]),
    ("L'Élysée a répondu.", ["Élysée"]),
    ("Il dit qu'Apple recrute.", ["Apple"]),
    ("Lorsqu'Amazon a racheté la société, rien n'a changé.", ["Amazon"]),
    ("Meta recrute Ruoming Pang d’Apple.", ["Meta", "Ruoming Pang", "Apple"]),
    # an elided common word is not a name, nor is what follows it
    ("Il attendra jusqu'à demain.", []),
    ("L'entreprise a changé d'avis.", []),
    # hyphenated and multi-word names, numbers closing a name
    ("Jean-Luc Mélenchon a parlé.", ["Jean-Luc Mélenchon"]),
    ("Scale AI a été fondée par Mark Zuckerberg.", ["Scale AI", "Mark Zuckerberg"]),
    (
        "Le développement est mené par le TBD Lab, au sein des Meta Superintelligence Labs (MSL).",
        ["TBD Lab", "Meta Superintelligence Labs", "MSL"],
    ),
    ("Le modèle Llama 4 a déçu.", ["Llama 4"]),
    ("Le lancement de GPT 5.", ["GPT 5"]),
    # ...but a number's first digits are not a whole number ("16th", "17.18")
    ("It was founded by Ian Murdock on August 16th, 1993.", ["Ian Murdock", "August"]),
    ("Le flou médiane : Figure 17.18.", ["Figure"]),
    ("Voir la Section 4.2 du manuel.", ["Section"]),
    # names in « » and quotes
    ("Le projet « Avocado » avance.", ["Avocado"]),
    ("Le laboratoire “Superintelligence Lab” est nouveau.", ["Superintelligence Lab"]),
    # acronyms of common nouns are titles, not names; real acronyms are names
    ("Le PDG parle de l'IA.", []),
    ("Le CEO de AWS parle.", ["AWS"]),
    ("PDG Mark Zuckerberg", ["Mark Zuckerberg"]),
    # sentence openers are not names; a name opening a sentence is one
    ("Selon l'article, Meta recrute.", ["Meta"]),
    ("Officiellement, Meta continue.", ["Meta"]),
    ("Pourtant, Zuckerberg a toujours nuancé.", ["Zuckerberg"]),
    ("Avocado doit sortir en 2028.", ["Avocado"]),
    ("Selon Mark Zuckerberg, oui.", ["Mark Zuckerberg"]),
    ("Quand Avocado doit-il sortir ? Il sortira bientôt.", ["Avocado"]),
    # a verb inverted with its pronoun opens a question, it is no name
    ("Retrouve-t-on l'historique en rouvrant un fichier XCF ?", ["XCF"]),
    ("Peut-il lire GIMP ?", ["GIMP"]),
    ("Est-ce qu'une liaison RNIS permet d'installer Debian ?", ["RNIS", "Debian"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_names_found_in_french_text(text: str, expected: list[str]) -> None:
    assert [n.text for n in find_names(text)] == expected


def test_names_are_located_and_marked_elided() -> None:
    text = "Le PDG d’OpenAI est Mark Zuckerberg."
    found = find_names(text)
    assert [(text[n.start : n.end], n.elided) for n in found] == [
        ("OpenAI", True),
        ("Mark Zuckerberg", False),
    ]


def test_name_words_are_not_stemmed() -> None:
    """The stemmer turns "OpenAI" into "open", which "open source" matches: the bug of issue 13."""
    lexical = LexicalEncoder()
    assert lexical.terms("OpenAI") == lexical.terms("open")  # why names must not be compared stemmed
    assert name_words("Le PDG d'OpenAI est Mark Zuckerberg.") == {"openai", "mark", "zuckerberg"}
    assert "openai" not in words("Meta a longtemps défendu l'open source face à Open Philanthropy.")
    assert "openai" in words("Face à des concurrents comme OpenAI.")
    assert words("l'Élysée, jusqu'à Jean-Luc") == {"elysee", "a", "jean-luc"}


def test_units_and_titles_are_no_names() -> None:
    """A refused answer asked for "Mo", "Go" and "Ko" in the evidence, as if they named someone."""
    question = "Comment obtenir l'espace libre des disques exprimé en Mo ou Go plutôt qu'en blocs de 1 Ko ?"
    assert name_words(question) == set()
    assert name_words("Le PDG de Debian installe 8 Gio sur un processeur à 2 GHz.") == {"debian"}
    assert name_words("La société Mozilla publie Firefox.") == {"mozilla", "firefox"}


def test_name_terms_are_the_stemmed_terms_of_the_same_names() -> None:
    lexical = LexicalEncoder()
    assert name_terms("Qui dirige le TBD Lab ?", lexical) == set(lexical.terms("TBD Lab"))
    assert name_terms("Le PDG et l'IA", lexical) == set()


@pytest.mark.parametrize(
    "opener",
    [
        "Lorsque",
        "Puisque",
        "Comme",
        "Dès",
        "Surtout",
        "Également",
        "Poussant",
        "Auprès",
        "Envers",
        "Aujourd'hui",
    ],
)
def test_conjunctions_and_adverbs_opening_a_sentence_are_not_names(opener: str) -> None:
    assert [n.text for n in find_names(f"{opener} Meta recrute, rien ne change.")] == ["Meta"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Avec la commande tac, quelle option permet de trier les lignes ?", {"tac"}),
        ("Quel signal la commande timeout envoie-t-elle par défaut ?", {"timeout"}),
        ("Avec cron, quelle option limite le nombre de tâches exécutées en parallèle ?", {"cron"}),
        ("Avec la commande sha256sum, quelle option calcule une empreinte MD5 ?", {"sha256sum"}),
        ("Avec plaisir, pouvez-vous m'aider ?", set()),  # a head "avec X," about no option
        ("Quel programme de base installe les paquets ?", set()),
        ("Avec la commande Git, que faire ?", set()),  # capitalised: find_names' business
        # French words after "la commande" name none (they were required in the evidence as names)
        ("Quel code de retour timeout renvoie-t-il quand la commande dépasse le temps imparti ?", set()),
        ("Avec timeout, quelle option relance la commande après l'expiration du délai ?", {"timeout"}),
        ("Avec la commande ls, quelle option permet d'afficher les caractères non graphiques ?", {"ls"}),
        ("Avec la commande resize2fs, quelle option fait afficher une barre de progression ?", {"resize2fs"}),
        ("Quelle fonction termine le programme en cas d'échec d'un test ?", set()),
        ("Avec la commande du, quelle option calcule le total général ?", {"du"}),  # "du" is one
        ("Avec la commande ld.so, quelle option vérifie que le programme est lié ?", {"ld", "so"}),
    ],
)
def test_commands_named_in_lower_case(question: str, expected: set[str]) -> None:
    """A man-page question is about its command: "Avec la commande tac, quelle option… ?" was
    answered with an option line of ls's page, since "tac" is no capitalised name."""
    assert command_names(question) == expected


def test_the_names_a_question_is_set_in() -> None:
    """ "Dans Calc, …", "…dans Writer ?": the program the question happens in; "avec CUPS" is
    what it is about."""
    assert setting_words("Dans LibreOffice Math, quel menu ouvre le catalogue ?") == {"libreoffice", "math"}
    assert setting_words("Comment insérer un saut de page au clavier dans Writer ?") == {"writer"}
    assert setting_words("Sous GNOME, comment changer le fond d'écran ?") == {"gnome"}
    assert setting_words("Comment configurer une imprimante réseau avec CUPS ?") == set()
    assert setting_words("Qui dirige le TBD Lab de Meta ?") == set()
    # a program's own kind of file named before it
    question = "Pourquoi l'image ajoutée via Format - Page n'apparaît-elle pas dans ma feuille Calc ?"
    assert setting_words(question) == {"calc"}
    assert setting_words("Comment numéroter les lignes dans un document Writer ?") == {"writer"}
    assert setting_words("Combien d'employés travaillent dans la société Falcot ?") == set()
    # a program's part ("l'installateur Debian") or its settings ("les options d'impression d'Impress")
    assert setting_words("Comment agrandir le texte dans l'installateur Debian ?") == {"debian"}
    question = "Dans les options d'impression d'Impress, quel réglage réduit les diapos ?"
    assert setting_words(question) == {"impress"}
