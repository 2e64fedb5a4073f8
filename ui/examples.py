"""Example questions drawn from the corpus itself, so that they fit whatever was ingested.

A section heading names what its section is about, so it makes a question the corpus can
answer: a heading that is already a question is asked as is, any other one as « Que dit le
corpus sur « … » ? ». Documents without headings fall back on their title when it is a real
title (short, not a truncated first sentence). Headings are found with the rule ingestion
itself used to cut sections (:func:`ingest.cleaning.looks_like_heading`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain, zip_longest

from ingest.cleaning import looks_like_heading
from server.engine.types import DocumentDetail

#: Headings longer than this make clumsy buttons.
MAX_TOPIC_CHARS = 90
#: Below this many words a heading ("Introduction", "Conclusion") says nothing about the corpus.
MIN_TOPIC_WORDS = 3


def as_question(topic: str) -> str:
    """A heading or title as a question a user would ask."""
    topic = topic.strip()
    if topic.endswith("?"):
        return topic
    return f"Que dit le corpus sur « {topic.rstrip('!').strip()} » ?"


def topics(document: DocumentDetail) -> list[str]:
    """The document's headings in reading order; its title when it has none worth asking about."""
    found = [
        line.strip()
        for line in document.text.splitlines()
        if looks_like_heading(line.strip()) and _worth_asking(line.strip())
    ]
    if not found and _worth_asking(document.title) and not document.title.endswith("…"):
        found = [document.title]
    return list(dict.fromkeys(found))


def example_questions(documents: Sequence[DocumentDetail], limit: int) -> list[str]:
    """Up to ``limit`` questions, taking each document's topics in turn so that several
    documents are represented (pass the documents in the order they should come first)."""
    per_document: Iterator[tuple[str | None, ...]] = zip_longest(*(topics(d) for d in documents))
    questions = [as_question(t) for t in chain.from_iterable(per_document) if t is not None]
    return list(dict.fromkeys(questions))[:limit]


def _worth_asking(text: str) -> bool:
    return len(text) <= MAX_TOPIC_CHARS and len(text.split()) >= MIN_TOPIC_WORDS
