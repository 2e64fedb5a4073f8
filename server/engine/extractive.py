"""The default answerer: the few source sentences that answer the question, cited exactly.

It needs no model beyond the embedder and cannot invent anything: every answer sentence is a
sentence of the corpus, so its citation span is exact by construction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.engine.answer_types import gives_specifics
from server.engine.evidence import Evidence

#: A question asks for as many facts as it has interrogative clauses: "Qu'est-ce qu'Avocado et
#: quand doit-il sortir ?" has two. Each joined clause opens with "et" and a question word.
_JOINED_CLAUSE = re.compile(
    r"(?:,\s*|\s)(?:et|puis)\s+(?:quand|quel|quelle|quels|quelles|pourquoi|comment|où|qui|combien|"
    r"que|qu'|à quel|à quelle|en quoi|depuis quand)",
    re.IGNORECASE,
)
#: ...and one fact from each document when it asks about several ("selon les deux articles").
_ACROSS_DOCUMENTS = re.compile(
    r"\b(?:les deux|chacun des deux|chacune des deux|plusieurs|différents|tous les)\s+"
    r"(?:articles?|documents?|sources?|textes?)\b",
    re.IGNORECASE,
)
#: A question asking for several facts takes further sentences down to this far below the best...
_PARTS_MARGIN = 0.1
#: ...that do not mostly repeat a sentence already chosen (term overlap, Jaccard).
_MAX_OVERLAP = 0.6
#: The sentence right after the best one joins it when it gives the specifics the best one only
#: introduces, and scores at most this far below it (``specifics_after``).
_SPECIFICS_MARGIN = 0.15
#: At most this many characters (white space) between two sentences that follow one another.
_ADJACENT_GAP = 3


def facts_asked(question: str) -> int:
    """How many facts the question asks for: one per interrogative clause."""
    return 1 + len(_JOINED_CLAUSE.findall(question.replace("’", "'")))


def asks_across_documents(question: str) -> bool:
    return bool(_ACROSS_DOCUMENTS.search(question))


def _terms(text: str) -> set[str]:
    return {w.lower().strip(".,;:!?«»()\"'") for w in text.split() if len(w) > 3}


def _new(candidate: Evidence, chosen: Sequence[Evidence]) -> bool:
    words = _terms(candidate.text)
    return all(
        len(words & _terms(c.text)) / max(1, len(words | _terms(c.text))) < _MAX_OVERLAP for c in chosen
    )


def select(
    evidence: Sequence[Evidence], max_sentences: int, question: str = "", exclude: set[str] | None = None
) -> list[Evidence]:
    """Pick the best sentence (and the one after it when that one gives the specifics the best
    one introduces: ``specifics_after``); then, for a question asking several facts, the next best sentences
    that add something new (one per fact, up to ``max_sentences``; from another document when it
    asks across documents). Ordered as they stand in the sources.

    Why not always two: a second sentence is usually a neighbour of the first, right in topic but
    not an answer, and it halves citation precision (0.506 with two sentences before this rule)."""
    candidates = [e for e in evidence if not exclude or e.text not in exclude]
    if not candidates:
        return []
    best = candidates[0]
    chosen = [best]
    across = asks_across_documents(question)
    wanted = min(max_sentences, 2 if across else facts_asked(question))
    following = specifics_after(best, candidates, question)
    if following is not None and max_sentences > 1:  # one fact, told in two sentences
        chosen.append(following)
        wanted = min(max_sentences, wanted + 1)
    for candidate in candidates[1:]:
        if len(chosen) >= wanted or candidate.score < best.score - _PARTS_MARGIN:
            break
        if across and any(c.document_id == candidate.document_id for c in chosen):
            continue
        if _new(candidate, chosen):
            chosen.append(candidate)
    order = {doc: i for i, doc in enumerate(dict.fromkeys(e.document_id for e in chosen))}
    return sorted(chosen, key=lambda e: (order[e.document_id], e.start))


#: "Qu'est-ce que Planet Debian ?", "Qui est… ?": a definition answers, whatever follows it.
_DEFINITION = re.compile(
    r"^\W*(?:qu'est[- ]ce\s+qu|que\s+(?:signifie|désigne|veut\s+dire)|qui\s+(?:est|sont|était|étaient)\b)",
    re.IGNORECASE,
)


def specifics_after(best: Evidence, candidates: Sequence[Evidence], question: str) -> Evidence | None:
    """The sentence right after ``best`` in its document, when ``best`` gives nothing specific
    that the question lacks (``answer_types.gives_specifics``: a setting, a value, a menu path…)
    and it does, ranked close below: the best-aligned sentence often restates what the question
    asks about and the next one answers it ("Avant de commencer, vérifiez… les ports parallèles
    (adresses IO et IRQ)" — "Les valeurs habituelles sont io=0x378, irq=7."). On the fresh suite's
    tuning half the answer was that next sentence for 5 questions of 39, and the rule took it
    once where the best sentence was right already. Not for a definition ("Qu'est-ce que… ?"): a
    link to the site follows "Planet Debian constitue une autre source d'informations…"."""
    if not question or _DEFINITION.match(question.replace("’", "'")) or gives_specifics(best.text, question):
        return None
    for candidate in candidates:
        if (
            candidate.document_id == best.document_id
            and 0 <= candidate.start - best.end <= _ADJACENT_GAP
            and candidate.score >= best.score - _SPECIFICS_MARGIN
            and gives_specifics(candidate.text, question)
        ):
            return candidate
    return None


def runner_up(chosen: Sequence[Evidence], evidence: Sequence[Evidence]) -> Evidence | None:
    """The best-scored sentence that was not chosen (None when every candidate was)."""
    picked = {(e.document_id, e.start) for e in chosen}
    return max(
        (e for e in evidence if (e.document_id, e.start) not in picked), key=lambda e: e.score, default=None
    )


def margin(sentence: Evidence, next_best: Evidence | None) -> float | None:
    """How far a chosen sentence's score stands above ``next_best``, the best sentence not chosen
    (``runner_up``; None when every candidate was chosen).

    Why: when two sentences score alike, the ranker is guessing between them. On the eval sets a
    margin of 0.04 or more marks the first sentence right 88% (tuning) and 92% (held-out) of the
    time, against 75% and 70% overall: worth showing the user."""
    return None if next_best is None else sentence.score - next_best.score
