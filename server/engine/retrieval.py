"""Hybrid retrieval: the query's dense and French lexical vectors, fused by the store
(``sourcier.store.fusion``)."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from sourcier.documents import ScoredChunk, SearchFilters
from sourcier.embedding import Embedder, TokenStates
from sourcier.lexical import LexicalEncoder
from sourcier.names import command_names, words
from sourcier.store import SearchMode, VectorStore
from sourcier.store.fusion import DENSE_WEIGHT

#: How many lexical hits of a named command's word are read to find its page.
_ROUTING_DEPTH = 20

#: Agreement's rank constant: a chunk ranked r (from 0) by a retriever gets 1/(k + r) from it.
AGREEMENT_K = 2


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
    """How much the dense and the lexical retrievers agree on a best chunk, from 0 to 1: over the
    retrieved chunks, the highest sum over both retrievers of 1/(2 + its rank of the chunk), 0 for
    a retriever that did not list it (1 = first in both lists, 0.83 = first and second, 0.75 =
    first and third, 0.5 = first in one list only). 0 when only one retriever ran.

    Why: a score from rank positions means the same on any corpus, unlike a cosine; and when the
    corpus holds the answer, the passage that says it in the question's words tends to be
    found by both (tuning halves of the articles and docs suites: 0.84 of answerable questions,
    0.5 of the rest, have the dense winner in the lexical top 5). Why the best over the chunks
    and not the fused first one's: the blend (``sourcier.store.fusion``) may put first a chunk
    that one retriever alone found far ahead; whether some chunk is found by both is the
    question here."""
    return max((chunk_agreement(retrieval, rank) for rank in range(len(retrieval.chunks))), default=0.0)


def chunk_agreement(retrieval: Retrieval, rank: int) -> float:
    """How much both retrievers found the chunk ranked ``rank`` (from 0) of ``retrieval``: the
    same rank votes as ``agreement``, for that chunk alone (0 when only one retriever ran). The
    passage an answer comes from may not be the one they agree on."""
    if retrieval.mode != "hybrid" or not 0 <= rank < len(retrieval.chunks):
        return 0.0
    return min(1.0, _rank_votes(retrieval.chunks[rank]))


def _rank_votes(chunk: ScoredChunk) -> float:
    return sum(1 / (AGREEMENT_K + r) for r in (chunk.dense_rank, chunk.lexical_rank) if r is not None)


class Retriever:
    """Embeds a query once and searches the store in the requested mode; a query naming a command
    in lower case ("Avec la commande sort, quelle option…") searches that command's page when the
    corpus has one."""

    def __init__(self, store: VectorStore, embedder: Embedder, lexical: LexicalEncoder) -> None:
        self.store = store
        self.embedder = embedder
        self.lexical = lexical

    def named_pages(self, query: str) -> tuple[str, ...]:
        """The documents titled by a command the query names (``sourcier.names.command_names``):
        a man page's title is its NAME line, "sort - trier les lignes de fichiers texte", whose
        first chunk the command's word finds lexically. Why route: the option a question asks
        about is described deep in the page, in a chunk that never repeats the command's name,
        and other pages have options that read the same ("--version", "--help")."""
        commands = command_names(query)
        pages: list[str] = []
        for command in sorted(commands):
            sparse = self.lexical.encode_query(command)
            if not sparse.indices:
                continue
            for hit in self.store.search("sparse", _ROUTING_DEPTH, sparse=sparse):
                named = hit.chunk.title.split(" - ", 1)[0]
                if command in words(named) and hit.chunk.document_id not in pages:
                    pages.append(hit.chunk.document_id)
        return tuple(pages)

    def retrieve(
        self,
        query: str,
        top_k: int,
        filters: SearchFilters | None = None,
        mode: SearchMode = "hybrid",
        dense_weight: float = DENSE_WEIGHT,
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
            pages = () if filters and filters.document_ids else self.named_pages(query)
            # "Avec la commande sort, …": search sort's page first, the whole index if it has nothing
            scopes = [dataclasses.replace(filters or SearchFilters(), document_ids=pages)] if pages else []
            chunks = []
            for scope in [*scopes, filters]:
                chunks = self.store.search(
                    mode,
                    top_k,
                    dense=vector.tolist(),
                    sparse=sparse,
                    filters=scope,
                    dense_weight=dense_weight,
                )
                if chunks:
                    break
        searched = time.perf_counter()
        return Retrieval(
            chunks, vector, states[0], (embedded - started) * 1000, (searched - embedded) * 1000, mode
        )
