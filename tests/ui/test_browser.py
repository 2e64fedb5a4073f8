"""The chat in a real headless Chromium, against a real ``sourcier serve`` process.

Debian's ``chromium`` is driven by Playwright (its own browser download does not work offline).
Without ``/usr/bin/chromium`` the tests skip with the command to install it, except under CI
(``CI`` set), where a missing browser is a failure: the end-to-end check must not vanish silently.
Screenshots go to ``test-artifacts/ui-*.png``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.index import ARTIFACTS, copy_index
from tests.support.processes import LiveServer, StartServer
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
ANSWER_TIMEOUT_MS = 90_000  # the first question on 2 busy cores also warms the model up
QUESTION = "Qui dirige le TBD Lab ?"
UNANSWERABLE = "Quelle est la recette de la tarte tatin ?"
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
def page(tmp_path: Path) -> Iterator[Any]:
    """A page in a fresh Chromium profile; fails the test on any request leaving the machine."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            locale="fr-FR",
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(30_000)
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                    else external.append(r.url)
                ),
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page
        finally:
            context.close()
    assert external == [], f"the UI reached outside the machine: {external}"
    assert errors == [], f"JavaScript errors: {errors}"


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
    expect(source).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#sourcier-document")).to_contain_text(document["title"])
    screenshot(page, "answer")

    refused = httpx.post(f"{live_server.url}/ask", json={"question": UNANSWERABLE}, timeout=120).json()
    assert refused["abstained"], refused
    ask(page, UNANSWERABLE)
    expect(last_answer(page).locator(".sourcier-abstention")).to_contain_text(ABSTENTION_TITLE)
    expect(page.locator("#sourcier-sources .sourcier-abstention")).to_be_visible()
    expect(page.locator("#sourcier-sources [data-cite]")).to_have_count(0)
    screenshot(page, "abstention")

    page.get_by_text("Passages retrouvés et scores").click()
    expect(page.locator("#sourcier-passages table tbody tr").first).to_be_visible()


UNSURE = "Qui devra approuver tout changement de stratégie de Meta sur l'ouverture de ses modèles ?"


def test_a_sentence_the_ranker_was_unsure_of_is_flagged(page: Any, live_server: LiveServer) -> None:
    """The API's ``confident: false`` shows as a badge with its explanation on hover; a confident
    answer has none (the first test's question)."""
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
    ask(page, QUESTION)
    expect(last_answer(page).locator(".sourcier-uncertain")).to_have_count(0)


def test_follow_up_uses_the_conversation(page: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    open_chat(page, live_server)
    page.get_by_role("button", name="Quel est le nom de code du successeur de Llama ?").click()
    page.wait_for_selector("#sourcier-sources [data-cite]", timeout=ANSWER_TIMEOUT_MS)
    expect(last_answer(page)).to_contain_text("Avocado")
    ask(page, "Et quand sortira-t-il ?")
    expect(last_answer(page)).to_contain_text("Question comprise comme")
    expect(last_answer(page)).to_contain_text(re.compile(r"successeur de Llama"))


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
