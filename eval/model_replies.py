"""Real language-model replies to a suite's questions, recorded once and replayed by the tests.

Why: the generative path must be tested on what real small models write (a bare "[1]", the
sources copied back, invented facts joined to true ones), but no model can be built or served
in CI. ``record`` runs every question of a suite through Sourcier's own generative path against
a running OpenAI-compatible server (llama.cpp's, see ``docs/model-replies.md``) and writes, for
each question, the exact messages Sourcier sent, their sha256, the model file's name and sha256,
and the model's raw reply. The tests serve these replies back (``tests/support/fake_llm.py``'s
script) and assert how Sourcier handles each one; a prompt that no longer hashes the same tells
them that retrieval changed since the recording.

    python -m eval.model_replies --url http://127.0.0.1:8080/v1 --model-file qwen.gguf \\
        --out tests/fixtures/model_replies/qwen2.5-coder-0.5b.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eval.dataset import load_gold
from eval.harness import engine_question
from eval.runner import suite_service
from eval.suite import find_suite
from server.engine.generative import Generator, OpenAICompatibleGenerator
from sourcier.config import Settings
from sourcier.embedding import load_embedder

Messages = Sequence[tuple[str, str]]


def prompt_sha256(messages: Messages | Sequence[Mapping[str, Any]]) -> str:
    """The sha256 of a chat prompt: its (role, content) pairs as compact UTF-8 JSON. Accepts the
    pairs Sourcier builds or the ``{"role", "content"}`` objects an OpenAI-compatible server gets,
    so both sides of the wire hash alike."""
    pairs = [
        [str(m["role"]), str(m["content"])] if isinstance(m, Mapping) else [str(m[0]), str(m[1])]
        for m in messages
    ]
    return hashlib.sha256(json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class RecordingGenerator:
    """Passes every call to ``inner`` and keeps each prompt with the raw reply and its duration."""

    inner: Generator
    calls: list[tuple[list[tuple[str, str]], str, float]] = field(default_factory=list)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.inner.name

    def generate(self, messages: Messages) -> str:
        started = time.perf_counter()
        reply = self.inner.generate(messages)
        self.calls.append((list(messages), reply, time.perf_counter() - started))
        return reply

    def stream(self, messages: Messages) -> Iterator[str]:
        started, pieces = time.perf_counter(), []
        for piece in self.inner.stream(messages):
            pieces.append(piece)
            yield piece
        self.calls.append((list(messages), "".join(pieces), time.perf_counter() - started))


def load_replies(path: Path) -> list[dict[str, Any]]:
    """The recorded replies of ``path``, one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.model_replies", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--url", required=True, help="the OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1"
    )
    parser.add_argument("--model-file", type=Path, required=True, help="the GGUF file it serves (hashed)")
    parser.add_argument("--model", help="the model name sent in requests (default: the file's name)")
    parser.add_argument(
        "--server", default="", help="what serves it, recorded as is (e.g. llama-cpp-python 0.3.36)"
    )
    parser.add_argument("--suite", default="articles", help="built-in suite name or folder")
    parser.add_argument("--sets", nargs="+", choices=("tuning", "holdout"), default=["tuning", "holdout"])
    parser.add_argument("--limit", type=int, help="only the first N questions of each set")
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    console = Console(stderr=True)
    if not args.model_file.is_file():
        console.print(f"[red]erreur :[/red] fichier de modèle introuvable : {args.model_file}")
        return 2
    model = args.model or args.model_file.name
    model_sha = file_sha256(args.model_file)
    suite = find_suite(args.suite)
    settings = Settings()
    recorder = RecordingGenerator(OpenAICompatibleGenerator(args.url, model, None, 600.0))
    paths = {"tuning": suite.gold, "holdout": suite.holdout}
    sets = [(name, load_gold(p)[: args.limit]) for name in args.sets if (p := paths[name]) is not None]
    records: list[dict[str, Any]] = []
    with suite_service(settings, load_embedder(settings), suite, None, console, recorder) as service:
        config = service.config.replace(answerer="generative")
        with Progress(
            TextColumn("[bold]Enregistrement"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("", total=sum(len(qs) for _, qs in sets))
            for set_name, questions in sets:
                for gold in questions:
                    before = len(recorder.calls)
                    service.ask(engine_question(gold), config)
                    for messages, reply, seconds in recorder.calls[before:]:
                        records.append(
                            {
                                "question_id": gold.id,
                                "set": set_name,
                                "question": gold.question,
                                "history": [{"role": t.role, "content": t.content} for t in gold.history],
                                "answerable": gold.answerable,
                                "model": model,
                                "model_sha256": model_sha,
                                "server": args.server,
                                "prompt_sha256": prompt_sha256(messages),
                                "messages": [{"role": r, "content": c} for r, c in messages],
                                "reply": reply,
                                "seconds": round(seconds, 2),
                            }
                        )
                    progress.advance(task)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    console.print(f"{len(records)} réponses enregistrées dans {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
