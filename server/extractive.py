"""The default answerer: the few source sentences that answer the question, cited exactly.

It needs no model beyond the embedder and cannot invent anything: every answer sentence is a
sentence of the corpus, so its citation span is exact by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.evidence import Evidence

#: A further sentence joins the answer only when it scores this close to the best one...
_SCORE_MARGIN = 0.02
#: ...and does not mostly repeat a sentence already chosen (term overlap, Jaccard).
_MAX_OVERLAP = 0.6


def _terms(text: str) -> set[str]:
    return {w.lower().strip(".,;:!?«»()\"'") for w in text.split() if len(w) > 3}


def select(
    evidence: Sequence[Evidence], max_sentences: int, exclude: set[str] | None = None
) -> list[Evidence]:
    """Pick the best sentence, then close runners-up that add something new; order them readably
    (by document, then by position, as they stand in the source)."""
    candidates = [e for e in evidence if not exclude or e.text not in exclude]
    if not candidates:
        return []
    best = candidates[0]
    chosen = [best]
    for candidate in candidates[1:]:
        if len(chosen) >= max_sentences or candidate.score < best.score - _SCORE_MARGIN:
            break
        words = _terms(candidate.text)
        if all(
            len(words & _terms(c.text)) / max(1, len(words | _terms(c.text))) < _MAX_OVERLAP for c in chosen
        ):
            chosen.append(candidate)
    order = {doc: i for i, doc in enumerate(dict.fromkeys(e.document_id for e in chosen))}
    return sorted(chosen, key=lambda e: (order[e.document_id], e.start))
