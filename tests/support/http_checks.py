"""Helpers for the end-to-end HTTP tests: server processes, checked clients, SSE parsing.

Every response any test receives through these clients is checked by an httpx event hook:
never a 5xx, never a stack trace, and for every answer (``/ask`` JSON or ``/ask/stream``
events) the citation invariant: ``quote == GET /documents/{id}.text[start:end]``, every
sentence of a non-abstained answer cites at least one existing ``n``, an abstention cites
nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sourcier.config import Settings
from tests.support.processes import LiveServer, free_port

API_KEY = "cle-de-test-secrete"
LLM_API_KEY = "cle-du-modele"
LLM_MODEL = "fake-fr"
#: Small limits for the configured server, to prove the SOURCIER_* settings reach the process.
SMALL_QUESTION_CHARS = 120
SMALL_BODY_BYTES = 4096
#: Requests per minute on the unreachable-LLM server (its rate-limit test runs last).
RATE_LIMIT = 8
ABSTENTION_PREFIX = "Le corpus ne contient pas"
STACK_TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages")


@dataclass
class ConfiguredServers:
    secured: LiveServer  # API key, small limits, generative (the fake LLM)
    unreachable_llm: LiveServer  # LLM configured on a closed port; rate-limited


class ApiServer(LiveServer):
    """``sourcier serve`` with extra CLI arguments (``--no-ui`` for the API-only servers)."""

    def __init__(self, settings: Settings, env: dict[str, str], log: Path, args: list[str]) -> None:
        port = free_port()
        self.settings = settings
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sourcier_cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *args,
            ],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            cwd=settings.data_dir,
        )


# --- the invariant, checked on every answer --------------------------------------------------


@dataclass
class Checker:
    """Checks answers against the documents' text (fetched once per server)."""

    texts: dict[str, str] = field(default_factory=dict)
    citations_checked: int = 0
    answers_checked: int = 0

    def document_text(self, client: httpx.Client, document_id: str) -> str:
        if document_id not in self.texts:
            response = client.get(f"/documents/{document_id}")
            assert response.status_code == 200, (document_id, response.text)
            self.texts[document_id] = response.json()["text"]
        return self.texts[document_id]

    def check_answer(self, client: httpx.Client, body: dict[str, Any]) -> None:
        numbers = {c["n"] for c in body["citations"]}
        assert len(numbers) == len(body["citations"]), "citation numbers must be unique"
        for citation in body["citations"]:
            text = self.document_text(client, citation["document_id"])
            assert 0 <= citation["start"] < citation["end"] <= len(text), citation
            assert citation["quote"] == text[citation["start"] : citation["end"]], citation
            self.citations_checked += 1
        if body["abstained"]:
            assert body["citations"] == [] and body["sentences"] == [], body
            assert body["answer"].startswith(ABSTENTION_PREFIX), body["answer"]
        else:
            assert body["sentences"], body
            for sentence in body["sentences"]:
                assert sentence["text"].strip(), body
                assert sentence["citations"], f"uncited sentence: {sentence}"
                assert set(sentence["citations"]) <= numbers, sentence
                assert sentence["text"] in body["answer"]
                for n in sentence["citations"]:
                    assert f"[{n}]" in body["answer"]
            for text in body.get("unsupported", []):
                assert text not in {s["text"] for s in body["sentences"]}
        self.answers_checked += 1


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """A Server-Sent Events body as (event, decoded JSON data) pairs, pings and comments skipped."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if key == "event":
                name = value
            elif key == "data":
                data.append(value)
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def checked_client(
    base_url: str, checker: Checker, client: httpx.Client | None = None, **headers: str
) -> httpx.Client:
    """An httpx client (or ``client``, e.g. an in-process ``TestClient``) whose every response is
    checked: no 5xx, no trace, cited answers, and every error body has its ``code``."""
    client = client or httpx.Client(base_url=base_url, timeout=120, headers=headers)

    def hook(response: httpx.Response) -> None:
        response.read()
        assert response.status_code < 500, f"{response.request.url}: {response.status_code} {response.text}"
        for marker in STACK_TRACE_MARKERS:
            assert marker not in response.text, f"stack trace in the response to {response.request.url}"
        if response.status_code >= 400 and response.headers.get("content-type") == "application/json":
            body = response.json()
            assert isinstance(body.get("code"), str) and body["code"], f"no error code: {body}"
        if response.status_code != 200 or response.request.method != "POST":
            return
        path = response.request.url.path
        if path == "/ask":
            checker.check_answer(client, response.json())
        elif path == "/ask/stream":
            for event, data in parse_sse(response.text):
                if event == "done":
                    checker.check_answer(client, data)

    client.event_hooks["response"] = [hook]
    return client
