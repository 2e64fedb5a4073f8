"""Second-stage ranking: the source sentences of the retrieved chunks, scored against the question.

A chunk is the unit of retrieval; a sentence is the unit of citation. Each candidate sentence
gets these signals: its soft term alignment with the question (``server.engine.alignment``; for a
follow-up, with the follow-up as asked too), its pooled embedding similarity, the rank of the
chunk it came from, whether it holds the kind of answer the question asks for (a date for
"quand"), for a how-to question whether it tells how (an instruction, a key, something to type:
``server.engine.answer_types.tells_how``: not a path alone), whether it is in the question's language
(``sourcier.language``), and how much of it the conversation already said. Their blend orders the evidence the
answerers work from; the best of it is then read again for how much it only restates the question
(``restating``). The coverage of the question's stemmed terms is kept for the abstention
checks; as a ranking signal it lost to alignment on the eval set (0.57 vs 0.77 gold-first).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from server.engine.alignment import given_alignments, piece_words
from server.engine.answer_types import AnswerType, asks_for_steps, provides, tells_how
from server.engine.kept import Kept
from server.engine.retrieval import Retrieval
from server.engine.understanding import Understanding
from sourcier.documents import ScoredChunk
from sourcier.embedding import Embedder, TokenStates
from sourcier.language import other_language
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import chunk_sentence_spans

_MIN_WORDS = 4
#: A sentence opening with one of these leans on the one before it ("Il serait prévu pour…").
_REFERRING_OPENERS = frozenset(
    {"il", "elle", "ils", "elles", "ce", "cet", "cette", "ces", "cela", "ceci", "celui", "celle"}
    | {"son", "sa", "ses", "leur", "leurs"}
)


def in_heading(text: str, headings: Sequence[str]) -> bool:
    """Is the sentence a heading or a piece of one? A numbered heading ("4.4.1. Démarrage du
    programme d'installation depuis Linux avec GRUB", "D.5. Installer Debian…") splits after its
    number, and the rest, a sentence of its own, is still the heading, not body text."""
    stripped = text.strip()
    return bool(stripped) and any(stripped in heading for heading in headings)


#: "En voici la liste…", "Les voici", "En voilà": what they list is named in the sentence before.
_PRESENTING = re.compile(r"^(?:en|les|la|le)\s+(?:voici|voilà)\b", re.IGNORECASE)


#: An impersonal "il" refers to nothing before it: "Il est possible de…", "Il faut…", "Il existe…",
#: "Il n'y a pas…" ("Il serait prévu pour…", "Il est capable de…" do refer: to a product, a program).
_IMPERSONAL = re.compile(
    r"^il\s+(?:ne\s+|n')?(?:"
    r"fau(?:t|drait|dra)|fallait|suffi(?:t|sait|ra)|y\s+a(?:vait|ura)?\b|"
    r"exist(?:e|ait|era)\s+(?:(?:une?|des?|plusieurs|quelques|aucune?|deux|trois)\b|d'|\d)|"
    r"s'agi(?:t|ssait)|convient|vaut\s+mieux|se\s+peut|peut\s+arriver|reste\s+(?:à|des?|une?|encore)\b|"
    r"(?:arrive|semble|para[iî]t)\s+(?:que|qu')|"
    r"(?:est|était|sera|serait)\s+(?:\w+\s+){0,2}?(?:possible|impossible|nécessaire|recommandé|conseillé|"
    r"déconseillé|préférable|important|essentiel|difficile|facile|utile|inutile|indispensable|obligatoire|"
    r"souhaitable|probable|improbable|vrai|clair|évident|temps|prudent|courant|fréquent|rare|normal|"
    r"judicieux|interdit|permis|pratique|simple|tentant|dangereux)\s+(?:de\b|d'|que\b|qu'))",
    re.IGNORECASE,
)


#: What an impersonal clause may still point back with: "Il y a une simple raison à cela : …".
_POINTING_BACK = re.compile(r"\b(?:cela|ceci|ça|cel(?:ui|le|les)-(?:ci|là)|ceux-(?:ci|là))\b", re.IGNORECASE)


def points_back(text: str) -> bool:
    """Does the text name what came before it ("cela", "ceci", "celle-ci"), wherever it says so?"""
    return _POINTING_BACK.search(text) is not None


def refers_back(sentence: str) -> bool:
    words = sentence.split(maxsplit=1)
    if not words or not (
        words[0].lower().strip(",;:") in _REFERRING_OPENERS or _PRESENTING.match(sentence) is not None
    ):
        return False
    impersonal = _IMPERSONAL.match(sentence.lstrip())
    return impersonal is None or points_back(" ".join(sentence.split()[:12]))


@dataclass(frozen=True, slots=True)
class Weights:
    """How the signals blend (tuned on the eval set; a broad plateau of settings ties with these,
    see eval/ and the README)."""

    alignment: float = 1.5
    dense: float = 0.125
    coverage: float = 0.0
    chunk_rank: float = 0.025
    answer_type: float = 0.05  # +/- when the question expects a date, quantity, name or option
    repeated: float = 0.25  # times the share of the sentence's terms an earlier answer gave
    focus: float = 0.5  # a follow-up's own alignment, relative to its standalone version's
    context: float = 1.0  # alignment of the sentence with the one before it ("Il serait prévu…")
    titled: float = 0.3  # in ranking, the weight of the question's words the document's title says
    language: float = 0.05  # a sentence in another language than the question (sourcier.language)
    instruction: float = 0.05  # for a how-to question, a sentence that tells how (answer_types.tells_how)
    restating: float = 0.5  # times the sentence's similarity to the question as a question (``restating``)
    verbatim: float = 0.1  # a sentence holding an identifier the question writes (``verbatim``)


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
    described_coverage: float = 0.0  # the same, of what the question describes (``Understanding.described``)
    alignment: float = 0.0  # soft term alignment with the question (server.engine.alignment)
    page: int | None = None  # paged sources (PDF): the 1-based page the sentence starts on
    context_start: int = 0  # where ``context`` starts in the document (to find the neighbours)
    headings: tuple[str, ...] = ()  # the chunk's heading path and the headings inside it


class SentenceVectors:
    """Pooled vectors and token states of source sentences, computed on first use and kept (LRU,
    within a byte budget: token states are ~30 kB a sentence) for later queries."""

    def __init__(self, embedder: Embedder, max_bytes: int = 256 * 2**20) -> None:
        self.embedder = embedder
        self.max_bytes = max_bytes
        self._passages: Kept[tuple[np.ndarray, TokenStates]] = Kept(
            max_bytes, lambda entry: entry[0].nbytes + entry[1].nbytes
        )
        queries_bytes = max_bytes // 16  # vectors only: a 16th of the budget
        self._queries: Kept[np.ndarray] = Kept(queries_bytes, lambda vector: vector.nbytes)
        self.max_queries = queries_bytes // (4 * embedder.dimension)

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """(n, dimension) pooled passage vectors and the token states of ``texts``."""

        def compute(missing: list[str]) -> list[tuple[np.ndarray, TokenStates]]:
            vectors, states = self.embedder.encode(missing, "passage")
            return list(zip(vectors, states, strict=True))

        found = self._passages.get(texts, compute)
        if not found:
            return np.zeros((0, self.embedder.dimension), np.float32), []
        return np.stack([v for v, _ in found]), [st for _, st in found]

    def as_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension) vectors of ``texts`` embedded as queries, kept like the passage
        vectors (``restating`` compares them with the question)."""
        found = self._queries.get(texts, lambda missing: list(self.embedder.embed_queries(missing)))
        if not found:
            return np.zeros((0, self.embedder.dimension), np.float32)
        return np.stack(found)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension) pooled passage vectors of ``texts``."""
        return self.encode(texts)[0]

    def __len__(self) -> int:
        return len(self._passages)

    @property
    def kept_queries(self) -> int:
        """How many query-side vectors are kept (``as_queries``; at most ``max_queries``)."""
        return len(self._queries)


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
    understanding: Understanding,
    retrieval: Retrieval,
    lexical: LexicalEncoder,
    vectors: SentenceVectors,
    weights: Weights = Weights(),
) -> list[Evidence]:
    """Stage 3: every distinct sentence of the retrieved chunks, scored and sorted best first.

    The sentences are matched against what was searched (for a follow-up, the standalone
    version, whose token states ``retrieval`` carries) and against the follow-up as asked: a
    sentence answering it may share words with either."""
    located = _locate(retrieval.chunks)
    if not located:
        return []
    u = understanding
    texts = [c.text for c in located]
    sentence_vectors, sentence_states = vectors.encode(texts)
    similarities = sentence_vectors @ retrieval.query_vector
    aligned, ranked = _aligned(u, retrieval.query_states, located, sentence_states, vectors, lexical, weights)
    said_terms = [set(lexical.terms(text)) for text in u.said]
    how_to = asks_for_steps(u.asked)  # once per question, not per sentence
    written = verbatim_bonus(verbatim(u.asked), texts, weights.verbatim)
    evidence = [
        _scored(
            u, candidate, float(similarity), alignment, ranking, lexical, said_terms, weights, how_to, bonus
        )
        for candidate, similarity, alignment, ranking, bonus in zip(
            located, similarities, aligned, ranked, written, strict=True
        )
    ]
    evidence.sort(key=lambda e: e.score, reverse=True)
    return restating(evidence, retrieval.query_vector, vectors, weights.restating, quoted(u.asked))


#: How many of the best-scored sentences ``restating`` reads again.
RESTATING_DEPTH = 6


#: A passage the question quotes: « round to nearest integer », "Bloquer la position".
_QUOTED = re.compile(r"«\s*([^»]+?)\s*»|\"([^\"]+)\"|“([^”]+)”")


#: What a question writes as the text writes it: an identifier with punctuation inside
#: ("auth.!notice", "/etc/fstab", "ip_forward") or before it ("--print-inputs", "~napt", "?priority").
_VERBATIM = re.compile(
    r"(?<![\w~?/.-])(?=[\w./~?-]*[A-Za-z])"
    r"(?:[\w-]*\w[.!/_=:+~]+[\w.!/_=:+~-]*\w|/[\w.-]+(?:/[\w.-]+)*|(?:--?|[~?])[A-Za-z][\w-]*)"
)


def quoted(question: str) -> list[str]:
    """The passages of three words or more that the question quotes, and the identifiers it
    writes verbatim, casefolded: a sentence holding one is what the question looks for."""
    found = ("".join(groups) for groups in _QUOTED.findall(question))
    passages = [q.casefold() for q in found if len(q.split()) >= 3]
    return passages + list(verbatim(question))


@functools.lru_cache(maxsize=1024)
def verbatim(question: str) -> tuple[str, ...]:
    """The identifiers the question writes as a text would ("auth.!notice", "--print-inputs"),
    casefolded: a sentence holding one is about that very thing, not a neighbour of it
    ("auth.notice;mail.info")."""
    return tuple(m.group(0).casefold() for m in _VERBATIM.finditer(question))


def restating(
    evidence: list[Evidence],
    query_vector: np.ndarray,
    vectors: SentenceVectors,
    weight: float,
    quotes: Sequence[str] = (),
) -> list[Evidence]:
    """The best ``RESTATING_DEPTH`` sentences re-scored by how much they read like the question
    itself: each embedded as a query, as the question is (symmetric similarity; the passage
    side, ``Evidence.dense``, measures what answers it). A sentence that says what the question
    says aligns with it as well as the answer does, and is rarely the answer: "Comment marquer
    d'un drapeau une case suspecte dans le démineur d'aptitude ?" was answered with "…aptitude
    inclut une version du jeu classique « démineur »", not "Pour faire cela, sélectionner la case
    suspecte et appuyer sur f." On the tuning halves (weight 0.5 over the best 6; 0.3 was worse on
    two suites; 12 deep answered the same, at twice the cost) correct answers went 0.683 → 0.717
    (articles), 0.700 → 0.722 (docs), 0.934 (manpages, unchanged), 0.462 → 0.436 (fresh: an
    answer that repeats the question's condition before it answers, "Si vous fermez les boîtes
    de dialogue avec le bouton OK, la saisie incorrecte n'est pas supprimée."). A sentence
    holding a passage the question quotes is what it looks for ("…correspond à la description
    « round to nearest integer » ?"), not a restatement; so is one holding an identifier the
    question writes verbatim ("auth.!notice", ``verbatim``)."""
    if not weight or not evidence:
        return evidence
    top = evidence[:RESTATING_DEPTH]
    similar = vectors.as_queries([e.text for e in top]) @ query_vector
    # a sentence saying what the question quotes is what it looks for, not a restatement of it:
    # it is taken for the least alike
    least = float(similar.min())
    rescored = [
        dataclasses.replace(
            e, score=e.score - weight * (least if any(q in e.text.casefold() for q in quotes) else float(s))
        )
        for e, s in zip(top, similar, strict=True)
    ]
    # the rest as if each were as alike as the most alike of those read: below them as before,
    # and no further below than that (``extractive.specifics_after`` compares scores)
    most = weight * float(similar.max())
    rest = [dataclasses.replace(e, score=e.score - most) for e in evidence[RESTATING_DEPTH:]]
    return sorted(rescored, key=lambda e: e.score, reverse=True) + rest


def fresh(evidence: list[Evidence], understanding: Understanding) -> list[Evidence]:
    """The evidence minus the sentences the conversation already gave (all of it if nothing is
    left): a follow-up should bring something new."""
    said = understanding.said_sentences
    return [e for e in evidence if e.text not in said] or evidence


@dataclass(frozen=True, slots=True)
class _Candidate:
    scored: ScoredChunk
    rank: int
    start: int
    end: int
    text: str
    previous: str  # the sentence before it in its chunk ("" for the first)


def _locate(chunks: Sequence[ScoredChunk]) -> list[_Candidate]:
    """The chunks' sentences, each once, headings and fragments left out."""
    seen: set[tuple[str, int]] = set()
    located: list[_Candidate] = []
    for rank, scored in enumerate(chunks):
        chunk = scored.chunk
        headings = (*chunk.heading_path, *chunk.headings)
        previous = ""
        for span in chunk_sentence_spans(chunk.text):
            text = chunk.text[span.start : span.end]
            key = (chunk.document_id, chunk.start + span.start)
            if key not in seen and not in_heading(text, headings) and len(text.split()) >= _MIN_WORDS:
                seen.add(key)
                located.append(
                    _Candidate(scored, rank, chunk.start + span.start, chunk.start + span.end, text, previous)
                )
            previous = text
    return located


def _aligned(
    u: Understanding,
    query_states: TokenStates,
    located: Sequence[_Candidate],
    sentence_states: Sequence[TokenStates],
    vectors: SentenceVectors,
    lexical: LexicalEncoder,
    weights: Weights,
) -> tuple[list[float], list[float]]:
    """Each sentence's alignment with the query (and, for a follow-up, with it as asked), a
    sentence that refers back read together with the one before it; and the same with the
    question's words that the sentence's document title says weighing ``weights.titled``: what
    ranks the sentences of one document. In GIMP's page "Ligne Nova", "On accède à ce filtre par
    Filtres → Rendu → Ligne Nova…" matched every question on the filter by its name, which the
    whole page is about; the question's other words ("la valeur par défaut") tell its sentences
    apart. The first list is what the abstention's floors read."""
    paired = list(sentence_states)
    if weights.context:
        leaning = [i for i, c in enumerate(located) if refers_back(c.text) and c.previous]
        _, before = vectors.encode([located[i].previous for i in leaning])
        for i, b in zip(leaning, before, strict=True):
            paired[i] = TokenStates(
                b.pieces + paired[i].pieces, np.concatenate([b.vectors, paired[i].vectors])
            )

    titles = [_title_terms(c, lexical) for c in located] if weights.titled != 1.0 else []

    def mixed(own: list[float], together: list[float]) -> list[float]:
        return [(a + weights.context * c) / (1 + weights.context) for a, c in zip(own, together, strict=True)]

    def aligned_with(states: TokenStates) -> tuple[list[float], list[float]]:
        given = _given_positions(states, titles, lexical) if titles else []
        own, own_ranked = given_alignments(states, sentence_states, given, weights.titled)
        if not weights.context:
            return own, own_ranked
        together, together_ranked = given_alignments(states, paired, given, weights.titled)
        return mixed(own, together), mixed(own_ranked, together_ranked)

    aligned, ranked = aligned_with(query_states)
    focus = u.focus
    if focus:
        focus_states = leading_states(query_states, focus) or vectors.embedder.encode([focus], "query")[1][0]
        focused, focused_ranked = aligned_with(focus_states)

        def blended(first: list[float], second: list[float]) -> list[float]:
            return [(a + weights.focus * f) / (1 + weights.focus) for a, f in zip(first, second, strict=True)]

        aligned, ranked = blended(aligned, focused), blended(ranked, focused_ranked)
    return aligned, ranked


def verbatim_bonus(identifiers: Sequence[str], texts: Sequence[str], weight: float) -> list[float]:
    """Each sentence's bonus for holding an identifier the question writes verbatim, weighed
    by how few of the sentences hold it (as inverse document frequency weighs a term): when
    every sentence of a page says "For...Next", saying it singles none of them out."""
    if not identifiers or not weight or len(texts) < 2:
        return [0.0] * len(texts)
    folded = [t.casefold() for t in texts]
    held = {v: sum(v in t for t in folded) for v in identifiers}
    rarity = {v: math.log(len(texts) / n) / math.log(len(texts)) for v, n in held.items() if n}
    return [weight * max((rarity[v] for v in rarity if v in t), default=0.0) for t in folded]


def _title_terms(c: _Candidate, lexical: LexicalEncoder) -> frozenset[str]:
    """The terms of the candidate's document title; none for the title's own sentence (a man
    page's NAME line "wmemcmp - Comparer deux tableaux de caractères larges" answers by them)."""
    title = c.scored.chunk.title or ""
    if not title.strip() or c.text.strip() in title or title.strip() in c.text:
        return frozenset()
    return frozenset(lexical.terms(title))


def _given_positions(
    states: TokenStates, titles: Sequence[frozenset[str]], lexical: LexicalEncoder
) -> list[frozenset[int]]:
    """For each candidate, the positions of the question's pieces whose word its title says."""
    words = piece_words(states.pieces)
    terms = {word: frozenset(lexical.terms(word)) for word in set(words)}
    return [
        frozenset(i for i, word in enumerate(words) if terms[word] and terms[word] <= title)
        if title
        else frozenset()
        for title in titles
    ]


def _scored(
    u: Understanding,
    c: _Candidate,
    similarity: float,
    alignment: float,
    ranking: float,
    lexical: LexicalEncoder,
    said_terms: Sequence[set[str]],
    weights: Weights,
    how_to: bool = False,
    written: float = 0.0,
) -> Evidence:
    sentence_terms = set(lexical.terms(c.text))
    context_terms = sentence_terms | set(lexical.terms(c.previous))
    cov = coverage(u.terms, sentence_terms)
    typed = 0.0
    if u.answer_type is not AnswerType.ANY:
        typed = 1.0 if provides(u.answer_type, c.text, u.asked) else -1.0
    how = weights.instruction if how_to and tells_how(c.text, u.asked) else 0.0
    score = (
        how
        + written
        + weights.alignment * ranking
        + weights.dense * similarity
        + weights.coverage * cov
        + weights.chunk_rank / (c.rank + 1)
        + weights.answer_type * typed
        - weights.repeated * repetition(sentence_terms, said_terms)
        - weights.language * other_language(c.text, u.language)
    )
    chunk = c.scored.chunk
    return Evidence(
        document_id=chunk.document_id,
        title=chunk.title,
        date=chunk.date,
        start=c.start,
        end=c.end,
        text=c.text,
        chunk_rank=c.rank,
        dense=similarity,
        coverage=cov,
        score=score,
        context=chunk.text,
        context_coverage=max(coverage(u.terms, context_terms), coverage(u.focus_terms, context_terms)),
        described_coverage=coverage(u.described, context_terms) if u.described else 1.0,
        alignment=alignment,
        page=chunk.page_at(c.start),
        context_start=chunk.start,
        headings=(*chunk.heading_path, *chunk.headings),
    )
