"""The French lexical (sparse) encoder: one analysis, used by both store engines.

Both engines (Qdrant Edge and qdrant-client/server) receive the vectors made here, so they
index and score identically: Qdrant's ``Modifier.Idf`` supplies the IDF at query time, the
document side carries BM25's saturated term frequency, the query side a weight of 1 per
unique term. The score of a chunk for a query is therefore the BM25 score
``sum_t idf(t) * tf(t)*(k1+1) / (tf(t) + k1*(1-b+b*len/avg_len))``.

Analysis, in order:

1. Unicode NFKC, lowercase;
2. tokens are runs of letters/digits (numbers such as ``2025`` or ``180`` are kept), joined
   by inner apostrophes (``aujourd'hui`` stays one token);
3. elided articles/pronouns/conjunctions are split off (``l'``, ``d'``, ``j'``, ``qu'``,
   ``n'``, ``s'``, ``c'``, ``m'``, ``t'``, ``jusqu'``, ``lorsqu'``, ``puisqu'``; with ``'``
   or ``’``): ``l'intelligence`` and ``intelligence`` give the same term;
4. stop words (:data:`STOP_WORDS`, accented or not) and one-letter words are dropped;
5. French Snowball stemming (PyStemmer), **then** accent folding (the French stemmer uses
   accents to find suffixes, so folding first would stem worse): ``développeurs`` and
   ``developpeur`` both give ``developpeur``.

Term ids are a stable 31-bit CRC32 of the term, identical in every process and on every
machine (Python's ``hash()`` is salted per process and must not be used).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache

import Stemmer

from sourcier.documents import SparseVector

#: BM25 parameters (Robertson/Lucene defaults).
K1 = 1.2
B = 0.75
#: Typical chunk length in analysed terms (about 180 tokens of French prose minus stop words).
DEFAULT_AVG_LEN = 60.0

#: French stop words: articles, prepositions, conjunctions, pronouns, forms of the auxiliaries
#: *être* / *avoir*, and the negation particles.
#:
#: Negation (``ne``, ``n'``, ``pas``, ``plus``, ``jamais``…): kept **in** the stop list. A bag of
#: words cannot tell what a negation applies to, so matching ``pas`` would reward any passage
#: containing any negation, not the one answering the question; these words are also so
#: frequent that their IDF is near zero, and in keyword coverage they would count as "key
#: terms" that almost every passage contains. Meaning-level negation is left to the dense
#: model and to the answer step, which read whole sentences.
STOP_WORDS: frozenset[str] = frozenset(
    """
    a à au aux avec ce ces cet cette ceci cela ça celui celle ceux celles chez comme dans de des
    du elle elles en entre et eux il ils je la le les leur leurs lui ma mais me même mes moi mon
    ne ni nos notre nous on ou où par pas pour qu que quel quelle quels quelles qui sa sans se
    ses son sur ta te tes toi ton tu un une unes uns vos votre vous y lequel laquelle lesquels
    lesquelles auquel auxquels auxquelles duquel desquels desquelles dont donc or car si
    sous vers via plus moins jamais rien aucun aucune
    être suis es est sommes êtes sont étais était étions étiez étaient été étant serai seras sera
    serons serez seront serais serait serions seriez seraient sois soit soyons soyez soient
    fus fut fûmes fûtes furent fusse fût
    avoir ai as avons avez ont avais avait avions aviez avaient eu eus eut eûmes eûtes eurent
    aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient aie aies ait
    ayons ayez aient ayant
    l d j n s c m t jusqu lorsqu puisqu
    """.split()  # noqa: SIM905 (one readable block beats a 190-item list literal)
)

_ELISIONS = ("jusqu", "lorsqu", "puisqu", "qu", "l", "d", "j", "n", "s", "c", "m", "t")
_ELISION_RE = re.compile(r"^(?:" + "|".join(_ELISIONS) + r")'(?=\w)")
#: A word: letters/digits (no underscore), possibly joined by inner apostrophes.
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_MAX_TERM_LEN = 40


def fold_accents(text: str) -> str:
    """``é`` → ``e``, ``œ`` → ``oe``…: strip combining marks after canonical decomposition."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


#: Stop words as users also type them, without accents (``etait``, ``ou``).
_STOP_FOLDED: frozenset[str] = frozenset(fold_accents(w) for w in STOP_WORDS)


def term_id(term: str) -> int:
    """Stable 31-bit id of an analysed term (CRC32, same in every process)."""
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


class LexicalEncoder:
    """French analysis and BM25-weighted sparse vectors (IDF applied by Qdrant)."""

    def __init__(self, avg_len: float = DEFAULT_AVG_LEN, k1: float = K1, b: float = B) -> None:
        if avg_len <= 0:
            raise ValueError("avg_len must be positive")
        self.avg_len = float(avg_len)
        self.k1 = float(k1)
        self.b = float(b)
        self._stemmer = Stemmer.Stemmer("french")
        self._stem = lru_cache(maxsize=65536)(self._stem_uncached)
        # Answering analyses the same corpus sentences for every question: keep their terms.
        self._cached_terms = lru_cache(maxsize=65536)(self._analyse)

    def _stem_uncached(self, word: str) -> str:
        stem: str = self._stemmer.stemWord(word)
        return fold_accents(stem)

    def terms(self, text: str) -> list[str]:
        """The analysed terms of ``text``, in order, with repetitions."""
        return list(self._cached_terms(text))

    def _analyse(self, text: str) -> tuple[str, ...]:
        normalized = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
        out: list[str] = []
        for match in _TOKEN_RE.finditer(normalized):
            token = match.group(0)
            # Split off leading elisions, possibly chained ("qu'l'…" does not occur, but
            # "jusqu'à" → "à").
            while True:
                stripped = _ELISION_RE.sub("", token, count=1)
                if stripped == token:
                    break
                token = stripped
            if token in STOP_WORDS or token in _STOP_FOLDED:
                continue
            if len(token) == 1 and not token.isdigit():
                continue
            if len(token) > _MAX_TERM_LEN:
                token = token[:_MAX_TERM_LEN]
            out.append(self._stem(token))
        return tuple(out)

    def encode_document(self, text: str) -> SparseVector:
        """BM25 term-frequency weights ``tf*(k1+1)/(tf+k1*(1-b+b*len/avg_len))``."""
        terms = self.terms(text)
        if not terms:
            return SparseVector(indices=[], values=[])
        counts = Counter(term_id(t) for t in terms)
        norm = self.k1 * (1.0 - self.b + self.b * len(terms) / self.avg_len)
        indices = sorted(counts)
        values = [counts[i] * (self.k1 + 1.0) / (counts[i] + norm) for i in indices]
        return SparseVector(indices=indices, values=values)

    def encode_query(self, text: str) -> SparseVector:
        """Weight 1.0 per unique term (IDF comes from the store's IDF modifier)."""
        indices = sorted({term_id(t) for t in self.terms(text)})
        return SparseVector(indices=indices, values=[1.0] * len(indices))
