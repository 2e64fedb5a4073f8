"""Ingestion throughput: ours vs the embedding floor vs a plain llama-index pipeline.

    python -m bench.ingest_throughput --corpus ../shared/bench-corpus/debian_fr_docs.jsonl.gz \
        --sample 0.01 0.1 [--workdir DIR] [--variants floor ours-edge ours-qdrant llamaindex]

Sizes: the bundled corpus (2 articles) and each ``--sample`` of the Debian corpus (fractions of
its 5,008 documents, drawn with a fixed seed; a value above 1 repeats the corpus with new ids,
e.g. ``10`` for 10×: only when asked, it takes hours on 2 cores). Each sample is written as
``.txt`` files (plus the two bundled articles, so the eval questions have answers in every index)
and ingested by each variant in its own process:

- ``floor``: raw ``SentenceTransformer.encode`` of exactly our chunk texts (``embedding_text`` of
  ``make_chunks``), one call, same batch size and threads: the embedding model's own cost;
- ``ours-edge``: ``Ingestor.ingest`` into the embedded Qdrant Edge store (the default);
- ``ours-qdrant``: the same into qdrant-client's local on-disk mode;
- ``llamaindex``: ``SimpleDirectoryReader`` → ``IngestionPipeline`` (``SentenceSplitter`` with the
  same token budget and tokenizer + a ``BaseEmbedding`` around the same model) → ``QdrantVectorStore``
  on qdrant-client's local on-disk mode.

Times exclude model loading (reported apart). Indexes are kept under ``--workdir`` for
``bench.query_latency`` and ``bench.quality``. Results: ``bench/results/ingest_throughput.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    DEFAULT_CORPUS,
    Clock,
    emit,
    folder_apparent_bytes,
    folder_bytes,
    make_settings,
    materialise,
    model_folder,
    profile_shares,
    read_corpus,
    run_worker,
    sample_docs,
    setup_env,
    size_label,
    working_dir,
    write_result,
)

VARIANTS = ("floor", "ours-edge", "ours-qdrant", "llamaindex")
#: Our functions whose share of ingestion time the profile reports.
INGEST_TARGETS = {
    "ingest": "ingest/pipeline.py:Ingestor.ingest",
    "embed_passages": "sourcier/onnx_embedding.py:OnnxEmbedder.embed_passages",
    "load_file": "ingest/loaders.py:load_file",
    "make_chunks": "ingest/pipeline.py:make_chunks",
    "sentence_spans": "sourcier/sentences.py:sentence_spans",
    "lexical": "sourcier/lexical.py:LexicalEncoder.encode_document",
    "upsert_chunks": "sourcier/store/edge.py:EdgeStore.upsert_chunks",
    "delete_stale_chunks": "sourcier/store/edge.py:EdgeStore.delete_stale_chunks",
    "put_document": "sourcier/store/edge.py:EdgeStore.put_document",
    "get_document": "sourcier/store/edge.py:EdgeStore.get_document",
    "count_chunks": "sourcier/store/edge.py:EdgeStore.count_chunks",
}
LLAMA_COLLECTION = "llamaindex"


# --- workers (run in child processes) -------------------------------------------------------


def our_chunk_texts(docs_dir: Path, settings: Any) -> list[str]:
    """Exactly the texts our Ingestor embeds for the files under ``docs_dir``."""
    from ingest.loaders import LoadError, discover, load_file
    from ingest.pipeline import embedding_text, make_chunks

    texts: list[str] = []
    for file, root in discover([docs_dir]):
        try:
            loaded = load_file(file, root, settings.max_file_bytes)
        except LoadError:
            continue
        texts.extend(embedding_text(c) for c in make_chunks(loaded, settings))
    return texts


def e5_tokens(tokenizer: Any, texts: list[str], prefix: str) -> int:
    """Tokens the model reads for ``texts`` (prompt and special tokens included)."""
    return sum(len(ids) for ids in tokenizer([prefix + t for t in texts], verbose=False)["input_ids"])


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]


def worker_floor(docs_dir: Path, out_dir: Path, batch_size: int) -> dict[str, Any]:
    import torch
    from sentence_transformers import SentenceTransformer

    settings = make_settings(out_dir, embedding_batch_size=batch_size)
    texts = our_chunk_texts(docs_dir, settings)
    started = time.perf_counter()
    torch.set_num_threads(settings.num_threads)
    model = SentenceTransformer(str(model_folder()), device="cpu", local_files_only=True)
    load_s = time.perf_counter() - started
    model.encode(texts[:batch_size], prompt_name="passage", batch_size=batch_size)  # warm-up
    with Clock() as clock:
        model.encode(
            texts,
            prompt_name="passage",
            batch_size=batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
    return {
        "chunks": len(texts),
        "seconds": clock.wall,
        "cpu_s": clock.cpu,
        "load_s": load_s,
        "texts_sha": _digest(texts),
        "e5_tokens": e5_tokens(model.tokenizer, texts, "passage: "),
    }


def worker_ours(docs_dir: Path, out_dir: Path, batch_size: int, engine: str) -> dict[str, Any]:
    from ingest.pipeline import Ingestor
    from sourcier.embedding import load_embedder
    from sourcier.store import open_store

    overrides: dict[str, Any] = {"embedding_batch_size": batch_size}
    index_dir = out_dir / "index"
    if engine == "qdrant":
        overrides["qdrant_url"] = f"path:{index_dir}"
    settings = make_settings(out_dir, **overrides)
    started = time.perf_counter()
    embedder = load_embedder(settings)
    embedder.embed_passages(["passage de chauffe"] * batch_size)  # warm-up, as the floor does
    load_s = time.perf_counter() - started
    with Clock() as clock:
        store = open_store(settings)
        try:
            report = Ingestor(store, embedder, settings).ingest([docs_dir])
        finally:
            store.close()
    if report.failed:
        print(f"failed: {report.failed[:5]}", file=sys.stderr)
    texts = our_chunk_texts(docs_dir, settings)
    return {
        "docs": report.added + report.updated,
        "failed": len(report.failed),
        "chunks": report.chunks_written,
        "seconds": clock.wall,
        "cpu_s": clock.cpu,
        "load_s": load_s,
        "index_bytes": folder_bytes(index_dir),
        "index_apparent_bytes": folder_apparent_bytes(index_dir),
        "texts_sha": _digest(texts),
        "e5_tokens": sum(embedder.count_tokens(t) for t in texts),
    }


def llama_embedding(model: Any, batch_size: int) -> Any:
    """A llama-index ``BaseEmbedding`` around a loaded SentenceTransformer (e5 prompts kept)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class SentenceTransformerEmbedding(BaseEmbedding):
        _model: Any = PrivateAttr()

        def __init__(self, st_model: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._model = st_model

        def _encode(self, texts: list[str], prompt: str) -> list[list[float]]:
            vectors = self._model.encode(
                texts,
                prompt_name=prompt,
                batch_size=self.embed_batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
            return [list(map(float, v)) for v in vectors]

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._encode([query], "query")[0]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._encode([text], "passage")[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._encode(texts, "passage")

    return SentenceTransformerEmbedding(
        model, model_name="multilingual-e5-small", embed_batch_size=batch_size
    )


def load_llama_model(batch_size: int) -> Any:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(int(os.environ.get("SOURCIER_NUM_THREADS", "2")))
    model = SentenceTransformer(str(model_folder()), device="cpu", local_files_only=True)
    return llama_embedding(model, batch_size)


def llama_splitter(chunk_tokens: int, overlap: int, encoding: str) -> Any:
    import tiktoken
    from llama_index.core.node_parser import SentenceSplitter

    enc = tiktoken.get_encoding(encoding)
    return SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=overlap,
        tokenizer=lambda text: enc.encode(text, disallowed_special=()),
    )


def worker_llama(docs_dir: Path, out_dir: Path, batch_size: int) -> dict[str, Any]:
    started = time.perf_counter()
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient

    LlamaSettings.llm = None
    settings = make_settings(out_dir)
    embed_model = load_llama_model(batch_size)
    embed_model.get_text_embedding_batch(["passage de chauffe"] * batch_size)
    load_s = time.perf_counter() - started
    index_dir = out_dir / "llama-qdrant"
    with Clock() as clock:
        documents = SimpleDirectoryReader(str(docs_dir), required_exts=[".txt"]).load_data()
        client = QdrantClient(path=str(index_dir))
        vector_store = QdrantVectorStore(client=client, collection_name=LLAMA_COLLECTION)
        pipeline = IngestionPipeline(
            transformations=[
                llama_splitter(
                    settings.chunk_tokens, settings.chunk_overlap_tokens, settings.tiktoken_encoding
                ),
                embed_model,
            ],
            vector_store=vector_store,
        )
        nodes = pipeline.run(documents=documents)
        client.close()
    from llama_index.core.schema import MetadataMode

    embedded = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    return {
        "docs": len(documents),
        "chunks": len(nodes),
        "seconds": clock.wall,
        "cpu_s": clock.cpu,
        "load_s": load_s,
        "index_bytes": folder_bytes(index_dir),
        "index_apparent_bytes": folder_apparent_bytes(index_dir),
        "e5_tokens": e5_tokens(embed_model._model.tokenizer, embedded, "passage: "),
    }


def worker_main(args: argparse.Namespace) -> None:
    setup_env()
    docs_dir, out_dir = Path(args.docs), Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    if args.worker == "floor":
        result = worker_floor(docs_dir, out_dir, args.batch_size)
    elif args.worker == "ours-edge":
        result = worker_ours(docs_dir, out_dir, args.batch_size, "edge")
    elif args.worker == "ours-qdrant":
        result = worker_ours(docs_dir, out_dir, args.batch_size, "qdrant")
    else:
        result = worker_llama(docs_dir, out_dir, args.batch_size)
    if profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))
        result["profile"] = profile_shares(profiler, INGEST_TARGETS)
    result["loadavg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    emit(result)


# --- orchestration --------------------------------------------------------------------------


def rates(result: dict[str, Any], docs: int, mbytes: float) -> dict[str, Any]:
    seconds = result["seconds"]
    out = dict(result)
    out["docs_per_s"] = round(docs / seconds, 2)
    out["chunks_per_s"] = round(result["chunks"] / seconds, 2)
    out["mb_per_s"] = round(mbytes / seconds, 4)
    out["cpu_chunks_per_s"] = round(result["chunks"] / result["cpu_s"], 2)
    out["cpu_docs_per_s"] = round(docs / result["cpu_s"], 3)
    if result.get("e5_tokens"):
        out["cpu_ms_per_1k_tokens"] = round(result["cpu_s"] / result["e5_tokens"] * 1e6, 1)
    out["cpu_s"] = round(result["cpu_s"], 2)
    out["seconds"] = round(seconds, 2)
    out["load_s"] = round(result["load_s"], 2)
    if result.get("index_bytes") and result["chunks"]:
        out["index_mb_per_1k_chunks"] = round(result["index_bytes"] / 1e6 / result["chunks"] * 1000, 2)
    return out


def measure_size(
    label: str,
    docs_dir: Path,
    out_root: Path,
    variants: list[str],
    batch_size: int,
    profile_dir: Path | None,
) -> dict[str, Any]:
    docs = sum(1 for p in docs_dir.iterdir() if p.suffix == ".txt")
    mbytes = folder_apparent_bytes(docs_dir) / 1e6
    entry: dict[str, Any] = {"docs": docs, "mb": round(mbytes, 3), "docs_dir": str(docs_dir), "variants": {}}
    for variant in variants:
        out_dir = out_root / variant
        if out_dir.exists():
            shutil.rmtree(out_dir)
        worker_args = ["--worker", variant, "--docs", str(docs_dir), "--out", str(out_dir)]
        worker_args += ["--batch-size", str(batch_size)]
        result = rates(run_worker("bench.ingest_throughput", worker_args), docs, mbytes)
        result["out_dir"] = str(out_dir)
        entry["variants"][variant] = result
        print(
            f"  {label:>8} {variant:<12} {result['chunks']:>6} chunks {result['seconds']:>8.1f} s "
            f"{result['docs_per_s']:>7.2f} docs/s {result['chunks_per_s']:>7.1f} chunks/s "
            f"{result['mb_per_s']:>6.3f} MB/s  CPU {result['cpu_s']:>7.1f} s  "
            f"RSS {result['peak_rss_mb']:>6.0f} MB"
            + (
                f"  {result['index_mb_per_1k_chunks']:.2f} MB/1k chunks"
                if "index_mb_per_1k_chunks" in result
                else ""
            )
            + f"  (load avg {result['loadavg_1m'][0]:.1f})",
            flush=True,
        )
    if profile_dir is not None and "ours-edge" in variants:
        # A separate, untimed run under the profiler (its hooks slow Python code down).
        profile_dir.mkdir(parents=True, exist_ok=True)
        out_dir = out_root / "ours-edge-profiled"
        shutil.rmtree(out_dir, ignore_errors=True)
        profiled = run_worker(
            "bench.ingest_throughput",
            [
                *("--worker", "ours-edge", "--docs", str(docs_dir), "--out", str(out_dir)),
                *("--batch-size", str(batch_size), "--profile", str(profile_dir / f"ingest-{label}.txt")),
            ],
        )
        shutil.rmtree(out_dir, ignore_errors=True)
        entry["profile"] = profiled.get("profile")
        entry["profiled_seconds"] = round(profiled["seconds"], 2)
    v = entry["variants"]
    ratios: dict[str, float] = {}
    if "ours-edge" in v and "floor" in v and v["ours-edge"].get("texts_sha") != v["floor"].get("texts_sha"):
        print("  warning: the floor did not encode the same texts", file=sys.stderr)
    for ours in ("ours-edge", "ours-qdrant"):
        key = ours.replace("-", "_")
        for base, unit in (("floor", "chunks"), ("llamaindex", "docs")):
            if ours in v and base in v:
                ratios[f"{key}_over_{base}_{unit}"] = round(
                    v[ours][f"{unit}_per_s"] / v[base][f"{unit}_per_s"], 3
                )
                ratios[f"{key}_over_{base}_{unit}_cpu"] = round(
                    v[ours][f"cpu_{unit}_per_s"] / v[base][f"cpu_{unit}_per_s"], 3
                )
    entry["ratios"] = ratios
    if ratios:
        print(
            "  " + label + " ratios: " + ", ".join(f"{k} {val:.2f}" for k, val in ratios.items()), flush=True
        )
    return entry


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=float, nargs="*", default=[0.01, 0.1])
    parser.add_argument("--no-bundled", action="store_true", help="skip the 2-article corpus size")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument(
        "--large-variants",
        nargs="+",
        choices=VARIANTS,
        default=None,
        help="variants for samples of 10%% and more (default: --variants)",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workdir", type=Path, default=None, help="keep indexes here (default: temp)")
    parser.add_argument(
        "--profile", type=Path, default=None, help="pyinstrument profile of ours-edge (smallest sample) here"
    )
    parser.add_argument("--allow-large", action="store_true", help="permit samples above 0.5 (slow)")
    # worker mode
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--docs", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args)
        return None

    setup_env()
    model_folder()  # convert once, before any timed worker
    too_big = [s for s in args.sample if s > 0.5]
    if too_big and not args.allow_large:
        parser.error(
            f"--sample {too_big} takes hours on 2 cores: add --allow-large (estimates are printed anyway)"
        )
    with working_dir(args.workdir, "bench-ingest-") as workdir:
        from sourcier.config import BUNDLED_CORPUS

        sizes: dict[str, Any] = {}
        plan: list[tuple[str, float | None]] = [] if args.no_bundled else [("bundled", None)]
        plan += [(size_label(s), s) for s in args.sample]
        corpus = read_corpus(args.corpus) if args.sample else []
        corpus_mb = sum(len(d["text"].encode()) for d in corpus) / 1e6
        for label, fraction in plan:
            size_dir = workdir / label
            docs_dir = size_dir / "docs"
            if docs_dir.exists():
                shutil.rmtree(docs_dir)
            if fraction is None:
                docs_dir.mkdir(parents=True)
                for file in sorted(BUNDLED_CORPUS.glob("*.txt")):
                    shutil.copy(file, docs_dir / file.name)
            else:
                materialise(sample_docs(corpus, fraction), docs_dir)
            large = fraction is not None and fraction >= 0.1
            variants = args.large_variants if (large and args.large_variants) else args.variants
            # Profile the smallest sample only: a long profile's samples would weigh on peak RSS.
            profile = args.profile if fraction is not None and fraction == min(args.sample) else None
            sizes[label] = measure_size(label, docs_dir, size_dir, variants, args.batch_size, profile)
            sizes[label]["fraction"] = fraction
        estimates = estimate_full(sizes, corpus_mb, len(corpus))
        for line in estimates.get("lines", []):
            print("  " + line)
        payload = {
            "corpus": str(args.corpus),
            "corpus_docs": len(corpus),
            "corpus_mb": round(corpus_mb, 2),
            "batch_size": args.batch_size,
            "workdir": str(workdir),
            "sizes": sizes,
            "estimates": estimates,
        }
        path = write_result("ingest_throughput", payload)
        print(f"wrote {path}")
        return payload


def estimate_full(sizes: dict[str, Any], corpus_mb: float, corpus_docs: int) -> dict[str, Any]:
    """Time for 100% and 10× from the largest measured sample (ingestion is linear in text:
    embedding dominates). Two bases: the measured wall-clock MB/s (as loaded as the machine was),
    and the CPU seconds per MB divided by the cores (what 2 idle cores would take)."""
    measured = [(k, v) for k, v in sizes.items() if v.get("fraction")]
    if not measured or not corpus_mb:
        return {}
    label, entry = max(measured, key=lambda kv: kv[1]["mb"])
    cores = min(os.cpu_count() or 1, 2)
    out: dict[str, Any] = {"from": label, "cores": cores, "lines": []}
    for variant, result in entry["variants"].items():
        per_mb = result["chunks"] / entry["mb"]
        cpu_per_mb = result["cpu_s"] / entry["mb"]
        for name, factor in (("100pct", 1.0), ("10x", 10.0)):
            wall_h = corpus_mb * factor / result["mb_per_s"] / 3600
            idle_h = corpus_mb * factor * cpu_per_mb / cores / 3600
            chunks = round(per_mb * corpus_mb * factor)
            out.setdefault(name, {})[variant] = {
                "hours": round(wall_h, 2),
                "idle_hours": round(idle_h, 2),
                "chunks": chunks,
            }
            out["lines"].append(
                f"estimate {name:>6} ({corpus_docs * factor:,.0f} docs, ~{chunks:,} chunks) {variant:<12} "
                f"{wall_h:5.2f} h at the measured rate, {idle_h:5.2f} h on {cores} idle cores "
                f"(from the {label} sample; not measured)"
            )
    return out


if __name__ == "__main__":
    main()
