"""Feedback and metrics on a real ``sourcier serve``: 👍/👎 through ``POST /feedback``, kept in
SQLite across a restart, exported by the real CLI as gold-format eval cases; ``/metrics`` scraped
after a few requests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from eval.dataset import load_gold, locate_passages
from sourcier.config import Settings
from sourcier.feedback import FeedbackStore, feedback_path
from tests.support.http_checks import ApiServer, Checker, checked_client
from tests.support.index import copy_index
from tests.support.processes import child_env

ANSWERED = "Quel est le nom de code du successeur de Llama ?"
REFUSED = "Quelle est la capitale de l'Australie ?"

pytestmark = pytest.mark.slow  # real `sourcier serve` processes


@pytest.fixture(scope="module")
def index(corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return copy_index(corpus_index, tmp_path_factory.mktemp("feedback-index"))


@pytest.fixture(scope="module")
def client(index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = ApiServer(
        index, child_env(index), tmp_path_factory.mktemp("feedback-logs") / "server.log", ["--no-ui"]
    )
    try:
        server.wait_ready()
        with checked_client(server.url, Checker()) as c:
            yield c
    finally:
        server.stop()


def verdict_for(
    answer: dict[str, Any], question: str, verdict: str, comment: str | None = None
) -> dict[str, Any]:
    return {
        "question": question,
        "answer": answer["answer"],
        "verdict": verdict,
        "abstained": answer["abstained"],
        "comment": comment,
        "citations": [
            {k: c[k] for k in ("document_id", "start", "end", "quote", "page")} for c in answer["citations"]
        ],
    }


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_feedback_is_stored_and_exported_as_eval_cases(
    client: httpx.Client, index: Settings, tmp_path: Path
) -> None:
    answered = client.post("/ask", json={"question": ANSWERED}).json()
    refused = client.post("/ask", json={"question": REFUSED}).json()
    assert not answered["abstained"] and refused["abstained"]
    up = client.post("/feedback", json=verdict_for(answered, ANSWERED, "up"))
    assert up.status_code == 201, up.text
    assert up.json()["verdict"] == "up" and up.json()["id"] >= 1
    down = client.post(
        "/feedback", json=verdict_for(refused, REFUSED, "down", "La réponse devait être Canberra.")
    )
    assert down.status_code == 201, down.text
    stored = FeedbackStore(feedback_path(index.data_dir)).list_all()
    assert [(f.question, f.verdict) for f in stored[-2:]] == [(ANSWERED, "up"), (REFUSED, "down")]
    assert stored[-1].comment == "La réponse devait être Canberra." and stored[-2].citations[0].quote

    out = tmp_path / "cas.jsonl"
    env = child_env(index)
    result = subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "feedback", "export", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "cas exportés" in result.stderr and "à revoir" in result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_question = {r["question"]: r for r in records}
    good, bad = by_question[ANSWERED], by_question[REFUSED]
    assert good["answerable"] and good["passages"][0]["text"] == answered["citations"][0]["quote"]
    assert good["feedback"]["verdict"] == "up" and not good["feedback"]["review"]
    assert bad["feedback"]["review"] and bad["feedback"]["comment"] == "La réponse devait être Canberra."

    gold = tmp_path / "gold.jsonl"
    only = subprocess.run(
        [sys.executable, "-m", "sourcier_cli", "feedback", "export", "--gold-only", "--out", str(gold)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert only.returncode == 0, only.stderr
    questions = load_gold(gold)  # the gold set's own loader accepts it
    assert [q.question for q in questions] == [ANSWERED]
    texts = {
        d: client.get(f"/documents/{d}").json()["text"]
        for d in {p.document_id for q in questions for p in q.passages}
    }
    spans = locate_passages(questions, texts)[questions[0].id]
    citation = answered["citations"][0]
    assert (spans[0].start, spans[0].end) == (citation["start"], citation["end"])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"verdict": "meh"}, "verdict"),
        (
            {"citations": [{"document_id": "000_9d4ca8a47585dcb9", "start": 0, "end": 5, "quote": "faux!"}]},
            "citations.1 : la citation n'est pas le texte de « 000_9d4ca8a47585dcb9 » en [0:5]",
        ),
        (
            {"citations": [{"document_id": "inconnu", "start": 0, "end": 5, "quote": "texte"}]},
            "aucun document",
        ),
        ({"question": "  "}, "la question est vide"),
    ],
)
def test_bad_feedback_is_a_clear_422(client: httpx.Client, change: dict[str, Any], words: str) -> None:
    body = {"question": ANSWERED, "answer": "Avocado.", "verdict": "up", **change}
    response = client.post("/feedback", json=body)
    assert response.status_code == 422 and words in response.json()["detail"], response.text


def test_metrics_after_a_few_requests(client: httpx.Client) -> None:
    before = samples(client.get("/metrics").text, "sourcier_answers_total")
    for question in (ANSWERED, REFUSED, ANSWERED):
        assert client.post("/ask", json={"question": question}).status_code == 200
    assert client.get("/documents/absent").status_code == 404
    text = client.get("/metrics").text
    answers = samples(text, "sourcier_answers_total")
    delta = {k: v - before.get(k, 0.0) for k, v in answers.items()}
    assert delta[(("outcome", "answered"),)] == 2 and delta[(("outcome", "abstained"),)] == 1
    ratio = samples(text, "sourcier_abstention_ratio")[()]
    assert 0 < ratio < 1
    stages = samples(text, "sourcier_answer_stage_seconds_count")
    assert {dict(k)["stage"] for k in stages} == {"embed", "search", "answer", "total"}
    assert all(v >= 3 for v in stages.values())
    total_sum = samples(text, "sourcier_answer_stage_seconds_sum")[(("stage", "total"),)]
    embed_sum = samples(text, "sourcier_answer_stage_seconds_sum")[(("stage", "embed"),)]
    assert total_sum >= embed_sum > 0
    requests = samples(text, "http_requests_total")
    ask_ok = requests[(("handler", "/ask"), ("method", "POST"), ("status", "200"))]
    assert ask_ok >= 3
    not_found = {dict(k)["handler"]: v for k, v in requests.items() if dict(k)["status"] == "404"}
    assert not_found["/documents/{document_id:path}"] >= 1  # per route template, not per id
    latency = samples(text, "http_request_duration_seconds_count")
    assert latency[(("handler", "/ask"), ("method", "POST"))] >= 3
    feedback = samples(text, "sourcier_feedback")
    assert feedback[(("verdict", "up"),)] >= 1 and feedback[(("verdict", "down"),)] >= 1
