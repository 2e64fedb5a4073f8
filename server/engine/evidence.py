"""Second-stage ranking: the source sentences of the retrieved chunks, scored against the question.

A chunk is the unit of retrieval; a sentence is the unit of citation. Each candidate sentence
gets these signals: its soft term alignment with the question (``server.engine.alignment``; for a
follow-up, with the follow-up as asked too), its pooled embedding similarity, the rank of the
chunk it came from, whether it holds the kind of answer the question asks for (a date for
"quand"), and how much of it the conversation already said. Their blend orders the evidence the
answerers work from. The coverage of the question's stemmed terms is kept for the abstention
checks; as a ranking signal it lost to alignment on the eval set (0.57 vs 0.77 gold-first).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.engine.alignment import alignments
from server.engine.answer_types import AnswerType, expected_type, provides
from server.engine.grounding import names
from sourcier.documents import ScoredChunk
from sourcier.embedding import Embedder, TokenStates
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import sentence_spans

_NUMBER = re.compile(r"\d[\d.,°%-]*")
#: Words that shape a question without saying what it is about (and the glue of follow-ups),
#: as analysed terms (stems).
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
        # words about the corpus itself ("d'après les deux articles", "selon les documents")
        "apres",
        "selon",
        "chacun",
        "articl",
        "docu",
        "sourc",
        "text",
    }
)
_MIN_WORDS = 4
#: A sentence opening with one of these leans on the one before it ("Il serait prévu pour…").
_REFERRING_OPENERS = frozenset(
    {"il", "elle", "ils", "elles", "ce", "cet", "cette", "ces", "cela", "ceci", "celui", "celle"}
    | {"son", "sa", "ses", "leur", "leurs"}
)


def refers_back(sentence: str) -> bool:
    words = sentence.split(maxsplit=1)
    return bool(words) and words[0].lower().strip(",;:") in _REFERRING_OPENERS


@dataclass(frozen=True, slots=True)
class Weights:
    """How the signals blend (tuned on the eval set; a broad plateau of settings ties with these,
    see eval/ and the README)."""

    alignment: float = 1.5
    dense: float = 0.125
    coverage: float = 0.0
    chunk_rank: float = 0.025
    answer_type: float = 0.05  # +/- when the question expects a date, quantity or name
    repeated: float = 0.25  # times the share of the sentence's terms an earlier answer gave
    focus: float = 0.5  # a follow-up's own alignment, relative to its standalone version's
    context: float = 1.0  # alignment of the sentence with the one before it ("Il serait prévu…")


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
    alignment: float = 0.0  # soft term alignment with the question (server.engine.alignment)


class SentenceVectors:
    """Pooled vectors and token states of source sentences, computed on first use and kept (LRU,
    within a byte budget: token states are ~30 kB a sentence) for later queries."""

    def __init__(self, embedder: Embedder, max_bytes: int = 256 * 2**20) -> None:
        self.embedder = embedder
        self.max_bytes = max_bytes
        self._cache: OrderedDict[str, tuple[np.ndarray, TokenStates]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """(n, dimension) pooled passage vectors and the token states of ``texts``."""
        with self._lock:
            # taken now: another thread may evict them before this call returns
            entries = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in entries))
        computed: dict[str, tuple[np.ndarray, TokenStates]] = {}
        if missing:
            vectors, states = self.embedder.encode(missing, "passage")
            computed = {t: (v, st) for t, v, st in zip(missing, vectors, states, strict=True)}
        entries.update(computed)
        found = [entries[t] for t in texts]
        with self._lock:
            for text, entry in computed.items():
                if text not in self._cache:
                    self._cache[text] = entry
                    self._bytes += entry[0].nbytes + entry[1].nbytes
            for text in texts:
                if text in self._cache:
                    self._cache.move_to_end(text)
            while self._bytes > self.max_bytes and len(self._cache) > 1:
                _, (vector, evicted) = self._cache.popitem(last=False)
                self._bytes -= vector.nbytes + evicted.nbytes
        if not found:
            return np.zeros((0, self.embedder.dimension), np.float32), []
        return np.stack([v for v, _ in found]), [st for _, st in found]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension) pooled passage vectors of ``texts``."""
        return self.encode(texts)[0]

    def __len__(self) -> int:
        return len(self._cache)


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


def leading_states(states: TokenStates, prefix: str) -> TokenStates | None:
    """The token states of the pieces that spell ``prefix`` at the start of the encoded text — a
    follow-up as asked, inside its standalone version "… (à propos de : …)" — so that it needs
    no model pass of its own. None when the pieces do not end exactly where the prefix does."""
    wanted = len(prefix.replace(" ", ""))
    spelled = 0
    for n, piece in enumerate(states.pieces, 1):
        spelled += len(piece.replace("▁", ""))
        if spelled == wanted:
            return TokenStates(states.pieces[:n], states.vectors[:n])
        if spelled > wanted:
            return None
    return None


def repetition(sentence_terms: set[str], said_terms: Sequence[set[str]]) -> float:
    """The largest share of the sentence's terms that one earlier answer already contained."""
    if not sentence_terms:
        return 0.0
    return max((len(sentence_terms & t) / len(sentence_terms) for t in said_terms), default=0.0)


def gather(
    question: str,
    query_vector: np.ndarray,
    query_states: TokenStates,
    chunks: Sequence[ScoredChunk],
    lexical: LexicalEncoder,
    vectors: SentenceVectors,
    weights: Weights = Weights(),
    focus: str | None = None,
    said: Sequence[str] = (),
) -> list[Evidence]:
    """Every distinct sentence of the retrieved chunks, scored and sorted best first.

    ``question`` is what was searched (for a follow-up, the standalone version) and
    ``query_states`` its token states; ``focus`` is the follow-up as asked: a sentence answering
    it may share words with either. ``said`` holds the assistant's earlier answers."""
    terms = question_terms(question, lexical)
    focus_terms = question_terms(focus, lexical) if focus else {}
    answer_type = expected_type(focus or question)
    said_terms = [set(lexical.terms(text)) for text in said]
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
    sentence_vectors, sentence_states = vectors.encode(texts)
    similarities = sentence_vectors @ query_vector
    if weights.context:
        leaning = [i for i, t in enumerate(texts) if refers_back(t) and located[i][4]]
        _, before = vectors.encode([located[i][4] for i in leaning])
        paired = list(sentence_states)
        for i, b in zip(leaning, before, strict=True):
            paired[i] = TokenStates(
                b.pieces + paired[i].pieces, np.concatenate([b.vectors, paired[i].vectors])
            )

    def aligned_with(states: TokenStates) -> list[float]:
        own = alignments(states, sentence_states)
        if not weights.context:
            return own
        together = alignments(states, paired)
        return [(a + weights.context * c) / (1 + weights.context) for a, c in zip(own, together, strict=True)]

    aligned = aligned_with(query_states)
    if focus:
        focus_states = leading_states(query_states, focus) or vectors.embedder.encode([focus], "query")[1][0]
        aligned = [
            (a + weights.focus * f) / (1 + weights.focus)
            for a, f in zip(aligned, aligned_with(focus_states), strict=True)
        ]
    evidence = []
    for (scored, rank, start, end, previous), text, similarity, alignment in zip(
        located, texts, similarities, aligned, strict=True
    ):
        sentence_terms = set(lexical.terms(text))
        context_terms = sentence_terms | set(lexical.terms(previous))
        cov = coverage(terms, sentence_terms)
        typed = 0.0
        if answer_type is not AnswerType.ANY:
            typed = 1.0 if provides(answer_type, text, focus or question) else -1.0
        score = (
            weights.alignment * alignment
            + weights.dense * float(similarity)
            + weights.coverage * cov
            + weights.chunk_rank / (rank + 1)
            + weights.answer_type * typed
            - weights.repeated * repetition(sentence_terms, said_terms)
        )
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
                alignment,
            )
        )
    evidence.sort(key=lambda e: e.score, reverse=True)
    return evidence
