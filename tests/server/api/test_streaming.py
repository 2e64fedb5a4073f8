"""``/ask/stream`` streams: with a slow language model behind it (the fake OpenAI-compatible
server, one word every ``DELAY`` seconds), the first events arrive while the model is still
writing, each sentence's grounding verdict follows that sentence, and the final answer is what
``/ask`` returns."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server.api.app import create_app
from server.engine.generative import OpenAICompatibleGenerator
from server.engine.service import Sourcier
from sourcier.config import Settings
from sourcier.store import open_store
from tests.support.fake_llm import INVENTED, FakeLLM
from tests.support.index import copy_index
from tests.support.processes import free_port
from tests.support.threaded_server import ThreadedServer

DELAY = 0.15
QUESTION = "Quel est le nom de code du successeur de Llama ?"


@pytest.fixture(scope="module")
def slow_llm() -> Iterator[FakeLLM]:
    llm = FakeLLM(free_port(), delay_s=DELAY).start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def api(
    corpus_index: Settings, embedder: Any, slow_llm: FakeLLM, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real HTTP server (uvicorn in a thread) over ``create_app(settings, service=…)``."""
    settings = copy_index(
        corpus_index,
        tmp_path_factory.mktemp("stream-index"),
        llm_base_url=slow_llm.base_url,
        llm_model="fake-fr",
        warm_up_sentences=0,
    )
    generator = OpenAICompatibleGenerator(slow_llm.base_url, "fake-fr", None, 30.0)
    service = Sourcier(settings, open_store(settings), embedder, generator)
    try:
        with ThreadedServer(create_app(settings, service=service)) as server:
            yield server.url
    finally:
        service.close()


def read_events(url: str, body: dict[str, Any]) -> list[tuple[float, str, Any]]:
    """(seconds since the request, event, data) for each Server-Sent Event, as it arrives."""
    events: list[tuple[float, str, Any]] = []
    started = time.perf_counter()
    name = ""
    with httpx.stream("POST", f"{url}/ask/stream", json=body, timeout=60) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:") and name:
                events.append((time.perf_counter() - started, name, json.loads(line.removeprefix("data:"))))
                name = ""
    return events


@pytest.mark.slow  # a scripted model writing one word every DELAY seconds
def test_events_arrive_while_the_model_is_still_writing(api: str, slow_llm: FakeLLM) -> None:
    events = read_events(api, {"question": QUESTION})
    names = [name for _, name, _ in events]
    tokens = [i for i, name in enumerate(names) if name == "token"]
    words = len("".join(events[i][2]["text"] for i in tokens).split())
    assert slow_llm.requests[-1]["body"]["stream"] is True
    assert names[0] == "token" and names[-2:] == ["citations", "done"] and words > 10
    # the first word came long before the answer was complete (one word every DELAY seconds)
    first, done = events[0][0], events[-1][0]
    assert done - first >= 0.5 * DELAY * words, (first, done, words)
    # the grounded first sentence is sent cited as soon as the next one begins, before the model
    # is done; the invented one is reported unsupported once it is complete
    sentence, unsupported = names.index("sentence"), names.index("unsupported")
    assert tokens[0] < sentence < tokens[-1] < unsupported < names.index("done")
    assert events[sentence][2]["citations"] == [1]
    assert events[unsupported][2]["text"] == INVENTED.replace(" [1]", "")
    assert events[sentence][0] < done - DELAY


@pytest.mark.slow  # a scripted model writing one word every DELAY seconds
def test_the_streamed_answer_is_the_answer(api: str) -> None:
    streamed = read_events(api, {"question": QUESTION})[-1][2]
    answered = httpx.post(f"{api}/ask", json={"question": QUESTION}, timeout=60).json()
    for answer in (streamed, answered):
        answer.pop("timings_ms")
    assert streamed == answered
    assert streamed["mode"] == "generative" and streamed["unsupported"] == [INVENTED.replace(" [1]", "")]


def test_a_bad_question_is_a_status_not_a_broken_stream(api: str) -> None:
    response = httpx.post(f"{api}/ask/stream", json={"question": "x" * 5000}, timeout=30)
    assert response.status_code == 422
    assert response.json()["code"] == "question_too_long"
