"""Abstention from measures that mean the same on any corpus: the retrievers' agreement (rank
positions) and the best evidence's alignment with the question, on the real model and index."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from server.engine import abstention
from server.engine.abstention import TYPED_DEPTH, Support, naming_first, only_names
from server.engine.answer_types import AnswerType, asks_for_procedure, instructs, provides, tells_how
from server.engine.config import AnswerConfig
from server.engine.evidence import Evidence, Weights
from server.engine.retrieval import agreement, chunk_agreement
from server.engine.service import Sourcier
from server.engine.types import Question
from server.engine.understanding import understand
from sourcier.config import Settings
from sourcier.lexical import LexicalEncoder
from sourcier.names import words
from tests.support.pages import DOCS, FRESH, pages_service, stages


def test_agreement_is_high_when_both_retrievers_find_the_passage(service: Any) -> None:
    _, retrieval, _ = stages(service, "Quel est le nom de code du successeur de Llama ?")
    assert retrieval.mode == "hybrid"
    assert agreement(retrieval) >= 0.75  # first in one list, at worst third in the other
    _, off_topic, _ = stages(service, "Comment réussir une pâte à crêpes sans grumeaux ?")
    assert agreement(off_topic) < agreement(retrieval)


def test_agreement_is_zero_when_only_the_dense_retriever_ran(service: Any) -> None:
    _, retrieval, _ = stages(service, "Qui est-ce ?")  # stop words only: no lexical terms
    assert retrieval.mode == "dense" and retrieval.chunks
    assert agreement(retrieval) == 0.0


@pytest.mark.parametrize(
    ("question", "abstains"),
    [
        ("Quel est le nom de code du successeur de Llama ?", False),
        ("Comment réussir une pâte à crêpes sans grumeaux ?", True),
        ("Quelle est la capitale de l'Australie ?", True),
    ],
)
def test_decision_follows_alignment_and_agreement(service: Any, question: str, abstains: bool) -> None:
    understanding, retrieval, evidence = stages(service, question)
    decision = service.engine.decide(understanding, evidence, retrieval, AnswerConfig())
    assert decision.abstain is abstains, decision.reason
    if abstains:
        assert decision.reason.startswith(("best evidence alignment", "dense and lexical retrieval disagree"))


def test_support_needs_alignment_and_either_agreement_or_strong_alignment() -> None:
    support = Support(min_alignment=0.55, strong_alignment=0.7, min_agreement=0.6)
    assert support.lacking(0.50, 1.0) == "best evidence alignment 0.500 < 0.55"
    assert support.lacking(0.60, 0.5) is not None  # aligned, but the retrievers disagree
    assert support.lacking(0.60, 0.6) is None
    assert support.lacking(0.72, 0.0) is None  # strongly aligned: agreement not needed


@pytest.fixture(scope="module")
def debian_pages(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """The bundled articles plus the handbook's page on Debian's communication channels and the
    history's page on Debian's beginnings (docs suite): both say "Debian" throughout."""
    pages = [DOCS / f"{page}.txt" for page in ("debian-handbook-fr_000051", "debian-history-fr_000004")]
    yield from pages_service(pages, "debian-pages", embedder, corpus_index, tmp_path_factory)


def test_a_question_that_is_only_names_is_answered_by_a_sentence_naming_them(
    debian_pages: Sourcier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Qu'est-ce que Planet Debian ?": "Debian Linux est une toute nouvelle sorte de distribution
    Linux." is aligned best with the question and says nothing of Planet Debian; the sentence
    that names it does."""
    question = Question("Qu'est-ce que Planet Debian ?")
    understanding, _, evidence = stages(debian_pages, question.text)
    assert only_names(understanding, debian_pages.lexical)
    assert not {"planet", "debian"} <= words(evidence[0].text)  # what the ranker puts first
    answer = debian_pages.ask(question)
    assert not answer.abstained and answer.text.startswith("Planet Debian constitue"), answer.text
    monkeypatch.setattr(abstention, "naming_first", lambda evidence, names: list(evidence))
    assert not debian_pages.ask(question).text.startswith("Planet Debian"), "the ordering decides"


def test_naming_first_keeps_the_ranked_order_within_each_group() -> None:
    def sentence(text: str, score: float) -> Evidence:
        return Evidence("d", "t", None, 0, len(text), text, 0, 0.8, 0.0, score)

    ranked = [
        sentence("Debian Linux est une distribution.", 0.9),
        sentence("Planet Debian agrège les blogs.", 0.8),
        sentence("Le projet a démarré en 1993.", 0.7),
        sentence("Planet Debian est informel.", 0.6),
    ]
    ordered = naming_first(ranked, frozenset({"planet", "debian"}))
    assert [e.score for e in ordered] == [0.8, 0.6, 0.9, 0.7]
    assert not only_names(
        understand(Question("Que publie Planet Debian ?"), LexicalEncoder()), LexicalEncoder()
    )


def test_support_needs_the_answers_chunk_found_unless_its_sentence_is_well_aligned() -> None:
    support = Support()  # rank votes 0.37, alignment 0.62

    def votes(*ranks: int) -> float:
        return sum(1 / (2 + r) for r in ranks)

    assert support.unfound(0.60, votes(1)) is not None  # second in one list only, weakly aligned
    assert support.unfound(0.60, votes(3, 4)) is not None  # fourth and fifth
    assert support.unfound(0.60, votes(0)) is None  # first in one list
    assert support.unfound(0.60, votes(3, 3)) is None  # fourth in both
    assert support.unfound(0.63, 0.0) is None  # well aligned: where its chunk ranks does not matter


@pytest.fixture(scope="module")
def libreoffice_pages(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """The bundled articles plus the nine LibreOffice help pages of the docs suite (options
    dialogs, page breaks, security)."""
    pages = sorted(DOCS.glob("libreoffice-help-fr_*.txt"))
    assert len(pages) == 9
    yield from pages_service(pages, "libreoffice-pages", embedder, corpus_index, tmp_path_factory)


@pytest.mark.slow  # ingests pages of its own
def test_an_answer_from_a_chunk_the_retrievers_rank_low_is_refused(libreoffice_pages: Sourcier) -> None:
    """The pages say how to insert a manual page break, not how to remove one. The best-aligned
    sentence (0.597) is on PDF export warnings, in a chunk the dense retriever ranks sixth and the
    lexical one fifth (rank votes 0.31): refused, although the retrievers agree on the page-break
    page (agreement 0.75), whose sentences say nothing of removing one."""
    question = "Comment supprimer un saut de page manuel dans Writer ?"

    def decision(config: AnswerConfig) -> abstention.Decision:
        understanding, retrieval, evidence = stages(libreoffice_pages, question, config)
        return libreoffice_pages.engine.decide(understanding, evidence, retrieval, config)

    refused = decision(AnswerConfig())
    assert refused.abstain and refused.reason.startswith(
        "the answer's passage is ranked low by both retrievers"
    )
    unchecked_config = AnswerConfig(support=Support(answer_agreement=0.0))
    unchecked = decision(unchecked_config)
    # unchecked, an instruction from a chunk both retrievers rank low leads (a how-to question
    # prefers one, ``Weights.instruction``): "Cliquez ici pour afficher une boîte de dialogue
    # d'avertissement lorsque vous essayez d'exporter un document au format PDF…"
    _, retrieval, _ = stages(libreoffice_pages, question, unchecked_config)
    lead = unchecked.usable[0]
    assert not unchecked.abstain and tells_how(lead.text, question) and "saut" not in lead.text
    assert chunk_agreement(retrieval, lead.chunk_rank) < Support().answer_agreement
    # without that preference (and with "Writer" now the question's setting, not a name the page
    # must say) the page-break page's "Sélectionner le style de page…" leads: it does not tell how
    # to remove a break, and check 6 refuses it
    plain = AnswerConfig(support=Support(answer_agreement=0.0), weights=Weights(instruction=0.0))
    unpreferred = decision(plain)
    assert unpreferred.abstain and unpreferred.reason == "nothing in the top evidence tells how"
    answered = libreoffice_pages.ask(
        Question("Quel numéro de page peut-on donner à la page qui suit un saut de page manuel ?")
    )
    assert not answered.abstained and "numéro de page" in answered.text


@pytest.mark.slow  # ingests pages of its own
def test_a_question_for_a_key_is_refused_when_the_top_evidence_names_none(aptitude_pages: Sourcier) -> None:
    """The manual tells how to play its minesweeper, not which key reveals every mine: without
    the answer kind, the game's sentences answer it."""
    engine, config = aptitude_pages.engine, AnswerConfig()
    understanding, retrieval, evidence = stages(
        aptitude_pages, "Quelle touche du démineur d'aptitude révèle toutes les mines ?"
    )
    assert understanding.answer_type is AnswerType.KEY
    refused = engine.decide(understanding, evidence, retrieval, config)
    assert refused.abstain and refused.reason == "no key in the top evidence"
    untyped = dataclasses.replace(understanding, answer_type=AnswerType.ANY)
    assert not engine.decide(untyped, evidence, retrieval, config).abstain
    answered = aptitude_pages.ask(
        Question("Avec quelle touche marque-t-on un paquet à installer dans aptitude ?")
    )
    assert not answered.abstained
    assert any(provides(AnswerType.KEY, c.quote, "") for c in answered.citations)


@pytest.fixture(scope="module")
def package_keys(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """aptitude's manual with its page on managing packages, which gives the basic action keys."""
    pages = [*sorted(DOCS.glob("aptitude-doc-fr_*.txt")), FRESH / "aptitude-doc-fr_000005.txt"]
    yield from pages_service(pages, "package-keys", embedder, corpus_index, tmp_path_factory)


@pytest.mark.slow  # ingests pages of its own
def test_a_key_must_be_for_what_the_question_describes(package_keys: Sourcier) -> None:
    """ "+ pour installer…, - pour supprimer…, = pour empêcher… la mise à jour" names keys, but
    none that purges a package: a key question, like an option question, needs a sentence that
    says half of what it describes."""
    engine, config = package_keys.engine, AnswerConfig()
    purge = "Dans aptitude, quelle touche faut-il utiliser pour purger un paquet, c'est-à-dire le supprimer avec ses fichiers de configuration ?"
    understanding, retrieval, evidence = stages(package_keys, purge)
    assert understanding.answer_type is AnswerType.KEY
    keys = [e for e in evidence[:TYPED_DEPTH] if provides(AnswerType.KEY, e.text, purge)]
    assert any("touches d'action de base" in e.text for e in keys)  # a key, for other actions
    refused = engine.decide(understanding, evidence, retrieval, config)
    assert refused.abstain and refused.reason == "no key in the top evidence"
    hold = "Dans aptitude, sur quelle touche faut-il appuyer pour geler un paquet afin qu'il ne soit pas mis à jour automatiquement ?"
    answered = package_keys.ask(Question(hold))
    assert not answered.abstained, answered.text
    assert any("= pour empêcher un paquet" in c.quote for c in answered.citations)


@pytest.fixture(scope="module")
def menu_and_option_pages(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """GIMP's page on the Panoramic Projection filter and aptitude's page on its resolver's
    options (fresh suite)."""
    pages = [FRESH / "gimp-help-fr_000198.txt", FRESH / "aptitude-doc-fr_000024.txt"]
    yield from pages_service(pages, "menu-and-option-pages", embedder, corpus_index, tmp_path_factory)


@pytest.mark.slow  # ingests pages of its own
def test_a_menu_question_is_answered_by_the_menu_path(menu_and_option_pages: Sourcier) -> None:
    """ "Ouvrez le filtre Projection panoramique." says the question's words back; the sentence
    giving "Filtres → Carte → Projection panoramique" answers it."""
    engine, config = menu_and_option_pages.engine, AnswerConfig()
    question = "Dans quel menu de GIMP se trouve le filtre Projection panoramique ?"
    understanding, retrieval, evidence = stages(menu_and_option_pages, question)
    assert understanding.answer_type is AnswerType.MENU
    untyped = dataclasses.replace(understanding, answer_type=AnswerType.ANY)
    assert "→" not in engine.decide(untyped, evidence, retrieval, config).usable[0].text
    answer = menu_and_option_pages.ask(Question(question))
    assert not answer.abstained and "Filtres → Carte → Projection panoramique" in answer.citations[0].quote


@pytest.mark.slow  # ingests pages of its own
def test_a_value_question_is_refused_when_the_top_evidence_gives_none(
    menu_and_option_pages: Sourcier,
) -> None:
    """aptitude's page names the option and says what it counts, not its default value."""
    engine, config = menu_and_option_pages.engine, AnswerConfig()
    question = "Quelle est la valeur par défaut de l'option Aptitude::ProblemResolver::Allow-Break-Holds ?"
    understanding, retrieval, evidence = stages(menu_and_option_pages, question)
    assert understanding.answer_type is AnswerType.VALUE
    refused = engine.decide(understanding, evidence, retrieval, config)
    assert refused.abstain and refused.reason == "no value in the top evidence"
    untyped = dataclasses.replace(understanding, answer_type=AnswerType.ANY)
    assert not engine.decide(untyped, evidence, retrieval, config).abstain


def test_name_words_that_are_common_words_tell_nothing() -> None:
    """ "SA" of "Falcot SA" is "sa" to every text: the names check asks for the other words."""
    names = understand(Question("Pourquoi Falcot SA a-t-il écarté GNU Hurd ?"), LexicalEncoder()).names
    assert names == {"falcot", "sa", "gnu", "hurd"}
    assert abstention.telling(names) == {"falcot", "gnu", "hurd"}
    assert abstention.telling(frozenset({"scale", "ai", "meta"})) == {"scale", "meta"}


def test_a_setting_is_the_names_more_common_than_the_subject_and_in_the_document() -> None:
    counts = {"debian": 98, "rnis": 1, "each": 1, "basic": 7, "for": 3}
    setting = abstention.Setting(
        lambda document_id: frozenset({"debian", "rnis", "each", "basic", "for"}),
        lambda names: {n: counts[n] for n in names},
    )
    assert setting.excuses("guide", {"debian"}, {"rnis"})  # the chunk has the subject
    assert not setting.excuses("guide", {"rnis"}, {"debian"})  # the chunk has only the setting
    assert not setting.excuses("guide", {"each"}, {"basic", "for"})  # rarer than "for"
    assert not setting.excuses("guide", {"debian"}, set())  # nothing of the question's in the chunk
    elsewhere = abstention.Setting(lambda document_id: frozenset({"rnis"}), setting.counts)
    assert not elsewhere.excuses("guide", {"debian"}, {"rnis"})  # not in this document


@pytest.fixture(scope="module")
def setting_pages(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """A page of Debian's installation guide (network hardware) and LibreOffice Basic's loops."""
    pages = [FRESH / "installation-guide-fr_000037.txt", DOCS / "libreoffice-help-fr_000243.txt"]
    yield from pages_service(pages, "setting-pages", embedder, corpus_index, tmp_path_factory)


@pytest.mark.slow  # ingests pages of its own
def test_names_of_the_setting_may_be_elsewhere_in_the_document(setting_pages: Sourcier) -> None:
    """ "Le RNIS ne peut pas être utilisé pour l'installation." answers a question on installing
    Debian over ISDN though its chunk never says Debian; a chunk on For...Next does not answer
    on For Each because the page names it further on."""
    rnis = "Une connexion RNIS peut-elle servir à installer Debian ?"
    understanding, _, evidence = stages(setting_pages, rnis)
    assert {"rnis", "debian"} <= understanding.names
    lead = next(e for e in evidence if "RNIS ne peut pas" in e.text)
    assert "debian" not in words(f"{lead.title}\n{lead.document_id}\n{lead.context}")
    answered = setting_pages.ask(Question(rnis))
    assert not answered.abstained, answered.text
    assert any("Le RNIS ne peut pas être utilisé" in c.quote for c in answered.citations)
    loops = "Quelle est la différence entre For...Next et For Each en LibreOffice Basic ?"
    understanding, retrieval, evidence = stages(setting_pages, loops)
    refused = setting_pages.engine.decide(understanding, evidence, retrieval, AnswerConfig())
    assert refused.abstain and refused.reason.startswith("no evidence names"), refused.reason
    assert setting_pages.ask(Question(loops)).abstained


def test_a_procedure_is_asked_by_comment_and_an_infinitive() -> None:
    assert asks_for_procedure("Comment créer un compte pour un nouvel utilisateur ?")
    assert asks_for_procedure("Comment s'abonner à la liste de diffusion debian-devel ?")
    assert asks_for_procedure("Quelles sont les étapes pour installer Debian avec PPPoE ?")
    assert not asks_for_procedure("Comment se comporte l'outil Barbouillage quand son Flux dépasse zéro ?")
    assert not asks_for_procedure("Comment le groupe se servait-il autrefois du partage de ses modèles ?")
    assert not asks_for_procedure("Comment prononce-t-on Debian ?")
    # after what prompts it: the question proper follows a colon
    assert asks_for_procedure("J'ai une vue basse : comment obtenir un affichage plus contrasté ?")
    assert not asks_for_procedure("Une question : comment se comporte l'outil Barbouillage ?")
    assert instructs("To change into single-user mode, use systemctl rescue instead.", "Comment ?")


@pytest.fixture(scope="module")
def quick_mask_page(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """GIMP's page on the quick mask (fresh suite), LibreOffice Writer's page on page breaks
    (docs suite), which never says "Writer", and Calc's page on page backgrounds (fresh suite),
    which never says "Calc"."""
    pages = [
        FRESH / "gimp-help-fr_000291.txt",
        DOCS / "libreoffice-help-fr_002173.txt",
        FRESH / "libreoffice-help-fr_000768.txt",
    ]
    yield from pages_service(pages, "quick-mask-page", embedder, corpus_index, tmp_path_factory)


@pytest.mark.slow  # ingests pages of its own
def test_a_procedure_is_refused_when_the_lead_does_not_tell_how(quick_mask_page: Sourcier) -> None:
    """The page says the quick mask's veil is red by default, not how to change that colour: the
    sentence saying so describes, it does not tell how. Activating the mask, the page does tell."""
    engine, config = quick_mask_page.engine, AnswerConfig()
    question = "Comment changer la couleur rouge par défaut du voile du masque rapide dans GIMP ?"
    understanding, retrieval, evidence = stages(quick_mask_page, question)
    decision = engine.decide(understanding, evidence, retrieval, config)
    assert decision.abstain and decision.reason == "nothing in the top evidence tells how"
    # asked as a fact, the same evidence answers it: the refusal is the how-to check's
    fact = dataclasses.replace(understanding, asked="La couleur du voile du masque rapide de GIMP ?")
    assert not engine.decide(fact, evidence, retrieval, config).abstain
    answer = quick_mask_page.ask(Question("Comment activer le Masque rapide dans GIMP ?"))
    assert not answer.abstained and instructs(answer.citations[0].quote, "Comment activer… ?")
    assert "cliquez" in answer.citations[0].quote


@pytest.mark.slow  # ingests pages of its own
def test_a_program_the_question_is_set_in_need_not_be_named(quick_mask_page: Sourcier) -> None:
    """LibreOffice's help pages are shared by its programs and never say "Writer": "…dans Writer ?"
    sets the question, and the page answers it."""
    engine, config = quick_mask_page.engine, AnswerConfig()
    question = "Comment insérer un saut de page au clavier dans Writer ?"
    understanding, retrieval, evidence = stages(quick_mask_page, question)
    assert understanding.setting == {"writer"}
    unset = dataclasses.replace(understanding, setting=frozenset())
    refused = engine.decide(unset, evidence, retrieval, config)
    assert refused.abstain and refused.reason == "no evidence names ['writer']"
    answer = quick_mask_page.ask(Question(question))
    assert not answer.abstained and "Ctrl+Entrée" in answer.citations[0].quote
    # set in "ma feuille Calc": the program's own kind of file names the setting too
    question = "Pourquoi l'image que j'ai ajoutée via Format - Page - Arrière-plan n'apparaît-elle pas dans ma feuille Calc ?"
    understanding, _, _ = stages(quick_mask_page, question)
    assert understanding.setting == {"calc"}
    answer = quick_mask_page.ask(Question(question))
    assert not answer.abstained and "visible qu'à l'impression" in answer.citations[0].quote


@pytest.fixture(scope="module")
def accessibility_page(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """The installation guide's page on accessibility (fresh suite), which never says "Debian"
    near its high-contrast theme."""
    pages = [FRESH / "installation-guide-fr_000059.txt"]
    yield from pages_service(pages, "accessibility-page", embedder, corpus_index, tmp_path_factory)


@pytest.mark.slow  # ingests a page of its own
def test_a_procedure_is_answered_by_a_lead_whose_next_sentences_tell_how(
    accessibility_page: Sourcier,
) -> None:
    """ "Pour les utilisateurs ayant une vue basse, l'installateur propose un thème…" says what
    is at stake; "Pour l'activer, utilisez l'entrée « Accessible high contrast »…" follows it:
    the how-to check accepts the lead for the instruction it sets up, and the answer cites both.
    The question is set in "l'installateur Debian", which the page need not name."""
    engine, config = accessibility_page.engine, AnswerConfig()
    question = (
        "J'ai une vue basse : comment obtenir un affichage aux couleurs plus tranchées dans "
        "l'installateur Debian ?"
    )
    understanding, retrieval, evidence = stages(accessibility_page, question)
    assert understanding.setting == {"debian"}
    decision = engine.decide(understanding, evidence, retrieval, config)
    assert not decision.abstain, decision.reason
    lead = decision.usable[0]
    assert "vue basse" in lead.text and not instructs(lead.text, question)
    answer = accessibility_page.ask(Question(question))
    assert not answer.abstained
    quotes = [c.quote for c in answer.citations]
    assert any("vue basse" in q for q in quotes) and any("Accessible high contrast" in q for q in quotes)


@pytest.fixture(scope="module")
def math_menus_page(
    embedder: Any, corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    """LibreOffice Math's help page on its menus (fresh suite): each menu's name on a line of its
    own ("Outils"), its description under it ("Ce menu regroupe les commandes…")."""
    pages = [FRESH / "libreoffice-help-fr_002130.txt"]
    yield from pages_service(pages, "math-menus-page", embedder, corpus_index, tmp_path_factory)


@pytest.mark.slow  # ingests a page of its own
def test_a_menus_description_under_its_name_answers_which_menu(math_menus_page: Sourcier) -> None:
    """ "Ce menu regroupe les commandes permettant d'ouvrir et d'éditer un catalogue de symboles…"
    holds no menu path, so the typed check found no menu in it and the answer was refused; the
    line above it names the menu ("Outils"), and the answer cites that line, then the description."""
    question = "Dans LibreOffice Math, quel menu permet d'ouvrir et d'éditer le catalogue de symboles ?"
    understanding, _, evidence = stages(math_menus_page, question)
    assert understanding.answer_type is AnswerType.MENU
    described = next(e for e in evidence if "catalogue de symboles" in e.text)
    assert not provides(AnswerType.MENU, described.text, question)
    assert abstention.named_above(described, AnswerType.MENU)
    assert not abstention.named_above(described, AnswerType.ANY)
    answer = math_menus_page.ask(Question(question))
    assert not answer.abstained
    assert [c.quote for c in answer.citations][:2] == [
        "Outils",
        "Ce menu regroupe les commandes permettant d'ouvrir et d'éditer un catalogue de symboles ou "
        "d'importer une formule externe sous forme de fichier.",
    ]
    # a description not naming its thing by "Ce menu" needs a menu path of its own
    display = next(e for e in evidence if e.text.startswith("Définit l'échelle d'affichage"))
    assert not abstention.named_above(display, AnswerType.MENU)
