"""How many man-page questions still have their answer in the text that ingestion keeps.

    python -m bench.manpage_survival [--corpus …/debian_fr_docs.jsonl.gz] [--questions …/dev.jsonl]

Why: cleaning made for news articles once dropped most option lists of man pages (a short line
without a final period looks like a headline), so most questions of the man-page dev set could
not be answered from the index, whatever the retriever. This counts, over the 2,573 questions of
``../shared/dev-sets/manpages_fr_dev.jsonl``, those whose ``answer_passage`` is in the cleaned
text of their page:

- ``exact``: the passage, matched word by word across any whitespace (what the ``manpages``
  suite's builder requires);
- ``with argument``: also counting an option line that the dev set wrote without its argument
  (``-l, --length`` for the page's ``-l, --length=BIT``), the description following on the same
  paragraph of the cleaned text.

Prints the two shares and writes ``bench/results/manpage_survival.json``. Takes seconds.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_CORPUS, REPO, write_result
from eval.suites.manpages.build import BuildError, Page, read_jsonl, read_pages
from ingest.cleaning import clean_plain_text

DEFAULT_QUESTIONS = REPO.parent / "shared" / "dev-sets" / "manpages_fr_dev.jsonl"


@dataclass(frozen=True, slots=True)
class Survival:
    """Counts of questions whose answer passage is in the cleaned page."""

    questions: int
    exact: int
    with_argument: int  # exact, plus option lines written without their argument


def _words_pattern(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in text.split())


def passage_survives(passage: str, text: str) -> tuple[bool, bool]:
    """(exact, with argument): is ``passage`` in ``text``, word by word (and allowing the
    option line's argument, on the same line, between the option and its description)?"""
    passage = passage.replace("\u2019", "'")
    if re.search(_words_pattern(passage), text):
        return True, True
    head, _, description = passage.partition("\n")
    if not head.split() or not description.split():
        return False, False
    pattern = _words_pattern(head) + r"[^\n]{0,80}?\s+" + _words_pattern(description)
    return False, re.search(pattern, text) is not None


def measure(pages: dict[str, Page], questions: list[dict[str, Any]]) -> Survival:
    """Clean each page once (as ``sourcier ingest`` does a ``.txt`` file) and count."""
    cleaned: dict[str, str] = {}
    exact = with_argument = 0
    for question in questions:
        page = pages.get(question["gold_doc_ids"][0])
        if page is None:
            continue
        if page.bench_id not in cleaned:
            cleaned[page.bench_id] = clean_plain_text(page.file_body()).text
        found_exact, found = passage_survives(question["answer_passage"], cleaned[page.bench_id])
        exact += found_exact
        with_argument += found
    return Survival(len(questions), exact, with_argument)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args(argv)
    try:
        survival = measure(read_pages(args.corpus), list(read_jsonl(args.questions)))
    except BuildError as error:
        print(f"manpage_survival: {error}", file=sys.stderr)
        return 2
    total = survival.questions or 1
    print(f"questions: {survival.questions}")
    print(f"answer passage kept (exact):         {survival.exact} ({survival.exact / total:.1%})")
    print(
        f"answer passage kept (with argument): {survival.with_argument} "
        f"({survival.with_argument / total:.1%})"
    )
    path = write_result(
        "manpage_survival",
        {
            "questions": survival.questions,
            "exact": survival.exact,
            "with_argument": survival.with_argument,
        },
    )
    print(f"-> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
