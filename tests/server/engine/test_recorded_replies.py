"""Issue 13, item 4: a real small model's raw replies, recorded, replayed through the generative path.

``tests/fixtures/model_replies/`` holds what Qwen2.5-Coder-0.5B-Instruct (Q4_K_M, served by
llama.cpp's OpenAI-compatible server) replied to Sourcier's own prompts for the articles suite's
questions (``python -m eval.model_replies``: prompt sha256, model name and sha256, raw reply),
and a review written by reading each reply: its kind and the sentences it invents. A replay
server (``tests.support.fake_llm.FakeLLM`` with ``recorded``) answers each prompt with the reply
recorded for exactly that prompt, over real HTTP, to the real service on the real bundled-corpus
index; every reply's handling is asserted:

- nothing the review marks as invented is ever shown, and when the model's reply reached the
  answerer it is listed in ``unsupported``;
- a bare "[1]" or the sources copied back fall back to the extractive answer with the notice
  that says so; a refusal falls back with its own notice;
- every sentence shown cites a span with ``quote == document.text[start:end]``.

A prompt that no longer hashes as recorded (retrieval changed since the recording) is still
answered from the recording (matched by its question) and checked for everything that does not
depend on the sources; the drift is reported as a warning: re-record with the command above.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval.model_replies import load_replies, prompt_sha256
from server.engine.composition import REFUSED
from server.engine.config import AnswerConfig
from server.engine.generative import OpenAICompatibleGenerator
from server.engine.service import Sourcier
from server.engine.types import Answer, Question, Turn
from sourcier.config import Settings
from sourcier.replies import NOTICES, ReplyKind
from sourcier.store import open_store
from tests.support.fake_llm import FakeLLM
from tests.support.index import copy_index
from tests.support.processes import free_port

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "model_replies"
MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"
RECORDS = load_replies(FIXTURES / f"{MODEL}.jsonl")
REVIEW = {r["question_id"]: r for r in load_replies(FIXTURES / f"{MODEL}.review.jsonl")}
_QUESTION = re.compile(r"^Question : (.+)$", re.MULTILINE)
#: About a hundred generative answers over HTTP: the slow tier (``make test``, CI).
pytestmark = pytest.mark.slow


def _normalised(sentence: str) -> str:
    text = unicodedata.normalize("NFC", re.sub(r"\s*\[\d+\]", "", sentence))
    return " ".join(text.replace("’", "'").split()).rstrip(" .")


def _asked(record: dict[str, Any]) -> str:
    match = _QUESTION.search(record["messages"][-1]["content"])
    assert match, record["question_id"]
    return match.group(1).strip()


class Replay:
    """The service over the bundled corpus, its language model the recording's replay server."""

    def __init__(self, settings: Settings, embedder: Any) -> None:
        self.llm = FakeLLM(
            free_port(),
            recorded={r["prompt_sha256"]: r["reply"] for r in RECORDS},
            script={_asked(r): r["reply"] for r in RECORDS},
        ).start()
        generator = OpenAICompatibleGenerator(self.llm.base_url, MODEL, None, 30.0)
        self.service = Sourcier(settings, open_store(settings), embedder, generator)
        self.config = AnswerConfig.from_settings(settings).replace(answerer="generative")
        self.drifted: list[str] = []

    def ask(self, record: dict[str, Any]) -> tuple[Answer, bool, bool]:
        """The answer, whether the model was asked, and whether its prompt was the recorded one."""
        requests, replayed = len(self.llm.requests), self.llm.replayed
        history = tuple(Turn(t["role"], t["content"]) for t in record["history"])
        answer = self.service.ask(Question(record["question"], history=history), self.config)
        asked = len(self.llm.requests) > requests
        exact = self.llm.replayed > replayed
        if asked and not exact:
            self.drifted.append(record["question_id"])
        return answer, asked, exact

    def close(self) -> None:
        self.service.close()
        self.llm.stop()


@pytest.fixture(scope="module")
def replay(
    corpus_index: Settings, embedder: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replay]:
    replay = Replay(copy_index(corpus_index, tmp_path_factory.mktemp("replay-index")), embedder)
    yield replay
    if replay.drifted:
        warnings.warn(
            f"{len(replay.drifted)} of {len(RECORDS)} prompts differ from the recording "
            f"({', '.join(replay.drifted[:8])}…): re-record with python -m eval.model_replies",
            stacklevel=1,
        )
    replay.close()


def test_the_recording_is_whole_and_reviewed() -> None:
    assert len(RECORDS) >= 40
    assert {r["model_sha256"] for r in RECORDS} == {RECORDS[0]["model_sha256"]}
    assert re.fullmatch(r"[0-9a-f]{64}", RECORDS[0]["model_sha256"])
    for record in RECORDS:
        assert record["prompt_sha256"] == prompt_sha256(record["messages"]), record["question_id"]
        review = REVIEW[record["question_id"]]
        assert ReplyKind(review["kind"])  # a kind the answerer knows
        for sentence in review["invented"]:
            assert _normalised(sentence) in _normalised(record["reply"]), (record["question_id"], sentence)
    assert set(REVIEW) == {r["question_id"] for r in RECORDS}
    # the recording holds every way the model answered badly, not just one of them
    kinds = {r["kind"] for r in REVIEW.values()}
    assert {"markers_only", "answer"} <= kinds, kinds
    assert any(r["invented"] for r in REVIEW.values())


@pytest.mark.parametrize("record", RECORDS, ids=[r["question_id"] for r in RECORDS])
def test_each_recorded_reply_is_handled(replay: Replay, record: dict[str, Any]) -> None:
    review = REVIEW[record["question_id"]]
    kind = ReplyKind(review["kind"])
    answer, asked, exact = replay.ask(record)
    shown = [_normalised(s.text) for s in answer.sentences]

    for invented in review["invented"]:
        assert _normalised(invented) not in shown, answer
        if asked:
            assert _normalised(invented) in [_normalised(u) for u in answer.unsupported], answer
    store = replay.service.store
    for citation in answer.citations:
        record_ = store.get_document(citation.document_id)
        assert record_ is not None
        assert record_.document.text[citation.start : citation.end] == citation.quote

    if not asked:  # refused before the model was asked: nothing generated at all
        assert answer.mode == "extractive", answer
        return
    if kind in (ReplyKind.MARKERS_ONLY, ReplyKind.ECHO) and (exact or kind is ReplyKind.MARKERS_ONLY):
        assert answer.mode == "extractive" and answer.notice == NOTICES[kind], answer
    elif kind is ReplyKind.REFUSAL:
        assert answer.mode == "extractive" and answer.notice == REFUSED, answer
    elif kind is ReplyKind.ANSWER and answer.mode == "generative":
        assert answer.sentences, answer  # every sentence kept is aligned to a span (checked above)
