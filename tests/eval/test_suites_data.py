"""The eval suites' data (eval/suites/<name>/) holds together, read the way Sourcier reads it.

Every passage must be an exact substring of one sentence of its document *as ingested* (the
project's own loader, cleaning and sentence splitter), key facts must be in the passages, a
leave-out question's document must not be shipped, and the hand-written docs suite must keep the
mix issue 14 asks for. No model, no store: this runs in about a second.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from eval.dataset import load_gold
from eval.suite import BUILTIN_DIR, load_suite
from eval.suites.manpages import build
from ingest.loaders import discover, load_file
from sourcier.sentences import sentence_spans

SUITES = sorted(p.parent.name for p in BUILTIN_DIR.glob("*/suite.toml"))
#: Suites whose documents this repository ships inside the suite folder, with their sources.
SHIPPED = {"docs", "fresh", "manpages"}
SHARED = Path(__file__).resolve().parents[3] / "shared"
BENCH_CORPUS = SHARED / "bench-corpus" / "debian_fr_docs.jsonl.gz"
MANPAGE_QUESTIONS = SHARED / "dev-sets" / "manpages_fr_dev.jsonl"

RESERVED_SOURCES = ("debian-faq-fr", "gnome-user-docs-fr")
CATEGORIES = {
    "docs": {"factual", "paraphrase", "how_to", "why", "multi_sentence", "list", "unanswerable", "leave_out"},
    "manpages": {"option", "command", "unanswerable"},
    "fresh": {"factual", "paraphrase", "how_to", "why", "list", "unanswerable"},
}
ID_PREFIX = {"docs": "d", "fresh": "f", "manpages": "m"}


@dataclass(frozen=True)
class Loaded:
    """A suite's folder, its documents as ingested (text and sentences) and its raw question records."""

    name: str
    folder: Path
    documents: dict[str, str]
    sentences: dict[str, list[str]]
    gold: list[dict[str, Any]]
    holdout: list[dict[str, Any]]

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.gold + self.holdout

    @property
    def sources(self) -> list[dict[str, Any]]:
        return read_jsonl(self.folder / "sources.jsonl")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), f"{path.name}: blank line"
    return [json.loads(line) for line in lines]


@cache
def load(name: str) -> Loaded:
    suite = load_suite(BUILTIN_DIR / name)  # the runner's own reading of suite.toml
    documents: dict[str, str] = {}
    sentences: dict[str, list[str]] = {}
    for file, root in discover([suite.documents]):
        document = load_file(file, root).document
        documents[document.id] = document.text
        sentences[document.id] = [document.text[s.start : s.end] for s in sentence_spans(document.text)]
    holdout = read_jsonl(suite.holdout) if suite.holdout else []
    return Loaded(name, suite.root, documents, sentences, read_jsonl(suite.gold), holdout)


@pytest.fixture(params=SUITES)
def suite(request: pytest.FixtureRequest) -> Loaded:
    return load(request.param)


def test_the_builtin_suites_are_there() -> None:
    assert {"docs", "fresh", "manpages"} <= set(SUITES)


def test_question_files_and_gate_read_as_the_runner_reads_them(suite: Loaded) -> None:
    config = load_suite(suite.folder)
    for path in (config.gold, config.holdout):
        assert path is not None and load_gold(path), path
    gate = tomllib.loads(config.gate.read_text(encoding="utf-8"))
    assert gate["minimum"] and all(0 <= v <= 1 for table in gate.values() for v in table.values())


def test_ids_and_questions_unique(suite: Loaded) -> None:
    ids = [r["id"] for r in suite.records]
    assert len(ids) == len(set(ids))
    if suite.name in ID_PREFIX:
        assert all(re.fullmatch(rf"{ID_PREFIX[suite.name]}\d{{3,}}", i) for i in ids), ids[:3]
    # a question asked in both halves would leak the holdout
    questions = Counter(r["question"] for r in suite.records if not r["history"])
    assert [q for q, n in questions.items() if n > 1] == []


def test_fields_and_categories(suite: Loaded) -> None:
    for r in suite.records:
        assert ("left_out" in r) is (r["category"] == "leave_out"), r["id"]
        if suite.name in CATEGORIES:
            assert r["category"] in CATEGORIES[suite.name], r["id"]
            assert r["history"] == [], r["id"]
        assert r["question"] == r["question"].strip() and r["question"].endswith("?"), r["id"]


def test_passages_are_in_one_ingested_sentence(suite: Loaded) -> None:
    for r in suite.records:
        for passage in r["passages"]:
            doc_id, text = passage["document_id"], passage["text"]
            assert doc_id in suite.documents, (r["id"], doc_id)
            assert text and text == text.strip(), r["id"]
            assert any(text in s for s in suite.sentences[doc_id]), (r["id"], text[:80])


def test_key_facts_are_short_and_in_the_passages(suite: Loaded) -> None:
    for r in suite.records:
        if not r["answerable"]:
            assert r["passages"] == [] and r["key_facts"] == [], r["id"]
            continue
        assert r["passages"] and 1 <= len(r["key_facts"]) <= 3, r["id"]
        for fact in r["key_facts"]:
            assert fact.strip() and len(fact) <= 60, (r["id"], fact)
            assert any(fact in p["text"] for p in r["passages"]), (r["id"], fact)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_halves_balanced_with_every_category_in_both(name: str) -> None:
    suite = load(name)
    gold = {r["category"] for r in suite.gold}
    holdout = {r["category"] for r in suite.holdout}
    assert gold == holdout == {r["category"] for r in suite.records}
    assert abs(len(suite.gold) - len(suite.holdout)) <= 0.1 * len(suite.records)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_sources_list_every_shipped_document_with_its_licence(name: str) -> None:
    suite = load(name)
    listed = {s["document_id"]: s for s in suite.sources}
    assert set(listed) == set(suite.documents)
    for source in suite.sources:
        assert source["licence"].strip() and source["bench_id"].strip(), source["document_id"]
        assert not source["bench_id"].startswith(RESERVED_SOURCES), source["bench_id"]
    used = {p["document_id"] for r in suite.records for p in r["passages"]}
    assert used <= {d for d, s in listed.items() if s["role"] == "questions"}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_no_reserved_source_anywhere(name: str) -> None:
    suite = load(name)
    for doc_id in suite.documents:
        assert not doc_id.startswith(RESERVED_SOURCES), doc_id
    for r in suite.records:
        if "left_out" in r:
            assert not r["left_out"]["bench_id"].startswith(RESERVED_SOURCES), r["id"]


def test_leave_out_documents_are_not_shipped() -> None:
    suite = load("docs")
    corpus = "\n".join(suite.documents.values())
    for r in suite.records:
        if r["category"] != "leave_out":
            continue
        left = r["left_out"]
        assert set(left) == {"bench_id", "text"}, r["id"]
        assert re.sub(r"[^A-Za-z0-9_.-]+", "_", left["bench_id"]) not in suite.documents, r["id"]
        assert len(left["text"]) >= 20 and left["text"] not in corpus, r["id"]


def test_docs_suite_mix() -> None:
    suite = load("docs")
    records = suite.records
    counts = Counter(r["category"] for r in records)
    assert len(records) >= 150
    assert counts["unanswerable"] >= 0.25 * len(records), counts
    assert counts["leave_out"] >= 20
    with_questions = {p["document_id"] for r in records for p in r["passages"]}
    assert len(with_questions) >= 40
    kinds = {d.split("_")[0] for d in with_questions}
    assert len(kinds) >= 8, kinds
    assert sum(len(r["passages"]) >= 2 for r in records) >= 30
    distractors = [s for s in suite.sources if s["role"] == "distractor"]
    assert 20 <= len(distractors) <= 40


def test_fresh_suite_mix() -> None:
    """Questions over pages no other suite uses, a quarter or more unanswerable; the holdout's
    pages are not the tuning half's, so it measures a change on pages it was not made on."""
    suite = load("fresh")
    counts = Counter(r["category"] for r in suite.records)
    assert len(suite.records) >= 100
    assert counts["unanswerable"] >= 0.25 * len(suite.records), counts
    gold_pages = {p["document_id"] for r in suite.gold for p in r["passages"]}
    holdout_pages = {p["document_id"] for r in suite.holdout for p in r["passages"]}
    assert len(gold_pages) >= 30 and len(holdout_pages) >= 24
    assert not gold_pages & holdout_pages
    others = {s["document_id"] for name in ("docs", "manpages") for s in load(name).sources}
    assert not others & set(suite.documents)


def test_manpages_suite_mix() -> None:
    suite = load("manpages")
    counts = Counter(r["category"] for r in suite.records)
    assert counts["option"] + counts["command"] == build.SAMPLE_SIZE
    assert counts["unanswerable"] >= 20
    roles = Counter(s["role"] for s in suite.sources)
    assert roles["distractor"] >= 0.8 * roles["questions"], roles


@pytest.mark.skipif(not BENCH_CORPUS.exists(), reason="../shared is not beside the checkout")
def test_manpages_sample_regenerates_identically(tmp_path: Path) -> None:
    assert (
        build.main(
            ["--corpus", str(BENCH_CORPUS), "--questions", str(MANPAGE_QUESTIONS), "--out", str(tmp_path)]
        )
        == 0
    )
    suite = BUILTIN_DIR / "manpages"
    for name in ("gold.jsonl", "holdout.jsonl", "sources.jsonl", "suite.toml", "gate.toml"):
        assert (tmp_path / name).read_bytes() == (suite / name).read_bytes(), name
    shipped = sorted(p.name for p in (suite / "documents").iterdir())
    assert sorted(p.name for p in (tmp_path / "documents").iterdir()) == shipped


def test_manpages_build_names_a_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl.gz"
    code = build.main(["--corpus", str(missing), "--questions", str(missing), "--out", str(tmp_path / "out")])
    assert code == 2
    assert f"{missing}: no such file" in capsys.readouterr().err
