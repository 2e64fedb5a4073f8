"""Every error the API answers is worded in French, with its machine-readable ``code`` unchanged.

Through the real app (``create_app`` in Starlette's ``TestClient``): the shared ``client`` over the
corpus index, and small apps of their own for what needs other settings (an API key, a rate
limit), no service yet, or a store that cannot be used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server.api.app import create_app
from server.engine.service import Sourcier
from sourcier.config import Settings
from sourcier.store import open_store
from tests.support.index import copy_index, make_settings

QUESTION = "Qui dirige le TBD Lab ?"
DOCUMENT = "000_9d4ca8a47585dcb9"
#: English that would betray an untranslated message (whole words: "invalide" is French).
ENGLISH = re.compile(
    r"\b(not found|invalid|must|should|error|failed|cannot|unavailable|missing|required|unknown|"
    r"expected|input|field|too (long|large|many)|is empty|not permitted|no document|the)\b",
    re.IGNORECASE,
)

#: (method, path, JSON body or raw bytes, status, code, the exact French detail).
TRANSLATED: list[tuple[str, str, Any, int, str, str]] = [
    (
        "GET",
        "/documents/000_inexistant",
        None,
        404,
        "document_not_found",
        "aucun document d'identifiant « 000_inexistant » dans l'index",
    ),
    (
        "DELETE",
        "/documents/inconnu",
        None,
        404,
        "document_not_found",
        "aucun document d'identifiant « inconnu » dans l'index",
    ),
    (
        "POST",
        "/documents/inconnu/reindex",
        None,
        404,
        "document_not_found",
        "aucun document d'identifiant « inconnu » dans l'index",
    ),
    (
        "POST",
        "/feedback",
        {
            "question": QUESTION,
            "answer": "Alexandr Wang.",
            "verdict": "up",
            "citations": [{"document_id": "inconnu", "start": 0, "end": 5, "quote": "texte"}],
        },
        422,
        "invalid_request",
        "citations.1 : aucun document d'identifiant « inconnu »",
    ),
    (
        "POST",
        "/feedback",
        {
            "question": QUESTION,
            "answer": "Alexandr Wang.",
            "verdict": "up",
            "citations": [{"document_id": DOCUMENT, "start": 0, "end": 5, "quote": "faux!"}],
        },
        422,
        "invalid_request",
        f"citations.1 : la citation n'est pas le texte de « {DOCUMENT} » en [0:5]",
    ),
    (
        "POST",
        "/ask",
        b'{"question": "Qui dirige',
        422,
        "invalid_request",
        "Requête invalide — corps de la requête : JSON illisible (caractère 13)",
    ),
    (
        "POST",
        "/ask",
        {"question": "x" * 2001},
        422,
        "question_too_long",
        "la question fait 2001 caractères, au-delà de la limite de 2000 (SOURCIER_MAX_QUESTION_CHARS)",
    ),
    (
        "POST",
        "/search",
        {"query": "x" * 2001},
        422,
        "question_too_long",
        "la recherche fait 2001 caractères, au-delà de la limite de 2000 (SOURCIER_MAX_QUESTION_CHARS)",
    ),
    (
        "POST",
        "/ask",
        {"question": "  "},
        422,
        "invalid_request",
        "Requête invalide — question : la question est vide",
    ),
    (
        "POST",
        "/ask",
        {"question": QUESTION, "top_k": 0, "tone": "sec"},
        422,
        "invalid_request",
        "Requête invalide — top_k : doit être supérieur ou égal à 1 ; tone : champ inconnu",
    ),
    (
        "POST",
        "/ask",
        {"question": QUESTION, "filters": {"date_from": "2025-12-31", "date_to": "2025-01-01"}},
        422,
        "invalid_request",
        "Requête invalide — filters : date_from est postérieure à date_to",
    ),
    (
        "POST",
        "/feedback",
        {"question": QUESTION, "answer": "Alexandr Wang.", "verdict": "bof"},
        422,
        "invalid_request",
        "Requête invalide — verdict : valeur non reconnue (attendu : 'up' ou 'down')",
    ),
    (
        "POST",
        "/ask",
        ["Qui ?"],
        422,
        "invalid_request",
        "Requête invalide — corps de la requête : un objet JSON est attendu",
    ),
    ("POST", "/ask", {}, 422, "invalid_request", "Requête invalide — question : champ obligatoire absent"),
    (
        "GET",
        "/nulle-part",
        None,
        404,
        "not_found",
        "Aucune route /nulle-part : voir /docs pour la liste des routes.",
    ),
    ("DELETE", "/ask", None, 405, "method_not_allowed", "Méthode DELETE non acceptée sur /ask."),
    (
        "POST",
        "/ask",
        b'{"question": "' + b"x" * 1_100_000 + b'"}',
        413,
        "body_too_large",
        "Corps de la requête trop volumineux : la limite est de 1 000 000 octets.",
    ),
]


def send(client: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    if isinstance(body, bytes):
        return client.request(method, path, content=body, headers={"content-type": "application/json"})
    return client.request(method, path, json=body)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "detail"),
    TRANSLATED,
    ids=[f"{m} {p} {s}" for m, p, _, s, *_ in TRANSLATED],
)
def test_each_error_has_its_french_detail_and_its_code(
    client: httpx.Client, method: str, path: str, body: Any, status: int, code: str, detail: str
) -> None:
    response = send(client, method, path, body)
    assert response.status_code == status, response.text
    assert response.json() == {"detail": detail, "code": code}


def test_no_error_detail_is_english(client: httpx.Client) -> None:
    """A handful of bad requests, each answered in French (the word list is the tell)."""
    bad_requests: list[tuple[str, str, Any]] = [
        ("GET", "/documents/absent", None),
        ("POST", "/feedback", {"question": QUESTION, "answer": "Oui.", "verdict": "up", "citations": [{}]}),
        ("POST", "/ask", b"{question: 'x'}"),
        ("POST", "/ask", b""),
        ("POST", "/ask", {"question": "x" * 5000}),
        ("POST", "/ask", {"question": 42, "top_k": "abc", "history": [{"role": "system"}]}),
        ("POST", "/ask", {"question": QUESTION, "filters": {"date_from": "11/12/2025", "document_ids": "0"}}),
        ("POST", "/search", {"query": QUESTION, "mode": "magique", "top_k": 2.5}),
        ("GET", "/documents/a%20b", None),
        ("GET", "/inconnue", None),
        ("PUT", "/documents", None),
    ]
    for method, path, body in bad_requests:
        response = send(client, method, path, body)
        assert 400 <= response.status_code < 500, (path, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail, response.text
        assert not ENGLISH.search(detail), (method, path, detail)


# --- apps of their own -----------------------------------------------------------------------


def test_a_missing_api_key_and_a_service_not_started_are_said_in_french(tmp_path: Path) -> None:
    """No lifespan here (the client is not entered): the app has no service yet, as while the
    model loads."""
    settings = make_settings(tmp_path / "data", api_key="secret", rate_limit_per_minute=2)
    client = TestClient(create_app(settings))
    refused = client.get("/documents")
    assert refused.status_code == 401 and refused.json() == {
        "detail": "Clé d'API absente ou incorrecte : envoyez l'en-tête « Authorization: Bearer <clé> ».",
        "code": "unauthorized",
    }
    starting = client.get("/documents", headers={"Authorization": "Bearer secret"})
    assert starting.status_code == 503 and starting.json() == {
        "detail": "Service indisponible : le service démarre (chargement du modèle et de l'index)",
        "code": "service_unavailable",
    }
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "reason": "le service démarre (chargement du modèle et de l'index)",
    }
    limited = client.get("/documents", headers={"Authorization": "Bearer secret"})
    assert limited.status_code == 429 and limited.json() == {
        "detail": "Trop de requêtes : la limite est de 2 par minute et par client.",
        "code": "rate_limited",
    }


@pytest.fixture
def closed_store_client(corpus_index: Settings, embedder: Any, tmp_path: Path) -> Iterator[TestClient]:
    """The app over a service whose store has been closed: every use of the index fails."""
    settings = copy_index(corpus_index, tmp_path / "index", warm_up_sentences=0)
    service = Sourcier(settings, open_store(settings), embedder)
    service.close()
    with TestClient(create_app(settings, service=service), raise_server_exceptions=False) as client:
        yield client


def test_an_unusable_index_is_said_in_french(closed_store_client: TestClient, corpus_index: Settings) -> None:
    response = closed_store_client.get("/documents")
    assert response.status_code == 503
    index = response.json()["detail"].removeprefix("Index indisponible : ")
    assert response.json()["code"] == "index_unavailable"
    assert index.startswith("l'index Qdrant Edge ") and index.endswith(" est fermé"), index
    ready = closed_store_client.get("/ready")
    assert ready.status_code == 503 and ready.json()["reason"] == index
    assert not ENGLISH.search(response.json()["detail"])
