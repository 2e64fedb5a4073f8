"""Hybrid retrieval: the query's dense and French lexical vectors, fused by the store (RRF)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sourcier.documents import ScoredChunk, SearchFilters
from sourcier.embedding import Embedder, TokenStates
from sourcier.lexical import LexicalEncoder
from sourcier.store import SearchMode, VectorStore
from sourcier.store.base import RRF_K


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Ranked chunks for a query, with the query's vector and token states (reused by sentence
    ranking)."""

    chunks: list[ScoredChunk]
    query_vector: np.ndarray
    query_states: TokenStates
    embed_ms: float
    search_ms: float
    mode: SearchMode = "hybrid"  # the mode that ran (hybrid falls back to dense without lexical terms)


def agreement(retrieval: Retrieval) -> float:
    """How much the dense and the lexical retrievers agree on the best chunk, from 0 to 1: its
    fused RRF score over the best possible one (1 = first in both lists, 0.83 = first and
    second, 0.75 = first and third, 0.5 = first in one list only). 0 when only one retriever ran.

    Why: a score from rank positions means the same on any corpus, unlike a cosine; and when the
    corpus holds the answer, the passage that says it in the question's words tends to be
    found by both (tuning halves of the articles and docs suites: 0.84 of answerable questions,
    0.5 of the rest, have the dense winner in the lexical top 5)."""
    if retrieval.mode != "hybrid" or not retrieval.chunks:
        return 0.0
    return min(1.0, retrieval.chunks[0].score * RRF_K / 2)


class Retriever:
    """Embeds a query once and searches the store in the requested mode."""

    def __init__(self, store: VectorStore, embedder: Embedder, lexical: LexicalEncoder) -> None:
        self.store = store
        self.embedder = embedder
        self.lexical = lexical

    def retrieve(
        self,
        query: str,
        top_k: int,
        filters: SearchFilters | None = None,
        mode: SearchMode = "hybrid",
    ) -> Retrieval:
        started = time.perf_counter()
        vectors, states = self.embedder.encode([query], "query")
        vector = vectors[0]
        sparse = self.lexical.encode_query(query)
        embedded = time.perf_counter()
        if mode == "hybrid" and not sparse.indices:
            mode = "dense"
        if mode == "sparse" and not sparse.indices:
            chunks: list[ScoredChunk] = []
        else:
            chunks = self.store.search(
                mode,
                top_k,
                dense=vector.tolist(),
                sparse=sparse,
                filters=filters,
            )
        searched = time.perf_counter()
        return Retrieval(
            chunks, vector, states[0], (embedded - started) * 1000, (searched - embedded) * 1000, mode
        )
