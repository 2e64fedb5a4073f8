"""Follow-up questions: turning "Et quand sort-il ?" into a question retrieval can answer.

Without an LLM, a follow-up is made standalone by adding the previous user question and the
names the previous answer mentioned (what "il" or "son successeur" refers to) to it. Whether a
question is a follow-up is judged from its form:
short, opening with "et"/"mais", or leaning on a pronoun.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.schemas import Turn
from sourcier.sentences import split_sentences

_FOLLOW_UP = re.compile(
    r"^(?:et|mais|alors|puis|aussi|ensuite)\b|\b(?:il|elle|ils|elles|lui|leur|celui|celle|ceux|"
    r"ce modèle|cette|ces|son|sa|ses|y|en)\b|-(?:il|elle|ils|elles)\b",
    re.IGNORECASE,
)


#: Names (and versions: "Llama 4") the previous answer mentioned, which a pronoun may refer to.
_NAME = re.compile(r"(?<![.!?] )(?<!^)\b[A-ZÀ-Ý][\w-]+(?: \d+)?")
_MAX_NAMES = 6


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    return bool(history) and (len(question.split()) <= 6 or bool(_FOLLOW_UP.search(question)))


def standalone_question(question: str, history: Sequence[Turn]) -> str | None:
    """The question made standalone, or None when it already is (or there is no history)."""
    if not is_follow_up(question, history):
        return None
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if not previous:
        return None
    answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    mentioned = [n for n in dict.fromkeys(_NAME.findall(answer)) if n.lower() not in previous.lower()]
    context = " ".join([previous.strip(), *mentioned[:_MAX_NAMES]])
    return f"{question} (à propos de : {context})"


def already_said(history: Sequence[Turn]) -> set[str]:
    """Sentences the assistant already gave: a follow-up should bring something new."""
    said: set[str] = set()
    for turn in history:
        if turn.role == "assistant":
            said.update(split_sentences(re.sub(r"\s*\[\d+\]", "", turn.content)))
    return said
