"""Answer shaping on real text: the eval suites' documents and the bundled articles, read by the
project's own loader, so the spans are those the index stores."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ingest.chunking import chunk_text, tiktoken_counter
from ingest.loaders import load_file
from server.engine.answer_types import asks_for_steps, gives_specifics, orders
from server.engine.evidence import Evidence, in_heading, refers_back
from server.engine.extractive import select, specifics_after
from server.engine.shaping import (
    ANNOUNCED_PARTS,
    MAX_STEPS,
    announced,
    asks_for_setting,
    is_fragment,
    label_above,
    names_setting,
    procedure_steps,
    shape,
    stands_alone,
    way_around,
    with_antecedent,
)
from sourcier.config import Settings
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "eval" / "suites" / "docs" / "documents"
MANPAGES = ROOT / "eval" / "suites" / "manpages" / "documents"
ARTICLES = ROOT / "data" / "corpus"
FRESH = ROOT / "eval" / "suites" / "fresh" / "documents"


def document_text(path: Path) -> tuple[str, str]:
    loaded = load_file(path, path.parent, 10_000_000)
    return loaded.document.text, loaded.document.title


def evidence_at(path: Path, sentence: str) -> Evidence:
    """The sentence as evidence whose context is its whole document (as a one-chunk index)."""
    text, title = document_text(path)
    return evidence_in(text, sentence, path.stem, title)


def evidence_in(text: str, sentence: str, document_id: str, title: str) -> Evidence:
    """The sentence as evidence whose context is the whole ``text``."""
    start = text.index(sentence)
    return Evidence(
        document_id=document_id,
        title=title,
        date=None,
        start=start,
        end=start + len(sentence),
        text=sentence,
        chunk_rank=0,
        dense=0.9,
        coverage=0.5,
        score=1.0,
        context=text,
        context_start=0,
    )


def quoted(e: Evidence, path: Path) -> str:
    return document_text(path)[0][e.start : e.end]


@pytest.fixture(scope="module")
def lexical() -> LexicalEncoder:
    return LexicalEncoder()


def test_a_sentence_leaning_on_the_one_before_is_cited_with_it() -> None:
    article = next(ARTICLES.glob("000_*.txt"))
    e = with_antecedent(
        evidence_at(article, "Il serait prévu pour le premier trimestre ou le printemps 2026.")
    )
    assert e.text.startswith("Avocado est le nom de code du successeur de Llama")
    assert e.text.endswith("le printemps 2026.")
    assert quoted(e, article) == e.text  # one exact span covering both sentences


def test_pronoun_with_ci_and_pour_ce_faire_lean_on_the_previous_sentence() -> None:
    handbook = DOCS / "debian-handbook-fr_000038.txt"
    e = with_antecedent(
        evidence_at(handbook, "Celle-ci prend simplement en argument l'identifiant utilisateur à créer.")
    )
    assert "avec la commande adduser." in e.text and quoted(e, handbook) == e.text
    e = with_antecedent(
        evidence_at(handbook, "Pour ce faire, on procède avec la commande adduser utilisateur groupe.")
    )
    assert e.text.startswith("Par exemple, un utilisateur intégré au groupe audio pourra accéder")
    assert e.text.endswith("Pour ce faire, on procède avec la commande adduser utilisateur groupe.")


def test_a_sentence_saying_what_follows_from_the_one_before_is_cited_with_it() -> None:
    """ "De cette manière…" names no manner of its own: the sentence before says which."""
    aptitude = DOCS / "aptitude-doc-fr_000018.txt"
    e = with_antecedent(
        evidence_at(
            aptitude,
            "De cette manière vous pouvez ajuster l'état des paquets sans affecter votre système "
            "jusqu'à ce que vous soyez satisfait.",
        )
    )
    assert e.text.startswith("Changer l'état des paquets de la façon décrite dans la section précédente")
    assert quoted(e, aptitude) == e.text
    history = DOCS / "debian-history-fr_000004.txt"
    sentence = next(
        s for s in split_sentences(document_text(history)[0]) if s.startswith("De cette manière, Debian")
    )
    e = with_antecedent(evidence_at(history, sentence))
    assert e.text.startswith("Ainsi, Debian sera accessible aux utilisateurs sans accès à Internet")
    # a contrast reads on its own: "Pourtant" is no reference to what the sentence before says
    article = ARTICLES / "004_7c747817cc0070a0.txt"
    sentence = next(
        s for s in split_sentences(document_text(article)[0]) if s.startswith("Pourtant, Zuckerberg")
    )
    assert with_antecedent(evidence_at(article, sentence)).text == sentence


def test_an_option_description_is_cited_with_its_option_line() -> None:
    """Ingestion starts a paragraph at an option line and joins its description to it, so the
    sentence that answers is the option with its description, and stays whole."""
    diff = MANPAGES / "manpages-fr_000810.txt"
    e = with_antecedent(evidence_at(diff, "--normal Afficher les différences au format normal (par défaut)."))
    assert e.text.split() == [
        "--normal",
        "Afficher",
        "les",
        "différences",
        "au",
        "format",
        "normal",
        "(par",
        "défaut).",
    ]
    assert quoted(e, diff) == e.text
    reiser = MANPAGES / "manpages-fr_001124.txt"
    e = with_antecedent(
        evidence_at(
            reiser,
            "-j, --print-journal Afficher le journal avec les transactions pas encore enregistrées "
            "(s'il y en a).",
        )
    )
    assert e.text.startswith("-j, --print-journal") and quoted(e, reiser) == e.text


def test_a_sentence_that_stands_on_its_own_is_left_alone() -> None:
    handbook = DOCS / "debian-handbook-fr_000038.txt"
    sentence = (
        "L'une des premières actions de l'administrateur est de créer les comptes de ses utilisateurs, "
        "ce qui s'effectue très simplement avec la commande adduser."
    )
    assert with_antecedent(evidence_at(handbook, sentence)).text == sentence


def test_an_impersonal_il_leans_on_nothing() -> None:
    """ "Il est possible de faire fonctionner un environnement de bureau sur de vieilles machines…"
    (installation guide) was cited with the cross-reference before it ("Voyez la Section D.2…"),
    as if "il" were the section; "Il serait prévu…" still takes its antecedent (above)."""
    guide = DOCS / "installation-guide-fr_000046.txt"
    text = document_text(guide)[0]
    sentence = next(s for s in split_sentences(text) if s.startswith("Il est possible de faire fonctionner"))
    assert (
        text[: text.index(sentence)]
        .rstrip()
        .endswith("pour vous faire une idée de l'espace disque nécessaire.")
    )
    assert with_antecedent(evidence_at(guide, sentence)).text == sentence
    for impersonal in (
        "Il faut redémarrer la machine.",
        "Il n'est pas possible d'utiliser une autre méthode.",
        "Il existe deux méthodes.",
        "Il y a trois options.",
        "Il s'agit d'un outil.",
        "Il est donc nécessaire que le disque soit monté.",
    ):
        assert not refers_back(impersonal), impersonal
    assert refers_back("Il y a une simple raison à cela : elles ne sont ni faciles ni enthousiasmantes.")
    for personal in (
        "Il serait prévu pour le printemps 2026.",
        "Il existe depuis 1993.",
        "Il est capable de lire le format.",
    ):
        assert refers_back(personal), personal


def test_a_how_to_question_gets_the_steps_each_cited() -> None:
    guide = DOCS / "developers-reference-fr_000006.txt"
    first = "Si vous ne l'avez pas encore fait, commencez par vous inscrire à la liste debian-devel@lists.debian.org."
    question = "Comment s'abonner à la liste de diffusion debian-devel ?"
    assert asks_for_steps(question)
    answer = shape([evidence_at(guide, first)], question)
    assert [e.text for e in answer][:2] == [
        first,
        "Pour cela, envoyez un courriel à debian-devel-REQUEST@lists.debian.org avec le mot subscribe en "
        "objet (champ Subject).",
    ]
    assert all(quoted(e, guide) == e.text for e in answer)
    # the next sentence does not continue the procedure: the steps stop before it
    assert not any(e.text.startswith("Vous trouverez plus d'informations") for e in answer)


def test_a_question_for_several_things_gets_the_items_of_the_list() -> None:
    handbook = DOCS / "debian-handbook-fr_000105.txt"
    first = evidence_at(
        handbook, "En voici la liste par ordre décroissant : emerg : « Au secours ! » le système est"
    )
    first = evidence_at(handbook, first.context[first.start : first.context.index(" .", first.start) + 2])
    answer = shape([first], "Quels sont les niveaux de priorité des messages syslog ?")
    assert [e.text.split(" :")[0] for e in answer[1:]] == [
        "alert",
        "crit",
        "err",
        "warn",
        "notice",
        "info",
        "debug",
    ]
    assert all(quoted(e, handbook) == e.text for e in answer)
    # "En voici la liste…" is cited with the sentence that says what it lists
    assert answer[0].text.startswith("À chaque message est également associé un niveau de priorité. En voici")
    assert answer[0].end == first.end
    assert shape([first], "Quel est le niveau le plus grave ?") == answer[:1]


def test_questions_for_one_fact_get_one_sentence() -> None:
    guide = DOCS / "developers-reference-fr_000006.txt"
    first = "Si vous ne l'avez pas encore fait, commencez par vous inscrire à la liste debian-devel@lists.debian.org."
    assert not asks_for_steps("Quelle liste faut-il suivre pour les annonces ?")
    assert not asks_for_steps("Comment s'appelle le gestionnaire de paquets ?")
    assert [e.text for e in shape([evidence_at(guide, first)], "Quelle liste faut-il suivre ?")] == [first]


def test_questions_headings_and_echoes_do_not_stand_alone(lexical: LexicalEncoder) -> None:
    faq = DOCS / "aptitude-doc-fr_000077.txt"
    text, _ = document_text(faq)
    asked = "Qu'est-ce qu'un gestionnaire de paquets ?"
    assert asked in text
    assert not stands_alone(evidence_at(faq, asked), "À quoi sert un gestionnaire de paquets ?", lexical)
    handbook = DOCS / "debian-handbook-fr_000038.txt"
    heading = evidence_at(handbook, "8.5. Création de compte")
    assert not stands_alone(heading, "Comment créer un compte ?", lexical)
    restating = evidence_at(
        handbook, "Dans certains cas, il sera utile d'ajouter un utilisateur dans un groupe, en particulier "
        "pour lui conférer des droits supplémentaires."
    )  # fmt: skip
    echo = (
        "Dans certains cas, il sera utile d'ajouter un utilisateur dans un groupe, en particulier pour "
        "lui conférer des droits supplémentaires ?"
    )
    assert not stands_alone(restating, echo, lexical)
    assert stands_alone(restating, "Comment faire entrer un utilisateur existant dans un groupe ?", lexical)


def test_a_description_asked_word_for_word_stands_with_its_option(lexical: LexicalEncoder) -> None:
    """A man-page question is its option's description; the line that answers it says "-V"."""
    at = MANPAGES / "manpages-fr_000780.txt"
    text = document_text(at)[0]
    description = "-V Afficher le numéro de version sur la sortie d'erreur standard et quitter avec succès."
    assert description in text
    e = evidence_at(at, description)
    question = (
        "Avec la commande at, quelle option permet d'afficher le numéro de version sur la sortie "
        "d'erreur standard et quitter avec succès ?"
    )
    assert stands_alone(e, question, lexical)
    # an option's description, which ingestion joins to its option line, stands too
    diff = MANPAGES / "manpages-fr_000810.txt"
    alone = evidence_at(diff, "--normal Afficher les différences au format normal (par défaut).")
    assert stands_alone(
        alone,
        "Avec diff, quelle option permet d'afficher les différences au format normal (par défaut) ?",
        lexical,
    )


def test_a_section_heading_is_not_an_antecedent() -> None:
    page = MANPAGES / "manpages-fr_000810.txt"
    e = with_antecedent(evidence_at(page, "Comparer les fichiers ligne à ligne."))
    assert e.text == "Comparer les fichiers ligne à ligne."  # not "DESCRIPTION\n\nComparer…"


def test_a_man_pages_name_line_stands_alone_though_it_is_the_title(lexical: LexicalEncoder) -> None:
    """The NAME line is the page's title (the loader's) and the answer to "which command…?"."""
    page = MANPAGES / "manpages-fr_000783.txt"
    name_line = "b2sum - Calculer et vérifier l'empreinte numérique BLAKE2"
    e = evidence_at(page, name_line)
    assert e.title == name_line
    assert stands_alone(e, "Quelle commande permet de calculer une empreinte numérique BLAKE2 ?", lexical)


def test_a_clause_cut_at_its_comma_is_a_fragment_however_long(lexical: LexicalEncoder) -> None:
    """timeout(1) prints the start of --foreground's description as a paragraph of its own."""
    page = DOCS / "manpages-fr_000943.txt"
    cut = evidence_at(page, "quand timeout n'est pas exécuté depuis un interpréteur de commande,")
    assert not stands_alone(cut, "Quel signal la commande timeout envoie-t-elle par défaut ?", lexical)
    whole = evidence_at(
        page, "Le signal TERM tue tous les processus qui ne bloquent ni n'interceptent ce signal."
    )
    assert stands_alone(whole, "Quel signal la commande timeout envoie-t-elle par défaut ?", lexical)


def test_a_flattened_tables_leftover_cell_is_a_fragment() -> None:
    """Debian Reference's table of network tools, flattened to text, leaves a row's empty cells
    as commas before its description: a piece of a row, not a sentence."""
    assert is_fragment(", , client graphique (Qt) pour wpa_supplicant")
    assert is_fragment("; voir plus bas pour les détails de la configuration")
    assert not is_fragment(
        "Le sélecteur est une liste de couples sous-système.priorité (exemple : auth.notice;mail.info)."
    )


def evidence_with_headings(path: Path, sentence: str) -> Evidence:
    """``evidence_at``, with the document's headings as a chunk holding them all carries them."""
    loaded = load_file(path, path.parent, 10_000_000)
    text = loaded.document.text
    headings = tuple(text[h.start : h.end] for h in loaded.clean.headings)
    return dataclasses.replace(evidence_at(path, sentence), headings=headings)


@pytest.mark.parametrize(
    ("page", "piece", "heading"),
    [
        (
            "installation-guide-fr_000053.txt",
            "Démarrage du programme d'installation depuis Linux avec GRUB",
            "4.4.1. Démarrage du programme d'installation depuis Linux avec GRUB",
        ),
        (
            "installation-guide-fr_000021.txt",
            "Installer Debian GNU/Linux avec PPP sur Ethernet (PPPoE)",
            "D.5. Installer Debian GNU/Linux avec PPP sur Ethernet (PPPoE)",
        ),
    ],
)
def test_the_words_of_a_numbered_heading_are_no_answer(
    lexical: LexicalEncoder, page: str, piece: str, heading: str
) -> None:
    """A numbered heading splits after its number; the rest was offered as the answer to "Quelles
    sont les étapes pour installer Debian avec une connexion PPPoE ?"."""
    e = evidence_with_headings(DOCS / page, piece)
    assert heading in e.headings and piece != heading
    assert in_heading(piece, e.headings)
    assert is_fragment(piece, e.headings)
    assert not stands_alone(
        e, "Quelles sont les étapes pour installer Debian avec une connexion PPPoE ?", lexical
    )
    body = evidence_with_headings(
        DOCS / "installation-guide-fr_000021.txt",
        "Pour pouvoir utiliser une connexion PPPoE pendant l'installation, vous devez faire une "
        "installation avec l'une des images CD-ROM/DVD disponibles.",
    )
    assert stands_alone(body, "Comment installer Debian avec une connexion PPPoE ?", lexical)


def test_a_heading_is_no_antecedent() -> None:
    """GIMP's "3.6.1. Généralités" stands over a paragraph opening in lower case; the answer read
    "Généralités tandis que le « Flou gaussien »…"."""
    page = DOCS / "gimp-help-fr_000177.txt"
    sentence = (
        "tandis que le « Flou gaussien » calcule la moyenne des pixels environnants, le « Flou médiane » "
        "calcule la médiane :"
    )
    e = evidence_with_headings(page, sentence)
    assert "3.6.1. Généralités" in e.headings
    assert with_antecedent(e).text == sentence
    without_headings = evidence_at(page, sentence)  # what a one-word term line above would get
    assert with_antecedent(without_headings).text.startswith("Généralités")


@pytest.mark.parametrize(
    ("page", "entry", "question"),
    [
        (
            "manpages-fr_000962.txt",
            "-c, --bytes afficher le nombre d'octets",
            "Avec la commande wc, quelle option permet d'afficher le nombre d'octets ?",
        ),
        (
            "manpages-fr_000902.txt",
            "-d, --dir supprimer des répertoires vides",
            "Avec la commande rm, quelle option permet de supprimer des répertoires vides ?",
        ),
    ],
)
def test_a_short_option_entry_is_an_answer_not_a_fragment(
    lexical: LexicalEncoder, page: str, entry: str, question: str
) -> None:
    """wc's "-c, --bytes afficher le nombre d'octets" is six words without final punctuation, and
    was dropped as a fragment: the answer became the next longer line, "-l, --lines …"."""
    assert not is_fragment(entry)
    assert stands_alone(evidence_at(MANPAGES / page, entry), question, lexical)
    assert is_fragment("-s, --signal=SIGNAL") and is_fragment("-c, --bytes")  # an option line alone
    assert is_fragment("- voir plus bas")  # a list's dash is no option


def test_a_why_question_gets_the_reason_that_follows_its_fact() -> None:
    """ "Pourquoi les distributions ont-elles peu intéressé les développeurs… ?" was answered with
    the fact alone; its reason is the next sentence, which goes on from it ("…à cela : …")."""
    manifesto = DOCS / "debian-history-fr_000004.txt"
    fact = (
        "En dépit de leur importance évidente, les distributions ont peu attiré l'attention des développeurs."
    )
    reason = "Il y a une simple raison à cela : elles ne sont ni faciles ni enthousiasmantes à construire"
    question = "Pourquoi les distributions ont-elles peu intéressé les développeurs selon le manifeste ?"
    answer = shape([evidence_at(manifesto, fact)], question)
    assert len(answer) == 2 and answer[0].text == fact and answer[1].text.startswith(reason)
    assert all(quoted(e, manifesto) == e.text for e in answer)
    # a sentence that gives its reason itself, or a question that asks for no reason, gets no more
    assert shape([evidence_at(manifesto, fact)], "Les distributions ont-elles attiré les développeurs ?") == [
        evidence_at(manifesto, fact)
    ]
    help_page = DOCS / "libreoffice-help-fr_001855.txt"
    blocked = evidence_at(
        help_page,
        "Bloque l'utilisation d'images liées par des documents qui ne sont pas dans les emplacements de confiance "
        "définis dans l'onglet Sources de confiance de la boîte de dialogue Sécurité des macros.",
    )
    why = "Pourquoi bloquer les liens des documents situés hors des emplacements de confiance ?"
    assert any(e.text.startswith("Cela peut améliorer la sécurité") for e in shape([blocked], why))
    # a question asking several things has its sentence for each: no reason added to either
    assert shape([evidence_at(manifesto, fact), blocked], why) == [evidence_at(manifesto, fact), blocked]


def test_a_how_to_question_gets_the_instruction_its_lead_sets_up() -> None:
    """ "Comment libérer la place prise par les paquets téléchargés dans aptitude ?" was answered
    with where the packages are kept; how to remove them is two sentences on."""
    page = DOCS / "aptitude-doc-fr_000018.txt"
    where = (
        "Les paquets qui sont téléchargés par aptitude sont placés dans un répertoire de cache "
        "(habituellement /var/cache/apt/archives)."
    )
    question = "Comment libérer la place prise par les paquets téléchargés dans aptitude ?"
    answer = shape([evidence_at(page, where)], question)
    assert len(answer) == 2 and answer[0].text == where
    assert answer[1].text.startswith("Pour supprimer tous les fichiers de ce répertoire, utilisez Actions")
    assert quoted(answer[1], page) == answer[1].text
    # a lead that tells how itself, or a question that asks no how, gets nothing more
    how = answer[1].text
    assert [e.text for e in shape([evidence_at(page, how)], question)] == [how]
    assert shape([evidence_at(page, where)], "Où aptitude place-t-il les paquets téléchargés ?") == [
        evidence_at(page, where)
    ]


def test_a_which_setting_question_gets_the_label_above_its_description() -> None:
    """LibreOffice's help writes a setting's name on a line of its own above what it does; the
    sentence matching "…quel réglage permet de caser plusieurs diapos sur une même feuille… ?"
    is the description's second sentence, and the answer is the label over it."""
    page = FRESH / "libreoffice-help-fr_001823.txt"
    described = "Si les pages ou diapos sont plus petites que le papier, chaque feuille contiendra plusieurs pages ou diapos."
    question = (
        "Dans les options d'impression d'Impress, quel réglage permet de caser plusieurs diapos sur "
        "une même feuille quand elles sont plus petites que le papier ?"
    )
    assert asks_for_setting(question) and asks_for_setting("Quelle case faut-il cocher pour cela ?")
    assert not asks_for_setting("Que se passe-t-il si les diapos sont plus petites que le papier ?")
    answer = shape([evidence_at(page, described)], question)
    assert [e.text for e in answer] == ["Pages en mosaïque", described]
    assert quoted(answer[0], page) == "Pages en mosaïque"
    # the first sentence of the description has the same label; a question asking no setting
    # gets the description alone
    first = "Indique que les pages doivent être imprimées avec une disposition en carrelage."
    assert [e.text for e in label_above(evidence_at(page, first))] == ["Pages en mosaïque"]
    assert shape([evidence_at(page, described)], "Que se passe-t-il si les diapos sont petites ?") == [
        evidence_at(page, described)
    ]


def test_a_label_is_a_line_of_its_own_not_an_option_nor_a_sentence() -> None:
    """No label for the third sentence of a paragraph (it describes something else by then), nor
    for a description under an option line, which ``with_antecedent`` already cites with it."""
    text = (
        "Mode brouillon\nImprime vite. Utilise moins d'encre. Les couleurs sont pâles.\n"
        "-q, --quiet\nne rien afficher sur la sortie standard.\n"
    )
    third = evidence_in(text, "Les couleurs sont pâles.", "page", "Impression")
    second = evidence_in(text, "Utilise moins d'encre.", "page", "Impression")
    quiet = evidence_in(text, "ne rien afficher sur la sortie standard.", "page", "Impression")
    assert label_above(third) == []
    assert [e.text for e in label_above(second)] == ["Mode brouillon"]
    assert label_above(quiet) == []
    assert with_antecedent(quiet).text.startswith("-q, --quiet")


def test_a_sentence_naming_its_setting_gets_no_label() -> None:
    """An option entry under a man page's "OPTIONS", a menu path under GIMP's "13.7.2. Ouverture
    du filtre": the sentence names what the question asks, and the line above is a section's
    heading."""
    at_page = MANPAGES / "manpages-fr_000780.txt"
    entry = evidence_at(
        at_page,
        "-V Afficher le numéro de version sur la sortie d'erreur standard et quitter avec succès.",
    )
    option = "Avec la commande at, quelle option permet d'afficher le numéro de version ?"
    assert label_above(entry) == []  # "OPTIONS" is a section, in capitals
    assert [e.text for e in shape([entry], option)] == [entry.text]
    # GIMP's page as its chunk holds it: the section's number is in the heading path, not the text
    sentence = "On accède à ce filtre par Filtres → Carte → Projection panoramique…."
    chunk = f"Ouverture du filtre\n\n{sentence}\n"
    path = evidence_in(chunk, sentence, "gimp-help-fr_000198", "Projection panoramique")
    menu = "Dans quel menu de GIMP se trouve le filtre Projection panoramique ?"
    assert [e.text for e in label_above(path)] == ["Ouverture du filtre"]
    assert names_setting(path.text, menu) and asks_for_setting(menu)
    assert [e.text for e in shape([path], menu)] == [sentence]


def test_a_step_may_say_where_before_it_says_what_to_do() -> None:
    """LibreOffice's page on excluding words from hyphenation: "Dans la zone Mot, saisissez le mot à
    exclure… suivre du signe égal (=)" is a step although it opens on where it applies. The steps
    end at "Pour exclure rapidement un mot…, sélectionnez…", a whole procedure of its own: the
    "Procédez comme suit :" further on belongs to another one."""
    page = FRESH / "libreoffice-help-fr_002426.txt"
    lead = evidence_at(
        page,
        "Si la coupure des mots automatique est activée pour votre texte et que certains mots se "
        "coupent mal, ou si vous souhaitez que des mots spécifiques ne soient jamais coupés, vous "
        "pouvez désactiver la coupure des mots pour ceux-ci :",
    )
    question = (
        "Comment faire pour qu'un mot précis ne soit jamais coupé par la coupure automatique, via le "
        "dictionnaire de l'utilisateur ?"
    )
    texts = [e.text for e in shape([lead], question)]
    assert any(t.startswith("Dans la zone Mot, saisissez le mot à exclure") for t in texts)
    assert texts[-1] == "Cliquez sur Nouveau, puis sur Fermer."
    assert not any(t.startswith(("Pour exclure rapidement", "Positionnez le curseur")) for t in texts)
    assert orders("Dans la zone Mot, saisissez le mot à exclure.") and orders("Cliquez sur Nouveau.")
    assert not orders("Dans la zone Mot, le mot saisi est exclu.")
    assert not orders("Si vous avez des problèmes, consultez un expert.")  # a remark, not a step


def test_an_example_is_cited_with_what_it_illustrates() -> None:
    """ "Par exemple /dev/sdb et non pas /dev/sdb1." illustrates the sentence before it, which
    holds the answer ("sur le disque complet, et pas sur une partition")."""
    guide = DOCS / "installation-guide-fr_000052.txt"
    example = with_antecedent(evidence_at(guide, "Par exemple /dev/sdb et non pas /dev/sdb1."))
    assert example.text.startswith(
        "L'image doit être copiée sur le disque complet, et pas sur une partition."
    )
    assert example.text.endswith("Par exemple /dev/sdb et non pas /dev/sdb1.")
    assert quoted(example, guide) == example.text


def chunk_evidence(path: Path, sentence: str) -> tuple[Evidence, str]:
    """The sentence as evidence whose context is the first chunk holding it (the ingestion's own
    chunking at the default budget), and its document's text."""
    loaded = load_file(path, path.parent, 10_000_000)
    text = loaded.document.text
    settings = Settings()
    chunks = chunk_text(
        loaded.clean, settings.chunk_tokens, settings.chunk_overlap_tokens, tiktoken_counter()
    )
    start = text.index(sentence)
    chunk = next(c for c in chunks if c.start <= start and start + len(sentence) <= c.end)
    evidence = dataclasses.replace(
        evidence_at(path, sentence), context=text[chunk.start : chunk.end], context_start=chunk.start
    )
    return evidence, text


def test_a_list_cut_at_its_chunks_end_is_read_on_in_its_document() -> None:
    handbook = DOCS / "debian-handbook-fr_000003.txt"
    head = (
        "Le système d'information peine à suivre la croissance de l'entreprise et il a été convenu de"
        " le redéfinir entièrement pour atteindre différents objectifs fixés par la direction :"
        " infrastructure moderne capable de monter en puissance facilement ;"
    )
    evidence, text = chunk_evidence(handbook, head)
    question = (
        "Quels objectifs la direction de Falcot a-t-elle fixés pour son nouveau système d'information ?"
    )
    within_chunk = shape([evidence], question)
    within_document = shape([evidence], question, {handbook.stem: text}.get)
    assert within_chunk[-1].end == evidence.context_start + len(evidence.context)  # the chunk ends mid-list
    assert "sécurité" not in " ".join(e.text for e in within_chunk)
    assert len(within_document) > len(within_chunk)
    spans = [(e.start, e.end, e.text) for e in within_document]
    assert spans[: len(within_chunk)] == [(e.start, e.end, e.text) for e in within_chunk]
    assert any("sécurité" in e.text for e in within_document[len(within_chunk) :])
    assert all(text[e.start : e.end] == e.text for e in within_document)  # exact spans past the chunk
    # an unknown document (or an index older than the text) leaves the chunk as it was
    assert shape([evidence], question, {}.get) == within_chunk
    assert shape([evidence], question, {handbook.stem: "autre texte"}.get) == within_chunk


def test_a_procedure_written_in_prose_gets_its_later_steps() -> None:
    """The installation guide's PPPoE page tells its procedure over several paragraphs, with
    remarks between the steps ("Une installation avec PPPoE ressemble beaucoup aux autres…"): the
    steps were cut at the first remark. Each sentence that says it is the next step is cited on
    its own, the remarks between are not, and a question that asks for no steps gets none."""
    page = DOCS / "installation-guide-fr_000021.txt"
    first = (
        "Pour pouvoir utiliser une connexion PPPoE pendant l'installation, vous devez faire une installation"
        " avec l'une des images CD-ROM/DVD disponibles."
    )
    evidence = evidence_at(page, first)
    shaped = shape([evidence], "Quelles sont les étapes pour installer Debian avec une connexion PPPoE ?")
    texts = [e.text for e in shaped]
    assert texts[0] == first
    for step in (
        "Il faut amorcer l'installateur avec le paramètre modules=ppp-udeb [23].",
        "L'étape suivante est la détection du matériel réseau pour identifier toutes les cartes Ethernet présentes.",
        "Une fois le concentrateur trouvé, l'utilisateur doit indiquer son identifiant et son mot de passe PPPoE.",
    ):
        assert step in texts, step
    assert not any(
        t.startswith(("Une installation avec PPPoE ressemble", "La suite du texte")) for t in texts
    )
    assert all(quoted(e, page) == e.text for e in shaped)
    assert [e.start for e in shaped] == sorted(e.start for e in shaped)
    assert len(shaped) <= MAX_STEPS + 1
    assert shape([evidence], "Quel support faut-il pour installer Debian avec PPPoE ?") == [evidence]


def test_a_numbered_list_that_lost_its_numbers_gets_its_instructions() -> None:
    """LibreOffice's help tells how to draw a curve as a list whose numbers the text lost: one
    instruction per paragraph ("Cliquez…", "Relâchez…", "Placez…"), with remarks between ("La
    ligne de contrôle indique la direction."). Each instruction is a step; the remarks are not; an
    instruction stating a goal of its own ("Pour découvrir une case…, sélectionnez…") starts
    another procedure and is left out."""
    page = DOCS / "libreoffice-help-fr_002019.txt"
    first = "Ouvrez la barre d'outils Courbes et sélectionnez l' et sélectionnez l'outil Courbe."
    shaped = shape([evidence_at(page, first)], "Comment dessiner une courbe dans Draw ?")
    texts = [e.text for e in shaped]
    assert texts[0] == first
    for step in (
        "Cliquez à l'endroit où doit commencer la courbe et faites glisser le curseur de la souris dans la "
        "direction que la courbe doit suivre.",
        "Relâchez la souris où doit se trouver le premier point de contrôle.",
        "Placez le pointeur à l'endroit où vous voulez que le segment de courbe s'arrête.",
    ):
        assert step in texts, step
    assert "La ligne de contrôle indique la direction." not in texts
    assert all(quoted(e, page) == e.text for e in shaped)
    assert len(shaped) <= MAX_STEPS + 1
    game = DOCS / "aptitude-doc-fr_000038.txt"
    launch = "Pour le lancer, sélectionner Actions → Jouer au démineur."
    shaped = shape([evidence_at(game, launch)], "Comment lancer le jeu de démineur intégré à aptitude ?")
    assert not any(e.text.startswith("Pour découvrir une case") for e in shaped)
    # an instruction stating its own goal is a whole answer: the list's other instructions are not its steps
    bezier = "Pour créer une forme fermée, double-cliquez sur le point de départ de la ligne."
    shaped = shape([evidence_at(page, bezier)], "Comment fermer une courbe dans Draw ?")
    assert [e.text for e in shaped] == [bezier]


#: Debian Reference, section 2.2.2 (debian-reference-fr in the bench corpus, not a suite document).
APTITUDE_WARNING = (
    "Les commandes apt-get et apt-cache sont les outils les plus basiques.\n\n"
    "La commande aptitude suggère parfois la suppression massive de paquets lors de la mise à niveau du "
    "système sur des systèmes Debian en testing ou unstable.\n"
    "Cette situation a effrayé de nombreux administrateurs système. Pas de panique.\n\n"
    "Il semblerait que cela soit principalement causé par un biais de version parmi des paquets dépendants "
    "de, ou recommandés par, un méta-paquet tel que gnome-core.\n\n"
    "Cela peut être résolu en sélectionnant « Annuler les actions en attente » dans le menu de commande "
    "d'aptitude, en quittant aptitude et en utilisant la commande « apt full-upgrade ».\n"
)


def test_a_why_question_gets_the_reason_past_a_remark() -> None:
    """The fact ("…suggère parfois la suppression massive…") is followed by two remarks ("Cette
    situation a effrayé…", "Pas de panique.") before its cause: the cause is cited, not the remarks."""
    fact = next(s for s in split_sentences(APTITUDE_WARNING) if s.startswith("La commande aptitude"))
    evidence = evidence_in(
        APTITUDE_WARNING, fact, "debian-reference-fr_000002", "Chapitre 2. Gestion des paquets Debian"
    )
    shaped = shape([evidence], "Pourquoi aptitude propose-t-il de supprimer beaucoup de paquets en testing ?")
    assert [e.text for e in shaped] == [
        fact,
        "Il semblerait que cela soit principalement causé par un biais de version parmi des paquets "
        "dépendants de, ou recommandés par, un méta-paquet tel que gnome-core.",
    ]
    assert all(APTITUDE_WARNING[e.start : e.end] == e.text for e in shaped)
    # asked what happens, not why: the fact alone
    assert shape([evidence], "Que suggère parfois aptitude en testing ?") == [evidence]


PLIP = "installation-guide-fr_000020.txt"


def test_the_sentence_giving_the_values_joins_the_one_that_introduces_them() -> None:
    """The best-ranked sentence names what the question asks about; the next one gives it."""
    path = ROOT / "eval" / "suites" / "fresh" / "documents" / PLIP
    question = "Quelles valeurs prennent d'ordinaire l'adresse IO et l'IRQ du port parallèle pour PLIP ?"
    intro = dataclasses.replace(
        evidence_at(
            path,
            "Avant de commencer, vous devez vérifier la configuration du BIOS pour les ports "
            "parallèles (adresses IO et IRQ) des deux systèmes (cible et source).",
        ),
        score=1.24,
    )
    values = dataclasses.replace(
        evidence_at(path, "Les valeurs habituelles sont io=0x378, irq=7."), score=1.15
    )
    assert not gives_specifics(intro.text, question) and gives_specifics(values.text, question)
    assert specifics_after(intro, [intro, values], question) == values
    assert [e.text for e in select([intro, values], 3, question)] == [intro.text, values.text]
    # ranked too far below, it is another sentence, not the rest of this one
    assert select([intro, dataclasses.replace(values, score=1.0)], 3, question) == [intro]
    # a best sentence with specifics of its own stands alone
    assert select([values, intro], 3, question) == [values]
    # one sentence at most: the best one
    assert select([intro, values], 1, question) == [intro]


def test_a_definition_is_not_extended_by_what_follows_it() -> None:
    text = (
        "Planet Debian constitue une autre source d'informations, plus informelle. "
        "Elle agrège les articles publiés par 1 200 contributeurs."
    )
    definition = evidence_in(
        text, "Planet Debian constitue une autre source d'informations, plus informelle.", "p", ""
    )
    following = dataclasses.replace(
        evidence_in(text, "Elle agrège les articles publiés par 1 200 contributeurs.", "p", ""), score=0.99
    )
    assert specifics_after(definition, [definition, following], "Combien de contributeurs ?") == following
    assert specifics_after(definition, [definition, following], "Qu'est-ce que Planet Debian ?") is None


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        (
            "On accède à ce filtre par Filtres → Carte → Projection panoramique….",
            "Dans quel menu est ce filtre ?",
            True,
        ),
        (
            "Ouvrez le filtre Projection panoramique.",
            "Dans quel menu est le filtre Projection panoramique ?",
            False,
        ),
        ("…passer le paramètre d'amorçage firmware=never.", "Comment désactiver la recherche ?", True),
        (
            "Utilisez l'entrée « Accessible high contrast » du menu.",
            "Comment avoir un contraste élevé ?",
            True,
        ),
        ("Choisissez Affichage - Barres d'outils - Dessin.", "Comment ouvrir la barre Dessin ?", True),
        ("Réservez environ 100 Mo par utilisateur.", "Combien de place par utilisateur ?", True),
        ("Réservez environ 100 Mo par utilisateur.", "Faut-il 100 Mo par utilisateur ?", False),
        ("Les sites publient leurs articles. → https://planet.debian.org/", "Où lire ?", True),
        ("La fin d'une phrase. → Suite.", "Et ensuite ?", False),
    ],
)
def test_specifics_are_what_prose_cannot_say(sentence: str, question: str, expected: bool) -> None:
    assert gives_specifics(sentence, question) is expected


def test_what_cannot_be_done_comes_with_the_way_around_it() -> None:
    """ "…je n'arrive plus à surligner du texte : y a-t-il une astuce ?" was answered with the
    limit ("Normalement, vous ne pouvez pas sélectionner du texte…"); the remedy is the next
    sentence, which opens with a contrast and says what one can do."""
    xterm = FRESH / "aptitude-doc-fr_000039.txt"
    limit = (
        "Normalement, vous ne pouvez pas sélectionner du texte dans un xterm alors qu'un programme "
        "(tel qu'aptitude) en fonctionnement dans le terminal utilise la souris."
    )
    question = "aptitude accapare la souris dans mon xterm : y a-t-il une astuce pour copier du texte ?"
    answer = shape([evidence_at(xterm, limit)], question)
    assert [e.text for e in answer] == [
        limit,
        "Néanmoins, vous pouvez passer outre ce comportement et faire une sélection en gardant la touche "
        "Maj (Shift) enfoncée.",
    ]
    assert all(quoted(e, xterm) == e.text for e in answer)
    indexed = FRESH / "gimp-help-fr_000106.txt"
    cannot = "Vous ne pouvez pas créer une image directement en mode indexé."
    (after,) = way_around(evidence_at(indexed, cannot))
    assert after.text.startswith(
        "Mais vous pouvez toujours le faire ultérieurement en utilisant la commande Image → Mode"
    )
    # a contrast that offers no way around ("…un microprogramme doit être installé") adds nothing
    firmware = FRESH / "installation-guide-fr_000038.txt"
    basic = (
        "Beaucoup de cartes graphiques ne nécessitent pas de microprogramme supplémentaire pour les "
        "fonctions basiques."
    )
    assert way_around(evidence_at(firmware, basic)) == []
    # a sentence that says no limit gets no "Mais…" after it
    remedy = answer[1].text
    assert way_around(evidence_at(xterm, remedy)) == []


def test_what_a_document_does_not_say_comes_with_where_it_is_said() -> None:
    """ "Où trouver les règles que doivent respecter les paquets Debian ?": the reference says it
    does not give them, and the next sentence, which goes on from that one, says where they are.
    A sentence after a blank line goes on from nothing: a page's footer is no continuation."""
    reference = DOCS / "developers-reference-fr_000009.txt"
    limit = "Il ne décrit pas non plus les règles que doivent respecter les paquets Debian."
    (after,) = way_around(evidence_at(reference, limit))
    assert after.text == "Ces informations sont disponibles dans la Charte Debian."
    lilypond = DOCS / "lilypond-doc-fr_000021.txt"
    text, _ = document_text(lilypond)
    limited = next(s for s in split_sentences(text) if s.startswith("En raison d'une limitation dans"))
    assert "Cette page documente" in text[text.index(limited) :][: len(limited) + 40]
    assert way_around(evidence_at(lilypond, limited)) == []


def test_a_sentence_announcing_parts_is_followed_by_them_within_its_paragraph() -> None:
    """ "L'enjeu pour Meta est double." or "…cela pourrait avoir des répercussions majeures." answers
    nothing alone: the parts it announces follow it. As many as it names (two for "double"),
    else up to ``ANNOUNCED_PARTS`` ("plusieurs parties" on an aptitude page), never past the
    paragraph's end."""
    article = ARTICLES / "004_7c747817cc0070a0.txt"
    text = document_text(article)[0]
    double = "L'enjeu pour Meta est double."
    answer = shape([evidence_at(article, double)], "Quel est l'enjeu pour Meta ?")
    assert [e.text for e in answer][1:] == split_sentences(text[text.index(double) + len(double) :])[:2]
    assert answer[1].text.startswith("D'un côté") and answer[2].text.startswith("De l'autre")
    majeures = "Si Meta choisit effectivement de fermer ses futurs modèles, cela pourrait avoir des répercussions majeures."
    following = announced(evidence_at(article, majeures))
    assert [e.text[:20] for e in following] == ["L'élan actuel autour", "Les petites entrepri"]
    assert all(quoted(e, article) == e.text for e in following)  # the paragraph ends there

    page = DOCS / "aptitude-doc-fr_000002.txt"
    parts = "Comme vous pouvez le voir, l'écran principal d'aptitude est divisé en plusieurs parties."
    assert ANNOUNCED_PARTS == 3
    assert [e.text.split(" qui ")[0][:16] for e in announced(evidence_at(page, parts))] == [
        "La ligne bleue e",
        "La zone noire",
        "Le groupe actuel",
    ]
    # not a sentence that gives its parts itself, nor a "double" that is no announcement
    listed = (
        "La ligne bleue en haut du terminal est la barre de menu, et les lignes bleues juste "
        "au-dessous contiennent des informations sur quelques commandes importantes."
    )
    assert announced(evidence_at(page, listed)) == []
    clic = "Le double clic ouvre le fichier."
    assert announced(evidence_in(f"{clic} Puis il se ferme.", clic, "x", "x")) == []


def test_a_pointer_elsewhere_or_a_remark_is_no_step_of_a_procedure() -> None:
    """After "…peuvent passer le paramètre d'amorçage firmware=never…", the installation guide
    goes on with "Consultez la Section 6.4, « Télécharger des microprogrammes… » pour des
    précisions…" and "Veuillez noter que l'installateur…": imperatives, yet no step of disabling
    the search. A next instruction is still one."""
    page = FRESH / "installation-guide-fr_000038.txt"
    lead = (
        "Les utilisateurs qui souhaiteraient désactiver totalement la recherche de microprogramme "
        "peuvent passer le paramètre d'amorçage firmware=never, qui est un alias pour la forme "
        "longue hw-detect/firmware-lookup=never."
    )
    question = "Comment désactiver complètement la recherche de microprogrammes (firmware) par l'installateur Debian ?"
    assert asks_for_steps(question)
    assert [e.text for e in shape([evidence_at(page, lead)], question)] == [lead]
    text = f"{lead} Consultez le fichier /etc/default/grub et ajoutez-y ce paramètre."
    assert [e.text for e in procedure_steps(evidence_in(text, lead, "x", "x"), [])] == [
        "Consultez le fichier /etc/default/grub et ajoutez-y ce paramètre."
    ]
