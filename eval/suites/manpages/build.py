"""Build the ``manpages`` suite from the shared man-page question set, deterministically.

Why a script: the suite's 2,573 mechanical questions live outside the repository
(``../shared/dev-sets/manpages_fr_dev.jsonl``) and point at pages of the bench corpus. The
checked-in suite is a fixed, seeded sample of them with their pages and as many distractor
pages; this script regenerates that sample byte for byte, or builds the whole set into another
folder for benchmarking. Each question becomes a gold record whose passages are the sentences of
the *ingested* page text (Sourcier's own loader and sentence splitter) that hold the question's
``answer_passage``; a question whose passage cannot be found that way is skipped and counted.

    python -m eval.suites.manpages.build --corpus ../shared/bench-corpus/debian_fr_docs.jsonl.gz \\
        --questions ../shared/dev-sets/manpages_fr_dev.jsonl              # the checked-in sample
    python -m eval.suites.manpages.build --corpus … --questions … --all --out /tmp/manpages-full
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.loaders import load_file
from sourcier.sentences import sentence_spans

SUITE_DIR = Path(__file__).resolve().parent
#: Hand-written questions the shipped pages do not answer (options that do not exist...).
UNANSWERABLE_PATH = SUITE_DIR / "unanswerable.jsonl"
SAMPLE_SIZE = 120
SEED = 14
#: Pages longer than this are left out of the sample (ingestion time in CI), not of ``--all``.
SAMPLE_MAX_PAGE_CHARS = 12_000
CATEGORY_BY_KIND = {"option_from_description": "option", "command_from_description": "command"}
LICENCE = "GPL-3+ (manpages-l10n translations, Debian package manpages-fr / manpages-fr-dev)"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class BuildError(Exception):
    """An input file is missing or malformed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Page:
    """A bench-corpus man page and the file name it is shipped under."""

    bench_id: str
    title: str
    path: str
    text: str

    @property
    def document_id(self) -> str:
        return _UNSAFE.sub("_", self.bench_id).strip("_")

    def file_body(self) -> str:
        """The file as shipped: title line, blank line, the corpus text unchanged."""
        title = " ".join(self.title.split())
        return f"{title}\n\n{self.text}" if title else self.text


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """JSON objects, one per line, from a plain or gzipped file."""
    if not path.is_file():
        raise BuildError(f"{path}: no such file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as error:
                        raise BuildError(f"{path}:{lineno}: invalid JSON ({error})") from error
    except (OSError, EOFError) as error:
        raise BuildError(f"{path}: unreadable ({error})") from error


def read_pages(corpus: Path) -> dict[str, Page]:
    """Every man page of the bench corpus, by bench id."""
    pages = {
        d["id"]: Page(d["id"], d.get("title") or "", d.get("path") or "", d["text"])
        for d in read_jsonl(corpus)
        if str(d.get("source", "")).startswith("manpages-fr")
    }
    if not pages:
        raise BuildError(f"{corpus}: no manpages-fr documents (is this debian_fr_docs.jsonl.gz?)")
    return pages


def ingested_sentences(page: Page, workdir: Path) -> tuple[str, list[tuple[int, int]]]:
    """The page's text as Sourcier ingests it, and its sentence spans."""
    file = workdir / f"{page.document_id}.txt"
    file.write_text(page.file_body(), encoding="utf-8")
    text = load_file(file, workdir).document.text
    return text, [(s.start, s.end) for s in sentence_spans(text)]


def passages_for(answer_passage: str, text: str, spans: list[tuple[int, int]]) -> list[str] | None:
    """The answer passage as it appears in the ingested text, cut at sentence boundaries.

    The dev set keeps the page's own line breaks; ingestion joins wrapped lines and normalises
    spaces and apostrophes, so the passage is matched word by word across any whitespace. Each
    sentence it overlaps contributes the overlapping part (an exact substring of one sentence).
    """
    words = answer_passage.replace("\u2019", "'").split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), text)
    if match is None:
        return None
    parts = [
        text[max(start, match.start()) : min(end, match.end())].strip()
        for start, end in spans
        if start < match.end() and match.start() < end
    ]
    return [p for p in parts if p] or None


def convert(
    question: dict[str, Any], page: Page, workdir: Path, cache: dict[str, tuple[str, list[tuple[int, int]]]]
) -> dict[str, Any] | None:
    """A dev-set question as a gold record (without its id), or None if it cannot be verified."""
    if page.bench_id not in cache:
        cache[page.bench_id] = ingested_sentences(page, workdir)
    text, spans = cache[page.bench_id]
    passages = passages_for(question["answer_passage"], text, spans)
    if passages is None:
        return None
    fact = next((a for a in question["answers"] if any(a in p for p in passages)), None)
    if fact is None:
        return None
    return {
        "question": question["question"].strip(),
        "answerable": True,
        "category": CATEGORY_BY_KIND[question["kind"]],
        "passages": [{"document_id": page.document_id, "text": p} for p in passages],
        "key_facts": [fact],
        "history": [],
        "source_id": question["id"],
    }


def stable_order(keys: Iterable[str], seed: int) -> list[str]:
    """``keys`` shuffled by a seeded generator after sorting, so the order never depends on input order."""
    ordered = sorted(keys)
    random.Random(seed).shuffle(ordered)
    return ordered


def choose(
    questions: list[dict[str, Any]],
    pages: dict[str, Page],
    size: int | None,
    seed: int,
    max_chars: int | None,
    workdir: Path,
) -> tuple[list[dict[str, Any]], int]:
    """Convert questions in seeded order until ``size`` are kept (all when None); also the skip count."""
    # The dev set reuses a few ids for different questions: key by id and question.
    by_key = {f"{q['id']}\t{q['question']}": q for q in questions}
    kept: list[dict[str, Any]] = []
    skipped = 0
    cache: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    for key in stable_order(by_key, seed):
        question = by_key[key]
        page = pages.get(question["gold_doc_ids"][0])
        if page is None or (max_chars is not None and len(page.text) > max_chars):
            continue
        record = convert(question, page, workdir, cache)
        if record is None:
            skipped += 1
            continue
        kept.append(record)
        if size is not None and len(kept) == size:
            break
    return kept, skipped


def split_halves(
    records: list[dict[str, Any]], seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Half and half by category, in seeded order: every category lands in both halves."""
    gold: list[dict[str, Any]] = []
    holdout: list[dict[str, Any]] = []
    for category in sorted({r["category"] for r in records}):
        members = [r for r in records if r["category"] == category]
        order = stable_order((_key(r) for r in members), seed)
        rank = {key: i for i, key in enumerate(order)}
        for record in sorted(members, key=lambda r: rank[_key(r)]):
            (gold if rank[_key(record)] % 2 == 0 else holdout).append(record)
    return gold, holdout


def _key(record: dict[str, Any]) -> str:
    return hashlib.sha256(record["question"].encode()).hexdigest()


def numbered(records: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Records in a fixed order (by source id, then question), numbered ``m001``…; build-only
    fields dropped."""
    width = max(3, len(str(len(records))))
    ordered = sorted(records, key=lambda r: (r.get("source_id", "~"), r["question"]))
    out = []
    for i, record in enumerate(ordered, 1):
        clean = {k: v for k, v in record.items() if k not in ("source_id", "page")}
        out.append({"id": f"{prefix}{i:0{width}d}", **clean})
    return out


def read_unanswerable(pages: dict[str, Page]) -> list[dict[str, Any]]:
    """The hand-written unanswerable questions; each names the page (``page``) it is about."""
    records = list(read_jsonl(UNANSWERABLE_PATH)) if UNANSWERABLE_PATH.exists() else []
    for record in records:
        if record.get("page") not in pages:
            raise BuildError(f"{UNANSWERABLE_PATH.name}: unknown page {record.get('page')!r}")
        record.update(answerable=False, category="unanswerable", passages=[], key_facts=[], history=[])
    return records


def distractors(
    pages: dict[str, Page], used: set[str], count: int, seed: int, max_chars: int | None
) -> list[str]:
    """``count`` other pages, in seeded order, no longer than the sample's limit."""
    pool = [p for p in pages if p not in used and (max_chars is None or len(pages[p].text) <= max_chars)]
    return sorted(stable_order(pool, seed + 1)[:count])


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def build(corpus: Path, questions_path: Path, out: Path, whole: bool, size: int, seed: int) -> str:
    """Write ``out``'s documents, gold/holdout sets, sources and suite.toml; return a summary."""
    pages = read_pages(corpus)
    questions = list(read_jsonl(questions_path))
    if not questions or any("answer_passage" not in q or "gold_doc_ids" not in q for q in questions):
        raise BuildError(f"{questions_path}: not the man-page question set (answer_passage, gold_doc_ids)")
    max_chars = None if whole else SAMPLE_MAX_PAGE_CHARS
    with tempfile.TemporaryDirectory() as tmp:
        records, skipped = choose(questions, pages, None if whole else size, seed, max_chars, Path(tmp))
    unanswerable = read_unanswerable(pages)
    gold_pages = {p["document_id"] for r in records for p in r["passages"]}
    page_by_doc = {page.document_id: bench_id for bench_id, page in pages.items()}
    shipped = {page_by_doc[d] for d in gold_pages} | {r["page"] for r in unanswerable}
    if whole:  # every page the set points at, also those whose questions could not be kept
        extra = sorted({q["gold_doc_ids"][0] for q in questions} & set(pages) - shipped)
    else:
        extra = distractors(pages, shipped, len(shipped), seed, max_chars)
    shipped |= set(extra)
    gold, holdout = split_halves(records + unanswerable, seed)
    prefix = "m"
    all_numbered = numbered(gold + holdout, prefix)
    gold_keys = {_key(r) for r in gold}
    write_out(out, pages, sorted(shipped), set(extra), all_numbered, gold_keys, None if whole else seed)
    return (
        f"{len(records)} of {len(questions)} questions kept ({skipped} skipped: answer passage not in the "
        "ingested page), "
        f"{len(unanswerable)} unanswerable, {len(shipped)} pages ({len(extra)} distractors) -> {out}"
    )


def write_out(
    out: Path,
    pages: dict[str, Page],
    shipped: list[str],
    extra: set[str],
    records: list[dict[str, Any]],
    gold_keys: set[str],
    seed: int | None,
) -> None:
    """The suite folder: ``documents/`` rewritten, gold/holdout halves, sources, suite.toml."""
    documents = out / "documents"
    if documents.exists():
        shutil.rmtree(documents)
    documents.mkdir(parents=True)
    for bench_id in shipped:
        page = pages[bench_id]
        (documents / f"{page.document_id}.txt").write_text(page.file_body(), encoding="utf-8")
    write_jsonl(out / "gold.jsonl", [r for r in records if _key(r) in gold_keys])
    write_jsonl(out / "holdout.jsonl", [r for r in records if _key(r) not in gold_keys])
    sources = [
        {
            "document_id": pages[b].document_id,
            "bench_id": b,
            "title": " ".join(pages[b].title.split()),
            "path": pages[b].path,
            "role": "distractor" if b in extra else "questions",
            "licence": LICENCE,
        }
        for b in shipped
    ]
    write_jsonl(out / "sources.jsonl", sources)
    kind = "the whole set of" if seed is None else f"a seeded sample (seed {seed}) of"
    (out / "suite.toml").write_text(
        "# Written by eval/suites/manpages/build.py; regenerate rather than edit.\n"
        'name = "manpages"\n'
        f'description = "French man pages: {kind} the mechanical option/command questions, '
        'plus hand-written unanswerable ones"\n'
        'source = "../shared/dev-sets/manpages_fr_dev.jsonl over '
        '../shared/bench-corpus/debian_fr_docs.jsonl.gz (manpages-fr, GPL-3+)"\n'
        'documents = "documents"\n'
        'gold = "gold.jsonl"\n'
        'holdout = "holdout.jsonl"\n'
        'gate = "gate.toml"\n',
        encoding="utf-8",
    )
    if out.resolve() != SUITE_DIR:
        shutil.copyfile(SUITE_DIR / "gate.toml", out / "gate.toml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--corpus", type=Path, required=True, help="debian_fr_docs.jsonl.gz of the bench corpus"
    )
    parser.add_argument("--questions", type=Path, required=True, help="manpages_fr_dev.jsonl")
    parser.add_argument(
        "--out", type=Path, default=SUITE_DIR, help="suite folder to write (default: this one)"
    )
    parser.add_argument(
        "--all", action="store_true", help="every question that can be verified, and every page the set uses"
    )
    parser.add_argument("--sample", type=int, default=SAMPLE_SIZE, help="questions in the sample")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.sample < 2:
        parser.error("--sample must be at least 2 (one question per half)")
    if args.all and args.out.resolve() == SUITE_DIR:
        parser.error("--all writes ~1,000 pages: give another folder with --out")
    try:
        print(build(args.corpus, args.questions, args.out, args.all, args.sample, args.seed))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
