"""Correctness under concurrency: 8 clients at once get exactly the answers one client gets alone.

The figures (latency percentiles, throughput, memory) are ``python -m bench.load``'s job; this
only checks that concurrent requests neither fail nor change any answer, citation or ranking.
"""

from __future__ import annotations

import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import LiveServer

GOLD = Path(__file__).resolve().parents[2] / "eval" / "data" / "gold.jsonl"
CLIENTS = 8
QUESTIONS = 12


def requests() -> list[tuple[str, dict[str, Any]]]:
    """A mix of gold questions (follow-ups with their history) and searches."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = rows[:: max(1, len(rows) // QUESTIONS)][:QUESTIONS]
    calls: list[tuple[str, dict[str, Any]]] = []
    for row in picked:
        body: dict[str, Any] = {"question": row["question"]}
        if row.get("history"):
            body["history"] = row["history"]
        calls.append(("/ask", body))
    calls += [("/search", {"query": row["question"], "top_k": 5}) for row in picked[:4]]
    return calls


def comparable(path: str, payload: dict[str, Any]) -> Any:
    """The response without what may legitimately differ between two identical calls (timings)."""
    if path == "/ask":
        return {k: v for k, v in payload.items() if k != "timings_ms"}
    return payload


def test_eight_concurrent_clients_get_the_sequential_answers(live_server: LiveServer) -> None:
    calls = requests()
    with httpx.Client(base_url=live_server.url, timeout=120) as http:
        expected = []
        for path, body in calls:
            response = http.post(path, json=body)
            assert response.status_code == 200, (path, body, response.text)
            expected.append(comparable(path, response.json()))
    assert any(not e["abstained"] for e in expected if "abstained" in e)

    barrier = threading.Barrier(CLIENTS)
    errors: list[str] = []
    mismatches: list[str] = []

    def client(seed: int) -> int:
        order = list(range(len(calls)))
        random.Random(seed).shuffle(order)  # each client asks in its own order
        done = 0
        with httpx.Client(base_url=live_server.url, timeout=120) as http:
            barrier.wait(timeout=60)  # all start together
            for i in order:
                path, body = calls[i]
                try:
                    response = http.post(path, json=body)
                except httpx.HTTPError as error:
                    errors.append(f"client {seed}: {path}: {type(error).__name__}: {error}")
                    continue
                if response.status_code != 200:
                    errors.append(
                        f"client {seed}: {path}: HTTP {response.status_code}: {response.text[:200]}"
                    )
                elif comparable(path, response.json()) != expected[i]:
                    mismatches.append(f"client {seed}: {path} {body}")
                done += 1
        return done

    with ThreadPoolExecutor(CLIENTS) as pool:
        answered = sum(pool.map(client, range(CLIENTS)))

    assert not errors, "\n".join(errors)
    assert not mismatches, "answers changed under concurrency:\n" + "\n".join(mismatches)
    assert answered == CLIENTS * len(calls)
