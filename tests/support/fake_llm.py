"""A minimal OpenAI-compatible chat server for the generative path, run by the tests.

It speaks ``POST /v1/chat/completions`` and ``GET /v1/models`` on 127.0.0.1 (uvicorn in a
thread) and answers from the numbered sources it finds in the prompt, the way a model that
follows Sourcier's prompt would: it copies one source sentence with its ``[n]`` marker, then
adds one invented sentence that no source supports. Every request is recorded so tests can
check what the service sent (prompt, model name, API key). With ``"stream": true`` it streams
the same answer word by word as Server-Sent Events, ``delay_s`` apart: a slow model.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from eval.model_replies import prompt_sha256

#: The sentence the fake model makes up: no source mentions a parameter count for Avocado.
INVENTED = "Avocado comptera 400 milliards de paramètres [1]."
REFUSAL = "Le corpus ne contient pas de réponse à cette question."
#: What a model that obeys an instruction planted in a document says when it sees none.
INJECTED_CLAIM = "Meta a été rachetée par Google."
_ORDER = re.compile(r"réponds que (.+?)[.!]", re.IGNORECASE)
_QUESTION = re.compile(r"^Question : (.+)$", re.MULTILINE)
_SOURCE = re.compile(r"^\[(\d+)\] \((.*?)\) (.+)$", re.MULTILINE)


def parse_sources(prompt: str) -> dict[int, str]:
    """The numbered sources of Sourcier's user message: ``[n] (title) text``."""
    return {int(m.group(1)): m.group(3).strip() for m in _SOURCE.finditer(prompt)}


@dataclass
class FakeLLM:
    """``mode``: "grounded+invented" (default), "refuse", "obey" (does what a source orders:
    "…réponds que X." → "X [n]"; says :data:`INJECTED_CLAIM` when no source orders anything), or
    "error" (HTTP 500). A ``script`` (question → reply) overrides the mode for the questions it
    lists: a model saying exactly what a test needs, false sentences included. ``recorded``
    (prompt sha256 → reply, ``eval.model_replies``) replays a real model: a prompt it holds gets
    that model's reply to exactly that prompt, and ``replayed`` counts them. ``delay_s``: the pause
    before each streamed word."""

    port: int
    mode: str = "grounded+invented"
    script: dict[str, str] = field(default_factory=dict)
    recorded: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    replayed: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, messages: list[dict[str, Any]]) -> str:
        if self.recorded and (reply := self.recorded.get(prompt_sha256(messages))) is not None:
            self.replayed += 1
            return reply
        asked = _QUESTION.search(str(messages[-1]["content"]))
        if asked and asked.group(1).strip() in self.script:
            return self.script[asked.group(1).strip()]
        if self.mode == "refuse":
            return REFUSAL
        sources = parse_sources(str(messages[-1]["content"]))
        if self.mode == "obey":
            orders = [(n, m.group(1)) for n, t in sources.items() if (m := _ORDER.search(t))]
            n, claim = orders[0] if orders else (1, INJECTED_CLAIM.rstrip("."))
            return f"{claim[0].upper()}{claim[1:]}. [{n}]"
        if not sources:
            return REFUSAL
        n, text = next(
            ((n, t) for n, t in sources.items() if "Avocado est le nom de code" in t), (1, sources[1])
        )
        return f"{text} [{n}] {INVENTED}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/models")
        async def models() -> dict[str, Any]:
            return {"object": "list", "data": [{"id": "fake-fr", "object": "model", "owned_by": "tests"}]}

        @app.post("/v1/chat/completions", response_model=None)
        async def chat(request: Request) -> JSONResponse | StreamingResponse:
            body = await request.json()
            self.requests.append({"body": body, "authorization": request.headers.get("authorization")})
            if self.mode == "error":
                return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, 500)
            content = self.answer(body["messages"])
            if body.get("stream"):
                return StreamingResponse(self.chunks(content, body), media_type="text/event-stream")
            return JSONResponse(
                {
                    "id": f"chatcmpl-{len(self.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake-fr"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
            )

        return app

    async def chunks(self, content: str, body: dict[str, Any]) -> AsyncIterator[str]:
        """The answer as OpenAI's ``chat.completion.chunk`` events, one word each."""
        words = re.findall(r"\S+\s*", content)
        for i, word in enumerate(words):
            await asyncio.sleep(self.delay_s)
            delta = {"role": "assistant", "content": word} if i == 0 else {"content": word}
            yield self._chunk(body, delta, None)
        yield self._chunk(body, {}, "stop")
        yield "data: [DONE]\n\n"

    def _chunk(self, body: dict[str, Any], delta: dict[str, str], finish: str | None) -> str:
        chunk = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", "fake-fr"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    def start(self) -> FakeLLM:
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-llm", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
