"""Second-stage ranking: the source sentences of the retrieved chunks, scored against the question.

A chunk is the unit of retrieval; a sentence is the unit of citation. Each candidate sentence
gets three signals: its embedding similarity to the question, its coverage of the question's
content terms (stemmed, accent-folded, elisions split; names and numbers weigh double), and
the rank of the chunk it came from. Their blend orders the evidence the answerers work from.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.grounding import names
from sourcier.documents import ScoredChunk
from sourcier.embedding import Embedder
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import sentence_spans

_NUMBER = re.compile(r"\d[\d.,°%-]*")
#: Words that shape a question without saying what it is about (and the glue of follow-ups).
QUESTION_STOP_TERMS = frozenset(
    {
        "quand",
        "comment",
        "pourquoi",
        "combien",
        "quel",
        "quell",
        "qui",
        "que",
        "quoi",
        "ou",
        "est",
        "ce",
        "propos",
    }
)
_MIN_WORDS = 4


@dataclass(frozen=True, slots=True)
class Weights:
    """How the signals blend (tuned on the eval set; see eval/ and the README)."""

    dense: float = 1.0
    coverage: float = 1.5
    chunk_rank: float = 0.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """A candidate sentence of a retrieved chunk, located in its document."""

    document_id: str
    title: str
    date: str | None
    start: int
    end: int
    text: str
    chunk_rank: int
    dense: float
    coverage: float
    score: float
    context: str = ""  # the chunk it came from: names the sentence refers back to ("ce laboratoire")
    context_coverage: float = 0.0  # coverage by this sentence and the one before it ("Il serait prévu…")


class SentenceVectors:
    """Embeddings of source sentences, computed on first use and kept (LRU) for later queries."""

    def __init__(self, embedder: Embedder, max_entries: int = 200_000) -> None:
        self.embedder = embedder
        self.max_entries = max_entries
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self.embedder.embed_passages(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self.max_entries:
                    self._cache.popitem(last=False)
        with self._lock:
            for text in texts:
                self._cache.move_to_end(text)
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)


def question_terms(question: str, lexical: LexicalEncoder) -> dict[str, float]:
    """The question's content terms with weights: names, acronyms and numbers count double."""
    entities = names(question, lexical) | {t for n in _NUMBER.findall(question) for t in lexical.terms(n)}
    return {
        term: 2.0 if term in entities else 1.0
        for term in lexical.terms(question)
        if term not in QUESTION_STOP_TERMS
    }


def coverage(terms: dict[str, float], sentence_terms: set[str]) -> float:
    """Weighted share of the question's terms that the sentence contains."""
    total = sum(terms.values())
    if not total:
        return 0.0
    return sum(w for t, w in terms.items() if t in sentence_terms) / total


def gather(
    question: str,
    query_vector: np.ndarray,
    chunks: Sequence[ScoredChunk],
    lexical: LexicalEncoder,
    vectors: SentenceVectors,
    weights: Weights = Weights(),
    focus: str | None = None,
) -> list[Evidence]:
    """Every distinct sentence of the retrieved chunks, scored and sorted best first.

    ``question`` is what was searched (for a follow-up, the standalone version); ``focus`` is
    the follow-up as asked: a sentence answering it may share words with either."""
    terms = question_terms(question, lexical)
    focus_terms = question_terms(focus, lexical) if focus else {}
    seen: set[tuple[str, int]] = set()
    located: list[tuple[ScoredChunk, int, int, int, str]] = []  # chunk, rank, start, end, previous
    for rank, scored in enumerate(chunks):
        chunk = scored.chunk
        headings = set(chunk.heading_path)
        previous = ""
        for span in sentence_spans(chunk.text):
            text = chunk.text[span.start : span.end]
            key = (chunk.document_id, chunk.start + span.start)
            if key not in seen and text not in headings and len(text.split()) >= _MIN_WORDS:
                seen.add(key)
                located.append((scored, rank, chunk.start + span.start, chunk.start + span.end, previous))
            previous = text
    if not located:
        return []
    texts = [s.chunk.text[a - s.chunk.start : b - s.chunk.start] for s, _, a, b, _ in located]
    similarities = vectors.embed(texts) @ query_vector
    evidence = []
    for (scored, rank, start, end, previous), text, similarity in zip(
        located, texts, similarities, strict=True
    ):
        sentence_terms = set(lexical.terms(text))
        context_terms = sentence_terms | set(lexical.terms(previous))
        cov = coverage(terms, sentence_terms)
        score = weights.dense * float(similarity) + weights.coverage * cov + weights.chunk_rank / (rank + 1)
        chunk = scored.chunk
        evidence.append(
            Evidence(
                chunk.document_id,
                chunk.title,
                chunk.date,
                start,
                end,
                text,
                rank,
                float(similarity),
                cov,
                score,
                chunk.text,
                max(coverage(terms, context_terms), coverage(focus_terms, context_terms)),
            )
        )
    evidence.sort(key=lambda e: e.score, reverse=True)
    return evidence
