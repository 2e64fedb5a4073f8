"""The grounding check on real text: a source sentence cited for itself is supported.

Why: the check compares what a sentence names and counts with what its span names and counts.
Where the two sides read the same text differently ("August 16th" read as the name "August 16"
in the sentence but as the word "16th" in the span; "L'écran" as the name "L"; "Debian's" as
"Debian" against the word "debian's"), a verbatim quote is flagged unsupported and its answer
counted wrong. Every sentence of the shipped corpora must pass against itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.engine.evidence import _MIN_WORDS
from server.engine.grounding import Thresholds, check_support
from sourcier.config import BUNDLED_CORPUS
from sourcier.lexical import LexicalEncoder
from sourcier.sentences import split_sentences
from tests.support.index import REPO

SUITES = REPO / "eval" / "suites"
#: What a sentence checked against itself may still lack: a span that reads as orders (a man
#: page's "Indique que l'application…" is an imperative's twin: never evidence, by design).
_BENIGN = ("the source gives orders",)


def _unsupported(folder: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    lexical = LexicalEncoder()
    few = Thresholds().min_content_terms
    failures = []
    for path in sorted(folder.glob("*.txt")) + sorted(folder.glob("*.md")):
        for sentence in split_sentences(path.read_text(encoding="utf-8")):
            if len(sentence.split()) < _MIN_WORDS or len(set(lexical.terms(sentence))) < few:
                continue  # never a candidate (``server.engine.evidence``), or too short to check
            reasons = tuple(
                r
                for r in check_support(sentence, sentence, 1.0, lexical).reasons
                if not r.startswith(_BENIGN)
            )
            if reasons:
                failures.append((path.name, sentence, reasons))
    return failures


@pytest.mark.parametrize("folder", [BUNDLED_CORPUS, SUITES / "docs" / "documents"], ids=["articles", "docs"])
def test_every_source_sentence_supports_itself(folder: Path) -> None:
    assert _unsupported(folder) == []


@pytest.mark.slow
def test_every_man_page_sentence_supports_itself() -> None:
    assert _unsupported(SUITES / "manpages" / "documents") == []


def test_a_label_quoted_word_for_word_is_supported_a_short_paraphrase_is_not() -> None:
    """A "quel réglage… ?" answer cites the label line above its description
    (``shaping.label_above``): two or three words, too few to check a claim made in other
    words, yet the line it copies supports it. The same words rearranged are still too short to
    check, and a bare "Oui." is no quote of the sentence it cites."""
    page = (SUITES / "fresh" / "documents" / "libreoffice-help-fr_001823.txt").read_text(encoding="utf-8")
    lexical = LexicalEncoder()
    label = next(line for line in page.splitlines() if line.strip() == "Pages en mosaïque")
    assert check_support(label, label, 1.0, lexical).supported
    assert check_support(f" {label}\n", label, 1.0, lexical).supported  # spacing aside
    rearranged = check_support("Mosaïque de pages", label, 0.95, lexical)
    assert not rearranged.supported
    assert rearranged.reasons == ("too few content words to check (2 < 3)",)
    described = next(s for s in split_sentences(page) if s.startswith("Si les pages ou diapos"))
    assert not check_support("Oui.", described, 0.95, lexical).supported
