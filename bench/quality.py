"""Retrieval quality on the gold set: ours (hybrid) vs the llama-index retriever vs BM25 alone.

    python -m bench.quality [--workdir DIR] [--sizes bundled 10pct]

Over the answerable gold questions (60 of 82; follow-ups made standalone by the product's own rule
for every system), each system returns its top 10 chunks:

- ``ours-hybrid``: ``Sourcier.search`` (dense + French lexical, ``sourcier.store.fusion``) on Edge; also
  ``ours-dense`` and ``ours-sparse`` (the two halves alone) to show what the fusion brings;
- ``llamaindex``: ``VectorStoreIndex.from_vector_store(...).as_retriever()`` over the index its own
  pipeline built (SentenceSplitter chunks, same e5 model, dense only);
- ``bm25``: ``bm25s`` with PyStemmer's French stemmer and French stop words over our chunks.

A chunk is relevant when a gold passage (a whole sentence) occurs in it, after normalising
apostrophes, no-break spaces and whitespace. recall@5 = share of a question's gold passages found
in the top 5 (averaged over questions); MRR@10 = 1 / rank of the first relevant chunk. The
``reachable`` column is the share of gold passages that occur whole in at least one chunk of that
system's index (a chunker that cuts sentences cannot retrieve them whole).

Default: the bundled 2-article corpus (built in a temp dir); with ``--workdir``, every size the
ingestion benchmark left there (the samples include the two articles, so the same questions are
asked among hundreds of distractor documents). Results: ``bench/results/quality.json``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    emit,
    gold_questions,
    indexed_sizes,
    make_settings,
    retrieval_query,
    run_worker,
    sentence_transformer,
    setup_env,
    working_dir,
    write_result,
)

DEPTH = 10
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return _SPACES.sub(" ", text).strip()


def score(rows: list[dict[str, Any]], ranked: list[list[str]], corpus_texts: list[str]) -> dict[str, Any]:
    recalls, reciprocal, hits = [], [], 0
    reachable = total = 0
    corpus = [normalise(t) for t in corpus_texts]
    for row, texts in zip(rows, ranked, strict=True):
        passages = [normalise(p["text"]) for p in row["passages"]]
        chunks = [normalise(t) for t in texts]
        found = [any(p in c for c in chunks[:5]) for p in passages]
        recalls.append(sum(found) / len(passages))
        hits += any(found)
        rank = next((i + 1 for i, c in enumerate(chunks[:DEPTH]) if any(p in c for p in passages)), None)
        reciprocal.append(1 / rank if rank else 0.0)
        for p in passages:
            total += 1
            reachable += any(p in c for c in corpus)
    n = len(rows)
    return {
        "questions": n,
        "recall_at_5": round(sum(recalls) / n, 3),
        "hit_at_5": round(hits / n, 3),
        "mrr_at_10": round(sum(reciprocal) / n, 3),
        "reachable": round(reachable / total, 3),
    }


def worker(size_dir: Path) -> dict[str, Any]:
    import bm25s
    import Stemmer

    from bench.ingest_throughput import our_chunk_texts
    from bench.query_latency import open_llama
    from server.engine.service import Sourcier
    from sourcier.embedding import load_embedder
    from sourcier.store import open_store

    rows = [r for r in gold_questions() if r["answerable"]]
    queries = [retrieval_query(r) for r in rows]
    settings = make_settings(size_dir / "ours-edge")
    embedder = load_embedder(settings)
    service = Sourcier(settings, open_store(settings), embedder)
    our_texts = our_chunk_texts(size_dir / "docs", settings)
    results: dict[str, Any] = {"chunks": len(our_texts)}

    def ours(mode: str) -> Callable[[str], list[str]]:
        return lambda q: [r.text for r in service.search(q, DEPTH, None, mode)]  # type: ignore[arg-type]

    for mode in ("hybrid", "dense", "sparse"):
        results[f"ours-{mode}"] = score(rows, [ours(mode)(q) for q in queries], our_texts)
    service.close()

    retriever, _, client = open_llama(
        size_dir / "llamaindex" / "llama-qdrant", sentence_transformer(embedder)
    )
    retriever.similarity_top_k = DEPTH
    llama_texts = [_node_text(record.payload) for record in _scroll_all(client)]
    ranked = [[n.node.get_content() for n in retriever.retrieve(q)] for q in queries]
    results["llamaindex"] = score(rows, ranked, llama_texts)
    results["llamaindex"]["chunks"] = len(llama_texts)
    client.close()

    stemmer = Stemmer.Stemmer("french")
    corpus_tokens = bm25s.tokenize(our_texts, stopwords="fr", stemmer=stemmer, show_progress=False)
    bm25 = bm25s.BM25()
    bm25.index(corpus_tokens, show_progress=False)
    query_tokens = bm25s.tokenize(queries, stopwords="fr", stemmer=stemmer, show_progress=False)
    docs, _ = bm25.retrieve(query_tokens, k=min(DEPTH, len(our_texts)), show_progress=False, n_threads=1)
    results["bm25"] = score(rows, [[our_texts[i] for i in row] for row in docs], our_texts)
    return results


def _scroll_all(client: Any) -> list[Any]:
    from bench.ingest_throughput import LLAMA_COLLECTION

    records, offset = [], None
    while True:
        page, offset = client.scroll(LLAMA_COLLECTION, limit=1000, offset=offset, with_payload=True)
        records.extend(page)
        if offset is None:
            return records


def _node_text(payload: dict[str, Any] | None) -> str:
    import json

    content = (payload or {}).get("_node_content")
    if isinstance(content, str):
        try:
            return str(json.loads(content).get("text", ""))
        except ValueError:
            return ""
    return str((payload or {}).get("text", ""))


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--sizes", nargs="+", default=None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    setup_env()
    if args.worker:
        emit(worker(Path(args.worker)))
        return None
    from bench.query_latency import ensure_indexes

    with working_dir(args.workdir, "bench-quality-") as workdir:
        ensure_indexes(workdir / "bundled")
        labels = args.sizes or indexed_sizes(workdir, "ours-edge/index", "llamaindex")
        sizes: dict[str, Any] = {}
        for label in labels:
            result = run_worker("bench.quality", ["--worker", str(workdir / label)])
            result["docs"] = sum(1 for _ in (workdir / label / "docs").iterdir())
            sizes[label] = result
            print(f"  {label}: {result['docs']} docs, {result['chunks']} chunks", flush=True)
            print(f"    {'system':<12} {'recall@5':>8} {'hit@5':>6} {'MRR@10':>7} {'reachable':>9}")
            for system in ("ours-hybrid", "ours-dense", "ours-sparse", "llamaindex", "bm25"):
                r = result[system]
                print(
                    f"    {system:<12} {r['recall_at_5']:>8.3f} {r['hit_at_5']:>6.3f} "
                    f"{r['mrr_at_10']:>7.3f} {r['reachable']:>9.3f}",
                    flush=True,
                )
        payload = {"depth": DEPTH, "sizes": sizes}
        path = write_result("quality", payload)
        print(f"wrote {path}")
        return payload


if __name__ == "__main__":
    main()
