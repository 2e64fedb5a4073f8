"""Hybrid fusion replayed on every suite: each retriever alone, RRF, and the score blend at
several dense weights, on the same candidate lists.

    python -m bench.fusion [--suite NAME ...] [--weights 0.2 0.3 0.4 0.5 0.6]

Why a replay: the eval reports each mode as the product runs it; choosing a fusion needs every
candidate fusion on the same lists. For each built-in suite (its own fresh index, as the eval
builds it), each question of the tuning set and of the holdout is understood as the engine does,
and the store's dense and lexical lists are fetched once, ``prefetch_limit(10)`` deep (what a
hybrid search of depth 10 fuses). Then, over the answerable questions, chunk recall@5 and MRR
(top 10, ``eval.metrics``) of: dense alone, lexical alone, RRF (k = 2, equal votes: what both
engines did before ``sourcier.store.fusion``) and the blend at each weight. A fusion "holds" on a
half when it is at least as good as the better single retriever on both figures (the eval
suites' requirement). Choose the weight on the tuning halves; the holdouts only confirm.

Prints a table per suite and writes ``bench/results/fusion.json``. About 5 minutes (indexing).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import setup_env, write_result

Lists = tuple[list[Any], list[Any]]  # (dense, lexical) ScoredChunk lists of one question
RRF_K = 2


def rrf(dense: Sequence[Any], lexical: Sequence[Any]) -> list[Any]:
    """Reciprocal rank fusion, k = 2, equal votes, ties by point id (the engines' former hybrid)."""
    votes: dict[str, float] = {}
    hits = {h.point_id: h for h in (*lexical, *dense)}
    for ranked in (dense, lexical):
        for rank, hit in enumerate(ranked):
            votes[hit.point_id] = votes.get(hit.point_id, 0.0) + 1 / (RRF_K + rank)
    return [hits[p] for p, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))]


def chunks_of(fused: Sequence[Any], lists: Lists) -> list[Any]:
    """The fused points as the retrievers' hits (which carry the chunks), in the fused order."""
    hits = {h.point_id: h for h in (*lists[1], *lists[0])}
    return [hits[f.point_id] for f in fused]


def figures(
    questions: Sequence[tuple[Lists, tuple[Any, ...]]], order: Callable[[Lists], list[Any]]
) -> dict[str, float]:
    """Mean chunk recall@5 and MRR (top 10) of ``order`` over the answerable questions."""
    from eval import metrics as m
    from eval.dataset import Span

    rows = []
    for lists, gold in questions:
        units = [Span(h.chunk.document_id, h.chunk.start, h.chunk.end) for h in order(lists)[:10]]
        rows.append(m.retrieval_scores(units, gold, (5,)))
    return {
        "recall@5": sum(r["recall@5"] for r in rows) / len(rows),
        "mrr": sum(r["mrr"] for r in rows) / len(rows),
        "questions": len(rows),
    }


def replay(suites: Sequence[str], weights: Sequence[float]) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import track

    from eval.dataset import load_gold, locate_passages
    from eval.harness import engine_question
    from eval.runner import suite_service
    from eval.suite import builtin_suites
    from sourcier.config import Settings
    from sourcier.embedding import load_embedder
    from sourcier.runtime import configure_runtime
    from sourcier.store.base import prefetch_limit
    from sourcier.store.fusion import fuse

    configure_runtime()
    settings = Settings()
    embedder = load_embedder(settings)
    console = Console(stderr=True)
    depth = prefetch_limit(10)
    orders: dict[str, Callable[[Lists], list[Any]]] = {
        "dense": lambda lists: lists[0],
        "lexical": lambda lists: lists[1],
        "rrf": lambda lists: rrf(*lists),
    }
    for w in weights:
        orders[f"blend {w:g}"] = lambda lists, w=w: chunks_of(fuse(lists[0], lists[1], w), lists)  # type: ignore[misc]
    results: dict[str, Any] = {}
    for suite in (s for s in builtin_suites() if not suites or s.name in suites):
        with suite_service(settings, embedder, suite, None, console) as service:
            documents = {r.document.id: r.document.text for r in service.store.list_documents()}
            engine = service.engine
            for half, path in (("tuning", suite.gold), ("holdout", suite.holdout)):
                if path is None:
                    continue
                questions = [q for q in load_gold(path) if q.answerable]
                gold = locate_passages(questions, documents)
                replayed = []
                for q in track(questions, description=f"{suite.name} {half}", console=console):
                    query = engine.understand(engine_question(q)).query
                    vector = embedder.encode([query], "query")[0][0].tolist()
                    sparse = engine.lexical.encode_query(query)
                    store = engine.retriever.store
                    lists = (
                        store.search("dense", depth, dense=vector),
                        store.search("sparse", depth, sparse=sparse) if sparse.indices else [],
                    )
                    replayed.append((lists, gold[q.id]))
                results[f"{suite.name} {half}"] = {name: figures(replayed, o) for name, o in orders.items()}
    return results


def holds(row: dict[str, dict[str, float]], name: str) -> bool:
    best = {k: max(row["dense"][k], row["lexical"][k]) for k in ("recall@5", "mrr")}
    return all(row[name][k] >= best[k] - 1e-9 for k in best)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fusion", description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", nargs="*", default=[], help="built-in suites (default: all)")
    parser.add_argument("--weights", nargs="*", type=float, default=[0.2, 0.3, 0.4, 0.5, 0.6])
    args = parser.parse_args(argv)
    setup_env()
    results = replay(args.suite, args.weights)
    names = list(next(iter(results.values())))
    print(f"{'chunk recall@5 / MRR':24}" + "".join(f"{h:>22}" for h in results) + "   holds on")
    for name in names:
        cells = "".join(
            f"{row[name]['recall@5']:>14.3f} / {row[name]['mrr']:.3f}" for row in results.values()
        )
        held = sum(holds(row, name) for row in results.values())
        print(
            f"{name:24}{cells}   {held}/{len(results)}"
            if name not in ("dense", "lexical")
            else f"{name:24}{cells}"
        )
    from sourcier.store.base import prefetch_limit

    path = write_result("fusion", {"depth": prefetch_limit(10), "halves": results})
    print(f"\nWritten {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
