"""What a language model's reply is, before any of it is aligned to the sources.

Why: small models answer badly in recognisable ways. Qwen2.5-Coder-0.5B often replies with a
bare "[1]"; Gemma 3 270M copies the numbered sources back. Copied sources align perfectly with
themselves, so the grounding check would show them as a cited answer although the model chose
nothing; a bare marker says nothing at all. Both are told apart here so the answerer falls back
to the extractive answer with a notice that says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

_MARKER = re.compile(r"\[\s*\d+\s*\]")
_SOURCE_LINE = re.compile(r"^\s*\[\d+\]\s*\(", re.MULTILINE)
_REFUSAL = "ne contient pas de réponse"
#: A reply is an echo when it holds this many numbered source lines "[n] (title) …" (or one, with
#: its source copied whole: Qwen2.5-Coder-0.5B's usual reply to a single source), or copies this
#: share of the sources given, whole.
_ECHO_LINES = 2
_ECHO_SHARE = 0.5


class ReplyKind(Enum):
    ANSWER = "answer"
    REFUSAL = "refusal"
    MARKERS_ONLY = "markers_only"  # "[1]", "[1] [2]", or nothing at all
    ECHO = "echo"  # the sources block copied back


def classify(reply: str, sources: Sequence[str]) -> ReplyKind:
    """The kind of ``reply`` to a prompt that numbered ``sources`` (their texts)."""
    if _REFUSAL in reply:
        return ReplyKind.REFUSAL
    if not any(c.isalnum() for c in _MARKER.sub("", reply)):
        return ReplyKind.MARKERS_ONLY
    copied = sum(1 for s in sources if s and s in reply)
    lines = len(_SOURCE_LINE.findall(reply))
    if (
        lines >= _ECHO_LINES
        or (lines and copied)
        or (len(sources) > 1 and copied >= max(2, _ECHO_SHARE * len(sources)))
    ):
        return ReplyKind.ECHO
    return ReplyKind.ANSWER


NOTICES = {
    ReplyKind.MARKERS_ONLY: "Le modèle de langage n'a rendu que des numéros de sources : réponse extractive.",
    ReplyKind.ECHO: "Le modèle de langage a recopié les sources au lieu de répondre : réponse extractive.",
}
