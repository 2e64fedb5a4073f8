"""The UI's formatting: highlights at the exact offsets, every untrusted text escaped.

The HTML is parsed back (not grepped) so that the checks are about what a browser would build:
which elements exist, which attributes they carry, and what text they show.
"""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest

from server.engine.types import AnswerSentence, Citation, DocumentDetail, Passage, SearchHit
from ui import formatting as fmt

#: Every element the UI itself emits; anything else in the output came from untrusted text.
OUR_TAGS = {
    "article", "header", "h3", "p", "div", "mark", "sup", "span", "ol", "li", "button", "strong",
    "em", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "code", "br", "ul",
}  # fmt: skip
HOSTILE = (
    '<script>window.pwned=1</script> <img src=x onerror="window.pwned=2"> '
    "**gras** [lien](javascript:alert(1)) ![i](http://example.invalid/x.png) "
    "\" onmouseover='alert(3)' ${window.pwned} {{constructor}} & &amp; <b>b</b>"
)


class Page(HTMLParser):
    """The elements, attributes and texts of an HTML fragment, as a browser would parse them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.marks: list[tuple[dict[str, str | None], str]] = []
        self._in: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "mark":
            self.marks.append((dict(attrs), ""))
        if tag not in ("br",):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "sup" in self._in:  # the [n] beside a highlight is not document text
            return
        self.text.append(data)
        if "mark" in self._in:
            attrs, text = self.marks[-1]
            self.marks[-1] = (attrs, text + data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def assert_only_our_markup(self) -> None:
        for tag, attrs in self.tags:
            assert tag in OUR_TAGS, f"untrusted element <{tag}> rendered"
            for name in attrs:
                assert not name.startswith("on"), f"event handler attribute {name!r} on <{tag}>"


def citation(n: int, start: int, end: int, text: str, document_id: str = "doc") -> Citation:
    return Citation(
        n=n,
        document_id=document_id,
        title="Titre",
        date="2025-12-11",
        start=start,
        end=end,
        quote=text[start:end],
        score=1.0,
    )


def detail(text: str, **overrides: str | None) -> DocumentDetail:
    values: dict[str, str | None] = {"id": "doc", "title": "Titre", "date": "2025-12-11", "source": "x"}
    values.update(overrides)
    return DocumentDetail(text=text, **values)  # type: ignore[arg-type]


# --- highlighting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("Avocado est le nom de code du successeur de Llama. Il sortira en 2026.", "Il sortira en 2026."),
        (
            "Le café ☕ est prêt. Le 🚀 décolle à l'aube — « enfin » ! Fin.",
            "Le 🚀 décolle à l'aube — « enfin » !",
        ),
        ("Émile a dit : « Ça marche ». 👩‍👩‍👧 Famille réunie.", "👩‍👩‍👧 Famille réunie."),
        (
            "Cafe\u0301 décomposé. Puis la phrase citée, avec e\u0301. Fin",
            "Puis la phrase citée, avec e\u0301.",
        ),
        ("Ligne un.\n\nLigne deux\tavec tabulation.\nLigne trois.", "Ligne deux\tavec tabulation."),
    ],
)
def test_highlight_marks_exactly_the_cited_characters(text: str, quote: str) -> None:
    start = text.index(quote)
    end = start + len(quote)
    page = Page(fmt.highlight(text, [fmt.Span(start, end, 1)], active=1))
    assert page.all_text == text  # nothing lost, moved or doubled
    [(attrs, marked)] = page.marks
    assert marked == quote == text[start:end]
    assert attrs["id"] == "sourcier-active-mark"
    assert (attrs["data-start"], attrs["data-end"]) == (str(start), str(end))


def test_highlight_at_document_edges_and_empty_or_invalid_spans() -> None:
    text = "Début. Milieu. Fin."
    page = Page(
        fmt.highlight(
            text,
            [
                fmt.Span(0, 6, 1),
                fmt.Span(15, 19, 2),
                fmt.Span(5, 5, 3),
                fmt.Span(10, 99, 4),
                fmt.Span(-1, 2, 5),
            ],
            active=2,
        )
    )
    assert page.all_text == text
    assert [(a["data-cite"], t) for a, t in page.marks] == [("1", "Début."), ("2", "Fin.")]


def test_overlapping_spans_keep_the_active_one() -> None:
    text = "Une phrase longue qui se chevauche avec une autre."
    page = Page(fmt.highlight(text, [fmt.Span(0, 20, 1), fmt.Span(10, 30, 2)], active=2))
    assert page.all_text == text
    [(attrs, marked)] = page.marks
    assert attrs["data-cite"] == "2" and marked == text[10:30]


def test_document_html_marks_the_clicked_citation_and_the_others() -> None:
    text = "Première phrase. Deuxième phrase. Troisième phrase."
    cites = [citation(1, 0, 16, text), citation(2, 34, 51, text), citation(3, 0, 5, text, "autre-doc")]
    page = Page(fmt.document_html(detail(text), cites, active=2))
    page.assert_only_our_markup()
    marks = {a["data-cite"]: (a.get("id"), t) for a, t in page.marks}
    assert marks == {"1": (None, "Première phrase."), "2": ("sourcier-active-mark", "Troisième phrase.")}
    assert "caractères 34–51" in page.all_text
    assert "11 décembre 2025" in page.all_text


def test_document_html_windows_long_documents_keeping_true_offsets() -> None:
    text = "x" * 100_000 + "La phrase citée." + "y" * 100_000
    start = 100_000
    cite = citation(1, start, start + 16, text)
    markup = fmt.document_html(detail(text), [cite], active=1, window=1_000)
    page = Page(markup)
    [(attrs, marked)] = page.marks
    assert marked == "La phrase citée."
    assert attrs["data-start"] == str(start)
    assert len(markup) < 5_000
    assert "caractères avant" in page.all_text and "caractères après" in page.all_text


def test_document_html_flags_a_quote_that_no_longer_matches() -> None:
    text = "Le texte a changé depuis."
    stale = Citation(
        n=1, document_id="doc", title="T", date=None, start=0, end=8, quote="Ancien t", score=1.0
    )
    assert "Le document a changé" in Page(fmt.document_html(detail(text), [stale], 1)).all_text
    gone = replace(stale, start=50, end=60)
    assert "hors du document" in Page(fmt.document_html(detail(text), [gone], 1)).all_text


# --- escaping ------------------------------------------------------------------------------


def test_hostile_document_text_title_and_id_render_as_text() -> None:
    text = f"Avant. {HOSTILE} Après."
    start = text.index("<script>")
    cite = replace(citation(1, start, start + len(HOSTILE), text), title=HOSTILE)
    markup = fmt.document_html(detail(text, title=HOSTILE, id='doc"><img src=x onerror=1>'), [cite], 1)
    page = Page(markup)
    page.assert_only_our_markup()
    assert "<script" not in markup and "<img" not in markup
    assert page.all_text.count(HOSTILE) == 2  # the title and the text, verbatim
    assert page.marks == []  # the citation is for document "doc", not this hostile id
    page = Page(fmt.document_html(detail(text, title=HOSTILE), [cite], 1))
    assert page.marks[0][1] == HOSTILE


def test_sources_escape_title_and_quote() -> None:
    cite = Citation(
        n=1, document_id="d", title=HOSTILE, date="<b>2025</b>", start=0, end=1, quote=HOSTILE, score=1.0
    )
    markup = fmt.sources_html([cite])
    page = Page(markup)
    page.assert_only_our_markup()
    assert page.all_text.count(HOSTILE) == 2
    assert "<b>2025</b>" in page.all_text  # an unparseable date is shown as given, as text


@pytest.mark.parametrize(
    "render",
    [
        lambda t: fmt.answer_chat([AnswerSentence(text=t, citations=(1,))], standalone_question=t, notice=t),
        fmt.abstention_chat,
        lambda t: fmt.abstention_chat(t, standalone_question=t),
        fmt.error_chat,
        fmt.chat_text,
        fmt.abstention_html,
        fmt.placeholder_html,
        lambda t: fmt.passages_html(
            [SearchHit(document_id=t, chunk_id="c", start=0, end=5, text=t, score=0.5)], {t: t}, 10_000
        ),
        lambda t: fmt.upload_report_html(t, "refused", t, 0, [t]),
        lambda t: fmt.upload_report_html(t, "added", t, 2, []),
    ],
)
def test_every_renderer_escapes(render: object) -> None:
    assert callable(render)
    markup = render(HOSTILE)
    page = Page(markup)
    page.assert_only_our_markup()
    assert HOSTILE in page.all_text
    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup


def test_chat_text_keeps_apostrophes_readable() -> None:
    # the chat's copy button copies the content: no &#x27; or backslashes in ordinary French
    assert fmt.chat_text("L'IA d'aujourd'hui « dit » \"ceci\".") == "L'IA d'aujourd'hui « dit » \"ceci\"."


# --- answers, sources, abstention ----------------------------------------------------------


def test_answer_chat_puts_markers_after_each_sentence() -> None:
    sentences = [
        AnswerSentence(text="Avocado succède à Llama.", citations=(1,)),
        AnswerSentence(text="Il sortirait en 2026.", citations=(2, 3)),
    ]
    page = Page(fmt.answer_chat(sentences, standalone_question="Et quand ? (à propos de : Avocado)"))
    assert page.all_text.startswith("Avocado succède à Llama. [1] Il sortirait en 2026. [2][3]")
    assert "Question comprise comme : « Et quand ? (à propos de : Avocado) »" in page.all_text
    assert [a.get("class") for t, a in page.tags if t == "span"] == ["sourcier-marker"] * 3
    assert "sourcier-abstention" not in fmt.answer_chat(sentences)


def test_answer_chat_flags_the_sentences_the_ranker_was_not_sure_of() -> None:
    sentences = [
        AnswerSentence(text="Avocado succède à Llama.", citations=(1,), margin=0.2, confident=True),
        AnswerSentence(
            text="Il sortirait en 2026.",
            citations=(2,),
            margin=0.01,
            confident=False,
            alternative=Passage(
                document_id="d",
                title="Un <titre>",
                date=None,
                start=0,
                end=9,
                quote="Au printemps.",
                score=0.9,
            ),
        ),
        AnswerSentence(text="Généré.", citations=(3,)),  # generated: confidence does not apply
    ]
    page = Page(fmt.answer_chat(sentences))
    assert page.all_text.startswith(
        f"Avocado succède à Llama. [1] Il sortirait en 2026. [2] {fmt.UNCERTAIN_LABEL} Généré. [3]"
    )
    flags = [a for t, a in page.tags if t == "span" and a.get("class") == "sourcier-uncertain"]
    assert len(flags) == 1 and flags[0]["title"] == fmt.UNCERTAIN_HELP
    assert (
        f"{fmt.ALTERNATIVE_LABEL} « Au printemps. » (Un <titre>)" in page.all_text
    )  # escaped, shown as text
    assert ("titre", {}) not in page.tags


def test_sources_list_numbered_with_title_date_quote_and_active_state() -> None:
    text = "Une phrase. Une autre."
    cites = [citation(1, 0, 11, text), citation(2, 12, 22, text)]
    page = Page(fmt.sources_html(cites, active=2))
    buttons = [a for t, a in page.tags if t == "button"]
    assert [b["data-cite"] for b in buttons] == ["1", "2"]
    assert [b["aria-pressed"] for b in buttons] == ["false", "true"]
    assert "sourcier-active" in (buttons[1]["class"] or "")
    for fragment in ("[1]", "[2]", "Titre", "11 décembre 2025", "« Une phrase. »", "« Une autre. »"):
        assert fragment in page.all_text
    assert "sourcier-placeholder" in fmt.sources_html([])


def test_abstention_is_styled_apart_from_answers() -> None:
    message = "Le corpus ne contient pas de réponse à cette question."
    for markup in (fmt.abstention_chat(message), fmt.abstention_html(message)):
        page = Page(markup)
        classes = [a.get("class") for _, a in page.tags]
        assert "sourcier-abstention" in classes
        assert fmt.ABSTENTION_TITLE in page.all_text and message in page.all_text
        assert "sourcier-marker" not in classes


@pytest.mark.parametrize(
    ("date", "shown"),
    [
        ("2025-12-11", "11 décembre 2025"),
        ("2026-08-01", "1er août 2026"),
        (None, "sans date"),
        ("hier", "hier"),
    ],
)
def test_dates_in_french(date: str | None, shown: str) -> None:
    assert fmt.format_date(date) == shown


def test_passages_show_rank_score_title_and_span() -> None:
    results = [
        SearchHit(document_id="a", chunk_id="1", start=0, end=10, text="Texte A", score=0.91234),
        SearchHit(document_id="b", chunk_id="2", start=5, end=9, text="B" * 1000, score=0.5),
    ]
    page = Page(fmt.passages_html(results, {"a": "Titre A"}))
    rows = [t for t, _ in page.tags if t == "tr"]
    assert len(rows) == 3  # header + 2
    assert "0.9123" in page.all_text and "Titre A" in page.all_text and "[0–10]" in page.all_text
    assert "B" * 400 + " …" in page.all_text and "B" * 401 not in page.all_text


def test_a_refused_upload_names_the_file_and_its_problems() -> None:
    page = Page(fmt.upload_report_html("f.txt", "refused", None, 0, ["Le fichier est vide.", "<b>x</b>"]))
    assert "Fichier refusé : f.txt" in page.all_text and "Le fichier est vide." in page.all_text
    assert "<b>x</b>" in page.all_text and "b" not in [t for t, _ in page.tags]  # escaped


@pytest.mark.parametrize(
    ("outcome", "chunks", "said"),
    [("added", 3, "ajouté au corpus, 3 passages indexés"), ("unchanged", 1, "inchangé, 1 passage indexé.")],
)
def test_upload_report_names_the_file_the_document_and_its_chunks(
    outcome: str, chunks: int, said: str
) -> None:
    page = Page(fmt.upload_report_html("notes.md", outcome, "Mes notes", chunks, []))
    assert "notes.md — « Mes notes »" in page.all_text and said in page.all_text
    assert "sourcier-ok" in [a.get("class") for _, a in page.tags]


def test_a_paged_source_shows_its_page_in_the_sources_the_document_and_the_upload_report() -> None:
    text = "Première page.\nDeuxième page : le passage cité."
    start = text.index("le passage")
    cite = replace(citation(1, start, len(text) - 1, text), page=2)
    assert "p. 2" in Page(fmt.sources_html([cite])).all_text
    assert (
        f"page 2, caractères {start}–{len(text) - 1}"
        in Page(fmt.document_html(detail(text), [cite], 1)).all_text
    )
    assert "p. " not in Page(fmt.sources_html([citation(1, 0, 5, text)])).all_text  # not paged: no page
    report = Page(fmt.upload_report_html("a.pdf", "added", "Abeilles", 4, [], pages=3)).all_text
    assert "a.pdf — « Abeilles » (3 pages) : ajouté au corpus, 4 passages indexés" in report
