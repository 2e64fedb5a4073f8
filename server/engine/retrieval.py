"""Hybrid retrieval: the query's dense and French lexical vectors, fused by the store (RRF)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sourcier.documents import ScoredChunk, SearchFilters
from sourcier.embedding import Embedder, TokenStates
from sourcier.lexical import LexicalEncoder
from sourcier.store import SearchMode, VectorStore


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Ranked chunks for a query, with the query's vector and token states (reused by sentence
    ranking)."""

    chunks: list[ScoredChunk]
    query_vector: np.ndarray
    query_states: TokenStates
    embed_ms: float
    search_ms: float


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
        if mode == "sparse" and not sparse.indices:
            chunks: list[ScoredChunk] = []
        else:
            chunks = self.store.search(
                "dense" if mode == "hybrid" and not sparse.indices else mode,
                top_k,
                dense=vector.tolist(),
                sparse=sparse,
                filters=filters,
            )
        searched = time.perf_counter()
        return Retrieval(chunks, vector, states[0], (embedded - started) * 1000, (searched - embedded) * 1000)
