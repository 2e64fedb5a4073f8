"""How rare, in this corpus, is the rarest word of the question that the best evidence's document
never uses: an abstention signal from the corpus's own statistics.

A plausible question on the corpus's topics that no document answers ("En quelle année Ian
Murdock est-il mort ?" over pages that name him; "Avec la commande tee, quelle option compresse
… ?" answered from sort's page) is answered by evidence that shares its common words and lacks
its specific one: a word the corpus does use, elsewhere, in few chunks. Rarity is the BM25
inverse document frequency over the index's chunks, which ingestion records (each chunk's
analysed terms, ``sourcier.documents.Chunk.terms``) and the store counts
(``VectorStore.term_counts``): the data flows one way, ingestion writes and the engine reads.

Words the corpus never uses are left out: they cannot tell one document from another, and most
are the question's own wording of what a document says with other words ("tableur" for Calc).
On a small corpus no word is rare enough to count (2 articles, 11 chunks: every word occurs in at
least one chunk in eleven), which is why the threshold is on the IDF itself and not on a share of
its maximum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sourcier.store import VectorStore


def idf(chunks_with_term: int, chunks: int) -> float:
    """BM25's (and Qdrant's) inverse document frequency: ln(1 + (N - df + 0.5) / (df + 0.5))."""
    return math.log(1.0 + (chunks - chunks_with_term + 0.5) / (chunks_with_term + 0.5))


@dataclass(frozen=True, slots=True)
class Unsaid:
    """The question's rarest term that the corpus holds but the evidence's document does not."""

    term: str = ""
    idf: float = 0.0


def rarest_unsaid(terms: Iterable[str], document_id: str, store: VectorStore) -> Unsaid:
    """Among ``terms`` (the question's analysed content terms) that occur somewhere in the index,
    the rarest one that no chunk of ``document_id`` holds, with its IDF (none: ``Unsaid()``)."""
    wanted = list(dict.fromkeys(terms))
    if not wanted:
        return Unsaid()
    in_corpus = {t: n for t, n in store.term_counts(wanted).items() if n > 0}
    if not in_corpus:
        return Unsaid()
    in_document = store.term_counts(list(in_corpus), document_id)
    absent = [t for t in in_corpus if not in_document.get(t)]
    if not absent:
        return Unsaid()
    chunks = store.count_chunks()
    rarest = min(absent, key=lambda t: (in_corpus[t], t))
    return Unsaid(rarest, idf(in_corpus[rarest], chunks))


def chunk_counts(
    names: Iterable[str], terms_of: Callable[[str], Sequence[str]], store: VectorStore
) -> dict[str, int]:
    """In how many of the index's chunks each name occurs, as far as its analysed terms tell: the
    count of its rarest term (0 for a name without terms or that the corpus never uses)."""
    wanted = {name: list(terms_of(name)) for name in names}
    terms = list(dict.fromkeys(t for ts in wanted.values() for t in ts))
    counts = store.term_counts(terms) if terms else {}
    return {name: min((counts.get(t, 0) for t in ts), default=0) for name, ts in wanted.items()}


def widespread(
    names: Iterable[str], terms_of: Callable[[str], Sequence[str]], store: VectorStore, share: float
) -> frozenset[str]:
    """The names whose every analysed term occurs in at least ``share`` of the index's chunks:
    what the corpus as a whole is about ("Debian" over Debian's documentation), which a passage
    need not repeat to be about it ("L'installateur installe par défaut l'environnement de
    bureau GNOME…" never says Debian, nor does its page)."""
    named = [name for name in names if terms_of(name)]  # a name without terms is never widespread
    chunks = store.count_chunks() if named and share <= 1 else 0
    if not chunks:
        return frozenset()
    counts = chunk_counts(named, terms_of, store)
    return frozenset(name for name in named if counts[name] >= share * chunks)
