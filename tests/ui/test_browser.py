"""The chat in a real headless Chromium, against a real ``sourcier serve`` process.

Debian's ``chromium`` is driven by Playwright (its own browser download does not work offline).
Without ``/usr/bin/chromium`` the tests skip with the command to install it, except under CI
(``CI`` set), where a missing browser is a failure: the end-to-end check must not vanish silently.
Screenshots go to ``test-artifacts/ui-*.png``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sourcier.feedback import FeedbackStore, feedback_path
from tests.support.fake_llm import FakeLLM
from tests.support.index import ARTIFACTS, copy_index
from tests.support.processes import LiveServer, StartServer, free_port
from ui.formatting import ABSTENTION_TITLE, ALTERNATIVE_LABEL, UNCERTAIN_HELP, UNCERTAIN_LABEL

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get update && apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: ReDoc's "API docs by Redocly" footer logo: an <img> its bundle hard-codes to a CDN and hides
#: when it fails to load. It is aborted by the page fixture; nothing else may leave the machine.
DECORATIVE = frozenset({"https://cdn.redoc.ly/redoc/logo-mini.svg"})
ANSWER_TIMEOUT_MS = 90_000  # the first question on 2 busy cores also warms the model up
QUESTION = "Qui dirige le TBD Lab ?"
UNANSWERABLE = "Quelle est la recette de la tarte tatin ?"
FEEDBACK_COMMENT = "Le corpus n'en parle pas, c'est vrai : mais le dire plus tôt aiderait."
HOSTILE_TXT = """Le projet Zorglub <img src=x onerror="window.__pwned='img'"> et ses secrets

Le projet Zorglub est dirigé par Mme Ondine Vasseur <script>window.__pwned='script'</script> depuis le printemps 2024.

Le budget du projet Zorglub s'élève à **42 millions** d'euros, selon [ce lien](javascript:window.__pwned='link') et ![logo](http://example.invalid/x.png).
"""


def _require_browser() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing; install Debian's browser with: {INSTALL}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[dev]')"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {problem}")
        pytest.skip(problem)


@pytest.fixture
def browser_locale() -> str:
    """The browser's language (tests parametrize it to show the chat is French whatever it is)."""
    return "fr-FR"


@pytest.fixture
def page(tmp_path: Path, browser_locale: str) -> Iterator[Any]:
    """A page in a fresh Chromium profile; fails the test on any request leaving the machine,
    any JavaScript error and any HTTP error (a missing favicon or manifest included)."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    errors: list[str] = []
    failed: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            locale=browser_locale,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            for url in DECORATIVE:
                page.route(url, lambda route: route.abort())
            page.set_default_timeout(30_000)
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith(("http://127.0.0.1", "data:", "blob:")) or r.url in DECORATIVE
                    else external.append(r.url)
                ),
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            yield page
        finally:
            context.close()
    assert external == [], f"the UI reached outside the machine: {external}"
    assert errors == [], f"JavaScript errors: {errors}"
    assert failed == [], f"HTTP errors: {failed}"


def open_chat(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/ui/")
    page.locator("#sourcier-question textarea").wait_for()


def ask(page: Any, question: str) -> None:
    """Type a question, send it with Enter, and wait until its answer (or abstention) is complete."""
    bot_messages = page.locator("#sourcier-chat [data-testid='bot']")
    before = bot_messages.count()
    box = page.locator("#sourcier-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """([before]) => {
            const bots = document.querySelectorAll("#sourcier-chat [data-testid='bot']");
            const sources = document.querySelector('#sourcier-sources');
            return bots.length > before
                && !bots[bots.length - 1].innerText.includes('Recherche dans le corpus')
                && sources && !sources.innerText.includes('Recherche des sources');
        }""",
        arg=[before],
        timeout=ANSWER_TIMEOUT_MS,
    )


def last_answer(page: Any) -> Any:
    return page.locator("#sourcier-chat [data-testid='bot']").last


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)


def test_ask_read_sources_click_citation_and_abstain(page: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    expected = httpx.post(f"{live_server.url}/ask", json={"question": QUESTION}, timeout=120).json()
    assert not expected["abstained"] and expected["citations"], expected
    open_chat(page, live_server)
    expect(page.locator("#sourcier-status")).to_contain_text("Corpus : 2 documents")

    ask(page, QUESTION)
    answer = last_answer(page)
    for sentence in expected["sentences"]:
        expect(answer).to_contain_text(sentence["text"])
    expect(answer.locator(".sourcier-marker").first).to_have_text("[1]")
    expect(answer.locator(".sourcier-abstention")).to_have_count(0)

    first = expected["citations"][0]
    source = page.locator("#sourcier-sources [data-cite='1']")
    expect(source).to_contain_text(first["quote"])
    expect(source).to_contain_text(first["title"])

    source.click()
    mark = page.locator("#sourcier-document mark#sourcier-active-mark")
    expect(mark).to_be_visible()
    document = httpx.get(f"{live_server.url}/documents/{first['document_id']}", timeout=30).json()
    cited = document["text"][first["start"] : first["end"]]
    assert cited == first["quote"]
    assert mark.text_content() == cited
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end")) == (
        str(first["start"]),
        str(first["end"]),
    )
    expect(mark).to_be_in_viewport()
    # the document panel scrolled to the span, the page did not: its header is still in view
    expect(page.locator("#sourcier-header")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") == 0
    expect(source).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#sourcier-document")).to_contain_text(document["title"])
    screenshot(page, "answer")

    # 👍 on the answer: a French thank-you, and the verdict in the feedback database
    page.get_by_role("button", name="J'aime").last.click()
    expect(page.get_by_text("Merci : votre avis est enregistré (👍).")).to_be_visible()
    stored = FeedbackStore(feedback_path(live_server.settings.data_dir)).list_all()
    assert [(f.question, f.verdict) for f in stored][-1:] == [(QUESTION, "up")]
    assert [c.quote for c in stored[-1].citations] == [c["quote"] for c in expected["citations"]]

    refused = httpx.post(f"{live_server.url}/ask", json={"question": UNANSWERABLE}, timeout=120).json()
    assert refused["abstained"], refused
    ask(page, UNANSWERABLE)
    expect(last_answer(page).locator(".sourcier-abstention")).to_contain_text(ABSTENTION_TITLE)
    expect(page.locator("#sourcier-sources .sourcier-abstention")).to_be_visible()
    expect(page.locator("#sourcier-sources [data-cite]")).to_have_count(0)
    screenshot(page, "abstention")

    # 👎 on the refusal, with a comment typed in the box beside the chat: both are stored
    comment = page.locator("#sourcier-feedback-comment textarea")
    comment.fill(FEEDBACK_COMMENT)
    page.get_by_role("button", name="Je n'aime pas").last.click()
    expect(page.get_by_text("Merci : votre avis et votre commentaire sont enregistrés (👎).")).to_be_visible()
    expect(comment).to_have_value("")  # emptied for the next one
    screenshot(page, "feedback-comment")
    stored = FeedbackStore(feedback_path(live_server.settings.data_dir)).list_all()
    assert [(f.question, f.verdict, f.abstained, f.comment) for f in stored][-1:] == [
        (UNANSWERABLE, "down", True, FEEDBACK_COMMENT)
    ]

    page.get_by_text("Passages retrouvés et scores").click()
    expect(page.locator("#sourcier-passages table tbody tr").first).to_be_visible()


#: A question the ranker answers without hesitation (checked through the API first).
CONFIDENT = "Quel est le nom de code du successeur de Llama ?"
UNSURE = "Qui devra approuver tout changement de stratégie de Meta sur l'ouverture de ses modèles ?"


def test_a_sentence_the_ranker_was_unsure_of_is_flagged(page: Any, live_server: LiveServer) -> None:
    """The API's ``confident: false`` shows as a badge with its explanation on hover; a confident
    answer has none."""
    from playwright.sync_api import expect

    expected = httpx.post(f"{live_server.url}/ask", json={"question": UNSURE}, timeout=120).json()
    assert expected["sentences"][0]["confident"] is False, expected
    open_chat(page, live_server)
    ask(page, UNSURE)
    flag = last_answer(page).locator(".sourcier-uncertain")
    expect(flag).to_have_count(1)
    expect(flag).to_have_text(UNCERTAIN_LABEL)
    expect(flag).to_have_attribute("title", UNCERTAIN_HELP)
    expect(flag).to_be_visible()
    alternative = expected["sentences"][0]["alternative"]
    expect(last_answer(page)).to_contain_text(f"{ALTERNATIVE_LABEL} « {alternative['quote']} »")
    screenshot(page, "uncertain")
    confident = httpx.post(f"{live_server.url}/ask", json={"question": CONFIDENT}, timeout=120).json()
    assert confident["sentences"] and all(s["confident"] for s in confident["sentences"]), confident
    ask(page, CONFIDENT)
    expect(last_answer(page).locator(".sourcier-uncertain")).to_have_count(0)


def test_follow_up_uses_the_conversation(page: Any, live_server: LiveServer) -> None:
    """An empty question is refused with a notice and leaves no trace in the chat; the question
    after it and its follow-up are answered, the follow-up with the conversation."""
    from playwright.sync_api import expect

    open_chat(page, live_server)
    page.locator("#sourcier-question textarea").press("Enter")
    expect(page.get_by_text("le champ est vide")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    ask(page, "Quel est le nom de code du successeur de Llama ?")
    expect(page.locator("#sourcier-chat [data-testid='user']")).to_have_count(1)
    expect(last_answer(page)).to_contain_text("Avocado")
    ask(page, "Et quand sortira-t-il ?")
    expect(last_answer(page)).to_contain_text("Question comprise comme")
    expect(last_answer(page)).to_contain_text(re.compile(r"successeur de Llama"))


def test_questions_sent_while_a_slow_model_writes_are_all_answered_in_order(
    page: Any, start_server: StartServer, corpus_index: Any, tmp_path: Path
) -> None:
    """Two questions sent while a slow model is still writing the first answer (one word every
    0.2 s). Gradio's default trigger mode ("once") drops a question sent while the answer event
    runs; "always_last" keeps one waiting run, the last, and that run must answer both, in the
    order they were sent, each on the chat the one before it left (the last one follows up)."""
    from playwright.sync_api import expect

    llm = FakeLLM(free_port(), delay_s=0.2).start()
    try:
        settings = copy_index(corpus_index, tmp_path / "index")
        server = start_server(settings, SOURCIER_LLM_BASE_URL=llm.base_url, SOURCIER_LLM_MODEL="fake-fr")
        open_chat(page, server)
        box = page.locator("#sourcier-question textarea")
        questions = [QUESTION, CONFIDENT, "Et quand sortira-t-il ?"]  # the last follows up the second
        for question in questions:
            box.fill(question)
            box.press("Enter")
            expect(box).to_have_value("")  # sent, though the first answer is still being written
        user_messages = page.locator("#sourcier-chat [data-testid='user']")
        bot_messages = page.locator("#sourcier-chat [data-testid='bot']")
        expect(bot_messages).to_have_count(3, timeout=ANSWER_TIMEOUT_MS)
        expect(user_messages).to_have_count(3)
        for index, question in enumerate(questions):
            expect(user_messages.nth(index)).to_contain_text(question)
        expect(bot_messages.last).to_contain_text("Question comprise comme", timeout=ANSWER_TIMEOUT_MS)
        asked = [str(request["body"]["messages"][-1]["content"]) for request in llm.requests]
        assert len(asked) == 3, asked  # each question reached the model once, in order
        assert [q in a for q, a in zip(questions[:2], asked[:2], strict=True)] == [True, True], asked

        # "Nouvelle conversation" while an answer is being written: the next question is answered,
        # alone, in the new conversation (none of the earlier ones is answered into it again)
        box.fill(CONFIDENT)
        box.press("Enter")
        expect(bot_messages).to_have_count(4, timeout=ANSWER_TIMEOUT_MS)  # being written
        page.get_by_role("button", name="Nouvelle conversation").click()
        expect(bot_messages).to_have_count(0)
        box.fill(QUESTION)
        box.press("Enter")
        expect(user_messages).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
        expect(user_messages.first).to_contain_text(QUESTION)
        expect(bot_messages).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
        time.sleep(3)  # an earlier question answered again would show up by now
        expect(user_messages).to_have_count(1)
        expect(bot_messages).to_have_count(1)
    finally:
        llm.stop()


def test_hostile_upload_is_shown_as_text_never_run(
    page: Any, start_server: StartServer, corpus_index: Any, tmp_path: Path
) -> None:
    """A document crafted to inject HTML, script or Markdown, added through the upload panel."""
    from playwright.sync_api import expect

    server = start_server(copy_index(corpus_index, tmp_path / "index"))
    hostile = tmp_path / "zorglub.txt"
    hostile.write_text(HOSTILE_TXT, encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Un article enregistré en Latin-1 : déjà vu.".encode("latin-1"))
    open_chat(page, server)

    page.get_by_text("Ajouter un document au corpus").click()
    upload = page.locator("input[type=file]")
    upload.set_input_files(str(latin1))
    expect(page.locator("#sourcier-upload-report .sourcier-error")).to_contain_text("pas en UTF-8 valide")
    page.locator("#sourcier-upload-report").scroll_into_view_if_needed()
    screenshot(page, "upload-error")
    upload.set_input_files(str(hostile))
    expect(page.locator("#sourcier-upload-report .sourcier-ok")).to_contain_text("ajouté", timeout=60_000)

    ask(page, "Qui dirige le projet Zorglub ?")
    answer = last_answer(page)
    expect(answer).to_contain_text("<script>window.__pwned='script'</script>")
    page.locator("#sourcier-sources [data-cite='1']").click()
    mark = page.locator("#sourcier-document mark#sourcier-active-mark")
    expect(mark).to_contain_text("<script>")
    expect(page.locator("#sourcier-document h3")).to_contain_text('<img src=x onerror="window.__pwned')

    ask(page, "Quel est le budget du projet Zorglub ?")
    expect(last_answer(page)).to_contain_text("**42 millions**")
    expect(last_answer(page)).to_contain_text("[ce lien](javascript:")
    assert page.evaluate("window.__pwned") is None
    for container in ("#sourcier-chat", "#sourcier-sources", "#sourcier-document", "#sourcier-passages"):
        expect(page.locator(f"{container} script, {container} img[src='x'], {container} a")).to_have_count(0)
    screenshot(page, "hostile")


#: Gradio's own strings as an English browser would show them without the chat's French catalogue.
GRADIO_ENGLISH = ("Drop File Here", "Click to Upload", "Settings", "Built with Gradio", "Use via API")
POTAGER_MD = """# Le potager communal de Saint-Rémy

Le potager communal de Saint-Rémy a été créé en 2019 par l'association Les Mains Vertes.

## La récolte des courges géantes

La plus grosse courge récoltée au potager pesait 212 kilogrammes en octobre 2024.
Elle a été pesée sur la balance de la coopérative agricole du village.
"""


@pytest.mark.parametrize("browser_locale", ["en-US", "de-DE"])
def test_the_chat_is_french_and_its_examples_come_from_the_corpus(
    page: Any, live_server: LiveServer, browser_locale: str
) -> None:
    """Whatever the browser's language; examples are the corpus's headings, and one click asks one."""
    from playwright.sync_api import expect

    server = live_server
    open_chat(page, server)
    examples = page.locator("#sourcier-examples button:visible")
    expect(examples).to_have_count(4, timeout=30_000)  # filled by the page's load event
    expect(examples.first).to_have_text(
        "Que dit le corpus sur « Meta tournerait le dos à la stratégie open source » ?"
    )
    expect(page.locator("#sourcier-examples")).to_contain_text(
        "Open source : philosophie ou stratégie temporaire ?"
    )
    page.get_by_text("Ajouter un document au corpus").click()
    upload_area = page.locator("#sourcier-upload")
    expect(upload_area).to_contain_text("Déposez le fichier ici")
    expect(upload_area).to_contain_text("Cliquez pour choisir un fichier")
    expect(page.locator("footer")).to_contain_text("Paramètres")
    body = page.locator("body").inner_text()
    assert not [english for english in GRADIO_ENGLISH if english in body], body
    favicon = httpx.get(f"{server.url}/favicon.ico", timeout=30)
    assert favicon.status_code == 200 and favicon.headers["content-type"] == "image/png"
    screenshot(page, f"french-{browser_locale}")

    examples.nth(2).click()  # "Que dit le corpus sur « Le projet Avocado à faire mûrir » ?"
    page.wait_for_selector("#sourcier-sources [data-cite]", timeout=ANSWER_TIMEOUT_MS)
    expect(last_answer(page)).to_contain_text("Avocado")


@pytest.mark.parametrize("browser_locale", ["de-DE"])
def test_an_upload_refreshes_the_examples_and_filters_then_a_deletion_undoes_it(
    page: Any, start_server: StartServer, corpus_index: Any, tmp_path: Path, browser_locale: str
) -> None:
    """An upload reports its file and chunk count, puts the document in the filters and its
    headings among the examples; deleting it takes it out again (a browser in German: the page's
    own words stay French)."""
    from playwright.sync_api import expect

    server = start_server(copy_index(corpus_index, tmp_path / "index"))
    open_chat(page, server)
    examples = page.locator("#sourcier-examples button:visible")
    expect(examples).to_have_count(4, timeout=30_000)  # filled by the page's load event
    page.get_by_text("Ajouter un document au corpus").click()
    potager = tmp_path / "potager.md"
    potager.write_text(POTAGER_MD, encoding="utf-8")
    page.locator("#sourcier-upload input[type=file]").set_input_files(str(potager))
    report = page.locator("#sourcier-upload-report .sourcier-ok")
    expect(report).to_contain_text(
        "potager.md — « Le potager communal de Saint-Rémy » : ajouté au corpus", timeout=60_000
    )
    listed = httpx.get(f"{server.url}/documents", timeout=30).json()["documents"]
    chunks = next(d["chunks"] for d in listed if d["id"] == "potager")
    expect(report.locator(".sourcier-chunks")).to_have_text(f"{chunks} passage{'s' if chunks > 1 else ''}")
    expect(page.locator("#sourcier-status")).to_contain_text("Corpus : 3 documents")
    new_example = page.locator("#sourcier-examples button", has_text="La récolte des courges géantes")
    expect(new_example).to_be_visible()
    report.scroll_into_view_if_needed()
    screenshot(page, f"upload-{browser_locale}")

    page.get_by_text("Filtres", exact=True).click()
    page.locator("#sourcier-documents input").click()
    expect(page.get_by_role("option", name=re.compile("Le potager communal de Saint-Rémy"))).to_be_visible()
    page.keyboard.press("Escape")

    new_example.click()
    expect(last_answer(page)).to_contain_text("212 kilogrammes", timeout=ANSWER_TIMEOUT_MS)

    page.get_by_text("Supprimer un document du corpus").click()
    page.locator("#sourcier-delete-choice input").click()
    page.get_by_role("option", name=re.compile("Le potager communal de Saint-Rémy")).click()
    page.locator("#sourcier-delete").click()
    expect(page.locator("#sourcier-delete-report .sourcier-ok")).to_contain_text(
        f"« Le potager communal de Saint-Rémy » supprimé du corpus ({chunks} passage"
    )
    expect(page.locator("#sourcier-status")).to_contain_text("Corpus : 2 documents")
    assert "potager" not in [
        d["id"] for d in httpx.get(f"{server.url}/documents", timeout=30).json()["documents"]
    ]
    screenshot(page, f"delete-{browser_locale}")


@pytest.mark.parametrize("browser_locale", ["en-US"])
def test_the_settings_panel_is_french(page: Any, live_server: LiveServer, browser_locale: str) -> None:
    """Gradio's settings panel, with the strings its i18n leaves in English put in French."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    from ui.gradio_options import SETTINGS_FRENCH

    open_chat(page, live_server)
    panel = page.get_by_role("dialog", name="Paramètres")
    for _ in range(3):  # on busy cores the footer's button can be clicked before Gradio binds it
        page.locator("footer").get_by_text("Paramètres").click()
        try:
            panel.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeout:
            continue
    expect(panel).to_contain_text("Thème d'affichage")
    for button in ("☀︎ Clair", "⏾ Sombre", "🖥︎ Système"):
        expect(panel.get_by_role("button", name=button)).to_be_visible()
    expect(panel).to_contain_text("Cette application ne s'installe pas comme application web progressive")
    expect(panel).to_contain_text("Screen Studio filme votre écran")
    expect(panel.get_by_role("checkbox", name="Zooms automatiques")).to_be_visible()
    expect(panel.get_by_role("combobox", name="Langue")).to_be_visible()
    text = panel.inner_text()
    left = [english for english in SETTINGS_FRENCH if english in " ".join(text.split())]
    assert not left, (left, text)
    assert not [
        word for word in ("Light", "Dark", "System", "Progressive Web App", "Recording") if word in text
    ]
    screenshot(page, "settings")


def test_api_docs_render_offline(page: Any, live_server: LiveServer) -> None:
    """/docs and /redoc from local assets (the page fixture fails on any request off the machine)."""
    from playwright.sync_api import expect

    operations = httpx.get(f"{live_server.url}/openapi.json", timeout=30).json()["paths"]
    page.goto(f"{live_server.url}/docs")
    blocks = page.locator(".opblock")
    expect(blocks.first).to_be_visible()
    expect(blocks).to_have_count(sum(len(methods) for methods in operations.values()))
    for path in ("/ask", "/ask/stream", "/search", "/documents"):
        expect(page.locator(f".opblock-summary-path[data-path='{path}']").first).to_be_visible()
    screenshot(page, "docs")

    page.goto(f"{live_server.url}/redoc")
    summaries = [operation["summary"] for methods in operations.values() for operation in methods.values()]
    for summary in summaries:  # every operation is in ReDoc's menu, under its summary
        item = page.locator(f"[role=menuitem][data-item-id*='/operation/'][aria-label={summary!r}]")
        expect(item).to_have_count(1, timeout=30_000)
    screenshot(page, "redoc")


def test_an_open_chat_tab_does_not_keep_the_server_alive(
    page: Any, start_server: StartServer, corpus_index: Any, tmp_path: Path
) -> None:
    """On SIGTERM the server gives an open chat tab's connections ``SOURCIER_SHUTDOWN_GRACE_S``
    seconds, then closes them and exits. It used to wait for the tab to close: these tests'
    servers were killed after 20 s, a container would be after its stop timeout."""
    server = start_server(copy_index(corpus_index, tmp_path / "index"), SOURCIER_SHUTDOWN_GRACE_S="1")
    open_chat(page, server)
    ask(page, QUESTION)  # the tab has used the queue: its event stream is open
    started = time.monotonic()
    server.process.terminate()
    server.process.wait(30)
    assert time.monotonic() - started < 8, server.log.read_text()[-2000:]
    assert "Finished server process" in server.log.read_text()
