"""Follow-up questions: turning "Et quand sort-il ?" into a question retrieval can answer.

Without an LLM, a follow-up is made standalone by adding the previous user question and the
names the previous answer mentioned (what "il" or "son successeur" refers to) to it. Whether a
question is a follow-up is judged from its form: it opens with "et"/"mais"…, is very short, has
a pronoun for its subject ("occupait-il", "il"), or leans on a demonstrative or possessive while
naming nothing. "Pourquoi Meta a-t-elle…" and "Quand Avocado serait-il…" name their subject:
they stand alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.engine.types import Turn
from sourcier.names import find_names
from sourcier.sentences import split_sentences

_CONNECTOR = re.compile(r"^(?:et|mais|alors|puis|aussi|ensuite|donc|sinon)\b", re.IGNORECASE)
#: Simple inversion: "occupait-il" (not "a-t-il", whose subject is a noun before it).
_INVERSION = re.compile(r"(?<!-t)-(?:il|elle|ils|elles)\b", re.IGNORECASE)
_SUBJECT_PRONOUN = re.compile(r"(?<![-\w'])(?:il|elle|ils|elles)\b", re.IGNORECASE)
_REFERRING = re.compile(
    r"(?<![-\w'])(?:lui|leur|celui|celle|ceux|celles|ce|cet|cette|ces|son|sa|ses|y|en)\b", re.IGNORECASE
)
_MAX_NAMES = 6
#: How much of the previous question is carried into the standalone one.
_MAX_CONTEXT_CHARS = 300


def is_follow_up(question: str, history: Sequence[Turn]) -> bool:
    if not history:
        return False
    if _CONNECTOR.match(question) or len(question.split()) <= 4:
        return True
    inversion = _INVERSION.search(question)
    if inversion and not find_names(question[: inversion.start()]):
        return True
    if _SUBJECT_PRONOUN.search(question):
        return True
    return bool(_REFERRING.search(question)) and not find_names(question)


def standalone_question(question: str, history: Sequence[Turn]) -> str | None:
    """The question made standalone, or None when it already is (or there is no history)."""
    if not is_follow_up(question, history):
        return None
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if not previous:
        return None
    answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    # The names the previous answer mentioned (what "il" or "son successeur" may refer to),
    # found as the grounding check and the ranker find them (``sourcier.names``).
    found = [name.text for name in find_names(answer)]
    mentioned = [n for n in dict.fromkeys(found) if n.lower() not in previous.lower()]
    context = " ".join([previous.strip()[:_MAX_CONTEXT_CHARS], *mentioned[:_MAX_NAMES]])
    return f"{question} (à propos de : {context})"


def previous_answers(history: Sequence[Turn]) -> list[str]:
    """The assistant's earlier answers, citation marks removed."""
    return [re.sub(r"\s*\[\d+\]", "", t.content) for t in history if t.role == "assistant"]


def already_said(history: Sequence[Turn]) -> set[str]:
    """Sentences the assistant already gave: a follow-up should bring something new."""
    return {sentence for answer in previous_answers(history) for sentence in split_sentences(answer)}
