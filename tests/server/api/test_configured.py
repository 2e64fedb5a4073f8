"""Servers configured through ``SOURCIER_*``: API key, limits, the generative answerer against a
real OpenAI-compatible HTTP server (``fake_llm.py``), and the fallback when the LLM is down."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.fake_llm import INVENTED, FakeLLM
from tests.support.http_checks import (
    API_KEY,
    LLM_API_KEY,
    LLM_MODEL,
    RATE_LIMIT,
    SMALL_BODY_BYTES,
    SMALL_QUESTION_CHARS,
    Checker,
    ConfiguredServers,
    checked_client,
    parse_sse,
)

SUCCESSOR = "Quel est le nom de code du successeur de Llama ?"
DOC_AVOCADO = "000_9d4ca8a47585dcb9"
INVENTED_TEXT = INVENTED.replace(" [1]", "")  # what alignment reports: the sentence, marker removed
PROTECTED = [
    ("POST", "/ask", {"question": SUCCESSOR}),
    ("POST", "/ask/stream", {"question": SUCCESSOR}),
    ("POST", "/search", {"query": "Avocado"}),
    ("GET", "/documents", None),
    ("GET", f"/documents/{DOC_AVOCADO}", None),
]


@pytest.fixture(scope="module")
def secured(configured: ConfiguredServers) -> Any:
    with checked_client(configured.secured.url, Checker(), Authorization=f"Bearer {API_KEY}") as client:
        yield client


@pytest.fixture(scope="module")
def offline(configured: ConfiguredServers) -> Any:
    with checked_client(configured.unreachable_llm.url, Checker()) as client:
        yield client


# --- API key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer mauvaise-cle", f"Basic {API_KEY}", "Bearer", f"Bearer {API_KEY}x", API_KEY],
)
def test_api_key_is_required(
    configured: ConfiguredServers, method: str, path: str, body: Any, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    with checked_client(configured.secured.url, Checker(), **headers) as client:
        response = client.request(method, path, json=body)
    assert response.status_code == 401, response.text
    assert "Clé d'API absente ou incorrecte" in response.json()["detail"]
    assert response.headers.get("www-authenticate") == "Bearer"
    assert API_KEY not in response.text


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_right_api_key_is_accepted(secured: httpx.Client, method: str, path: str, body: Any) -> None:
    assert secured.request(method, path, json=body).status_code == 200


def test_health_and_ready_stay_open(configured: ConfiguredServers) -> None:
    with checked_client(configured.secured.url, Checker()) as anonymous:
        assert anonymous.get("/health").status_code == 200
        assert anonymous.get("/ready").status_code == 200


def test_configured_limits_apply(secured: httpx.Client) -> None:
    over = secured.post("/ask", json={"question": "Qui ? ".ljust(SMALL_QUESTION_CHARS + 1, "x")})
    assert over.status_code == 422 and str(SMALL_QUESTION_CHARS) in over.json()["detail"]
    big = secured.post("/search", json={"query": "x" * (SMALL_BODY_BYTES + 10)})
    assert big.status_code == 413
    # A body too large is refused before authentication is even looked at: no 500 either way.
    assert httpx.post(f"{secured.base_url}/ask", json={"question": "x" * SMALL_BODY_BYTES}).status_code == 413


# --- generative answers ---------------------------------------------------------------------------


def test_generative_answer_keeps_the_supported_sentence_and_drops_the_invented_one(
    secured: httpx.Client, fake_llm: FakeLLM
) -> None:
    fake_llm.mode = "grounded+invented"
    before = len(fake_llm.requests)
    response = secured.post("/ask", json={"question": SUCCESSOR})
    assert response.status_code == 200, response.text
    answer = response.json()

    # The service really called the model, with the French prompt, numbered sources and the key.
    assert len(fake_llm.requests) == before + 1
    call = fake_llm.requests[-1]
    assert call["authorization"] == f"Bearer {LLM_API_KEY}"
    assert call["body"]["model"] == LLM_MODEL
    messages = call["body"]["messages"]
    assert messages[0]["role"] == "system" and "français" in messages[0]["content"]
    assert "[1] (" in messages[-1]["content"] and SUCCESSOR in messages[-1]["content"]

    assert answer["mode"] == "generative" and not answer["abstained"]
    texts = [s["text"] for s in answer["sentences"]]
    assert any(t.startswith("Avocado est le nom de code du successeur de Llama") for t in texts), texts
    assert INVENTED_TEXT in answer["unsupported"]
    assert all("400 milliards" not in t for t in texts)
    assert "400 milliards" not in answer["answer"]
    supported = next(s for s in answer["sentences"] if s["text"].startswith("Avocado est le nom de code"))
    citation = next(c for c in answer["citations"] if c["n"] == supported["citations"][0])
    assert citation["document_id"] == DOC_AVOCADO
    assert supported["text"] == citation["quote"]  # copied verbatim: aligned to exactly that span


def test_generative_stream_matches(secured: httpx.Client, fake_llm: FakeLLM) -> None:
    fake_llm.mode = "grounded+invented"
    plain = secured.post("/ask", json={"question": SUCCESSOR}).json()
    events = parse_sse(secured.post("/ask/stream", json={"question": SUCCESSOR}).text)
    done = events[-1][1]
    assert events[-1][0] == "done"
    assert done["mode"] == "generative"
    assert done["sentences"] == plain["sentences"] and done["unsupported"] == plain["unsupported"]


def test_generative_still_abstains_on_unanswerable_questions(
    secured: httpx.Client, fake_llm: FakeLLM
) -> None:
    """Abstention is decided from retrieval, not left to the model: no call, no invention."""
    fake_llm.mode = "grounded+invented"
    before = len(fake_llm.requests)
    answer = secured.post("/ask", json={"question": "Quelle est la capitale de l'Australie ?"}).json()
    assert answer["abstained"] is True and answer["citations"] == []
    assert len(fake_llm.requests) == before


def test_model_error_falls_back_to_an_extractive_answer(secured: httpx.Client, fake_llm: FakeLLM) -> None:
    fake_llm.mode = "error"
    try:
        answer = secured.post("/ask", json={"question": SUCCESSOR}).json()
    finally:
        fake_llm.mode = "grounded+invented"
    assert answer["mode"] == "extractive" and not answer["abstained"]
    assert answer["notice"] and "extractive" in answer["notice"]
    assert "Avocado" in answer["answer"]


def test_model_refusal_is_not_contradicted_by_a_generative_label(
    secured: httpx.Client, fake_llm: FakeLLM
) -> None:
    """When the model says the sources do not answer, the response must not claim to be a
    generative answer while showing extractive sentences."""
    fake_llm.mode = "refuse"
    try:
        answer = secured.post("/ask", json={"question": SUCCESSOR}).json()
    finally:
        fake_llm.mode = "grounded+invented"
    if not answer["abstained"]:
        assert answer["mode"] == "extractive", answer
        assert answer["notice"]


def test_unreachable_llm_falls_back_with_a_notice(offline: httpx.Client) -> None:
    response = offline.post("/ask", json={"question": SUCCESSOR})
    assert response.status_code == 200
    answer = response.json()
    assert answer["mode"] == "extractive" and not answer["abstained"]
    assert "Avocado" in answer["answer"]
    assert answer["notice"] and "injoignable" in answer["notice"] and "extractive" in answer["notice"]
    assert answer["unsupported"] == []
    assert offline.get("/ready").status_code == 200  # the LLM is optional: still ready


def test_rate_limit_answers_429_and_spares_health(offline: httpx.Client) -> None:
    """Runs last in this module: it spends the unreachable-LLM server's budget for the minute."""
    statuses = [offline.post("/search", json={"query": "Avocado"}).status_code for _ in range(RATE_LIMIT + 1)]
    assert statuses[-1] == 429 and statuses.count(429) <= RATE_LIMIT, statuses
    refused = offline.post("/search", json={"query": "Avocado"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert str(RATE_LIMIT) in refused.json()["detail"]
    assert offline.get("/health").status_code == 200 and offline.get("/ready").status_code == 200
