"""Which language a sentence is written in, French or English, from its function words.

French documentation keeps paragraphs its translators have not reached yet in English (Debian's
developers' reference, man pages); a French question is better answered by the French sentence
that says the same thing, and an English sentence aligns with a French question on its names
and cognates alone ("The shutdown command in previous init systems…" for "Comment passer en
mode mono-utilisateur… ?"). Function words tell the two apart on a sentence of a few words, where
a character model is unsure; anything else is left undecided.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["fr", "en"]

_FRENCH = frozenset(
    {
        "le", "la", "les", "de", "des", "du", "et", "est", "sont", "un", "une", "pour", "que", "qui",
        "dans", "par", "sur", "pas", "il", "elle", "se", "ce", "en", "au", "aux", "vous", "nous",
        "avec", "ne", "cette", "ces", "son", "sa", "ses",
        "quel", "quelle", "quels", "quelles", "comment", "pourquoi", "quand", "combien", "où",
        "lequel", "laquelle",
    }
)  # fmt: skip
_ENGLISH = frozenset(
    {
        "the", "of", "and", "to", "is", "are", "be", "with", "for", "that", "this", "as", "by", "it",
        "from", "can", "or", "an", "you", "use", "your", "which", "not", "will", "has", "have",
        "when", "these", "its", "their",
        "what", "how", "why", "who", "does", "do",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
#: At least this many function words of one language, and more than of the other, to decide.
MIN_FUNCTION_WORDS = 2


def language(text: str, least: int = MIN_FUNCTION_WORDS) -> Language | None:
    """ "fr" or "en" when at least ``least`` of the text's function words say so and more of
    them than of the other language, None otherwise."""
    words = [w.lower() for w in _WORD.findall(text.replace("’", "'"))]
    french = sum(w in _FRENCH or w.split("'")[-1] in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if french >= least and french > english:
        return "fr"
    if english >= least and english > french:
        return "en"
    return None


def question_language(question: str) -> Language | None:
    """A question is short and opens with its interrogative word: one function word decides it."""
    return language(question, least=1)


def other_language(sentence: str, asked: Language | None) -> bool:
    """Is the sentence plainly in another language than the question's (``question_language``;
    both decided, different)?"""
    return asked is not None and language(sentence) not in (None, asked)
