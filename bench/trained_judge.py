"""A cross-encoder trained here from the embedding model, on the tuning halves, judged on the
holdouts: does a learned "this sentence answers this question" beat the shipped sentence ranker?

    python -m bench.trained_judge [--suite NAME ...] [--layers 4] [--epochs 3] [--residual]
                                  [--data-dir DIR]

Why: every round's diagnosis of issue 14 ends on the same limit — the ranker puts the gold sentence
second to fourth on paraphrased questions, and no French cross-encoder installs offline. So one is
made from what is here: multilingual-e5-small (the converted model in the model cache) reads
"query: <question> passage: <sentence>" as one text, its last ``--layers`` layers are fine-tuned
and a linear head on the mean-pooled states scores the pair. Training is listwise (softmax over a
question's top eight evidence sentences, the gold ones as targets) on the answerable questions of
every suite's **tuning** half whose gold sentence is among those eight; the holdouts only judge.
``--residual`` trains the judge as a correction of the ranker's own score (score / 0.05 + judge).

Printed per half: how many of those questions get a gold sentence first from the ranker, from the
judge alone and from blends. Gold means overlapping a gold passage's span (``eval.dataset``).
About 25 minutes on 2 cores (indexing, then ≈ 4 minutes an epoch with four layers). Writes
``bench/results/trained_judge.json`` (``trained_judge_residual.json`` with ``--residual``).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import MODEL_CACHE, setup_env, write_result

TOP = 8  # sentences judged per question: what the answer is chosen from in practice
BLENDS = (0.02, 0.05, 0.1, 0.2)  # weight of the judge's z-score added to the ranker's score
RANKER_SCALE = 0.05  # ranker score differences of ~0.05 matter: the residual judge's unit


@dataclass
class Case:
    """One question's top evidence: texts, the ranker's scores, which overlap a gold span."""

    question: str
    texts: list[str]
    scores: list[float]
    gold: list[bool]
    judged: list[float] = field(default_factory=list)


def collect(suites: Sequence[str], data_dir: Path | None) -> dict[str, list[Case]]:
    """Every built-in suite's answerable questions per half, with their ranked evidence."""
    from rich.console import Console
    from rich.progress import track

    from eval.dataset import Span, load_gold, locate_passages
    from eval.harness import engine_question
    from eval.runner import suite_service
    from eval.suite import builtin_suites
    from sourcier.config import Settings
    from sourcier.embedding import load_embedder
    from sourcier.runtime import configure_runtime

    configure_runtime()
    settings = Settings()
    embedder = load_embedder(settings)
    console = Console(stderr=True)
    halves: dict[str, list[Case]] = {}
    for suite in (s for s in builtin_suites() if not suites or s.name in suites):
        folder = data_dir / suite.name if data_dir else None
        with suite_service(settings, embedder, suite, folder, console) as service:
            documents = {r.document.id: r.document.text for r in service.store.list_documents()}
            engine, config = service.engine, service.config.replace(answerer="extractive")
            for half, path in (("tuning", suite.gold), ("holdout", suite.holdout)):
                if path is None:
                    continue
                questions = [q for q in load_gold(path) if q.answerable]
                spans = locate_passages(questions, documents)
                cases = halves.setdefault(f"{suite.name} {half}", [])
                for q in track(questions, description=f"{suite.name} {half}", console=console):
                    understanding = engine.understand(engine_question(q))
                    retrieval = engine.retrieve(understanding, config)
                    evidence = engine.gather(understanding, retrieval, config)[:TOP]
                    units = [Span(e.document_id, e.start, e.end) for e in evidence]
                    gold = [any(u.overlaps(s) for s in spans[q.id]) for u in units]
                    if any(gold):
                        texts, scores = [e.text for e in evidence], [e.score for e in evidence]
                        cases.append(Case(q.question, texts, scores, gold))
    return halves


def train_and_judge(
    halves: dict[str, list[Case]], folder: Path, layers: int, epochs: int, residual: bool
) -> None:
    """Fine-tune the sentence-transformers model in ``folder`` on the tuning halves' cases (halves
    named "… tuning"), then fill ``judged`` on every case."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    rng = random.Random(0)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    encoder = AutoModel.from_pretrained(folder)
    for p in encoder.parameters():
        p.requires_grad = False
    trained = [p for layer in encoder.encoder.layer[-layers:] for p in layer.parameters()]
    for p in trained:
        p.requires_grad = True
    head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def judge(case: Case) -> Any:
        batch = tokenizer(
            [f"query: {case.question} passage: {t}" for t in case.texts],
            padding=True,
            truncation=True,
            max_length=160,
            return_tensors="pt",
        )
        states = encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        scores = head((states * mask).sum(1) / mask.sum(1)).squeeze(-1)
        return scores + torch.tensor(case.scores) / RANKER_SCALE if residual else scores

    training = [c for name, cases in halves.items() if name.endswith("tuning") for c in cases]
    optimizer = torch.optim.AdamW(
        [{"params": trained, "lr": 3e-5}, {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01
    )
    for epoch in range(epochs):
        encoder.train()
        rng.shuffle(training)
        total = 0.0
        for case in training:
            target = torch.tensor(case.gold, dtype=torch.float)
            loss = -(torch.log_softmax(judge(case), 0) * target / target.sum()).sum()
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch + 1}/{epochs}: mean loss {total / len(training):.3f}", file=sys.stderr)
    encoder.eval()
    with torch.no_grad():
        for cases in halves.values():
            for case in cases:
                case.judged = judge(case).tolist()


def first_gold(cases: Sequence[Case], weight: float | None) -> int:
    """Questions whose first sentence is gold: the ranker's order (None), the judge's alone
    (``inf``), or the ranker's score plus ``weight`` times the judge's z-score over the eight."""
    import numpy as np

    hits = 0
    for case in cases:
        if weight is None:
            order = np.array(case.scores)
        elif weight == float("inf"):
            order = np.array(case.judged)
        else:
            judged = np.array(case.judged)
            order = np.array(case.scores) + weight * (judged - judged.mean()) / (judged.std() + 1e-6)
        hits += case.gold[int(np.argmax(order))]
    return hits


def main(argv: Sequence[str] | None = None) -> int:
    from sourcier.e5_conversion import ensure_e5_model

    summary = __doc__.split("\n\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench.trained_judge", description=summary)
    parser.add_argument("--suite", nargs="*", default=[], help="built-in suites (default: all)")
    parser.add_argument("--layers", type=int, default=4, help="top layers fine-tuned")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--residual", action="store_true", help="train as a correction of the ranker's score")
    parser.add_argument("--data-dir", type=Path, help="keep (and reuse) each suite's index in DIR/<suite>")
    args = parser.parse_args(argv)
    setup_env()
    halves = collect(args.suite, args.data_dir)
    train_and_judge(halves, ensure_e5_model(MODEL_CACHE), args.layers, args.epochs, args.residual)
    weights: list[tuple[str, float | None]] = [("ranker", None), ("judge", float("inf"))]
    weights += [(f"blend {w:g}", w) for w in BLENDS]
    print(f"{'gold sentence first':22}" + "".join(f"{name:>18}" for name in halves))
    print(f"{'questions':22}" + "".join(f"{len(cases):>18}" for cases in halves.values()))
    results: dict[str, dict[str, int]] = {name: {} for name in halves}
    for label, weight in weights:
        for name, cases in halves.items():
            results[name][label] = first_gold(cases, weight)
        print(f"{label:22}" + "".join(f"{results[name][label]:>18}" for name in halves))
    path = write_result(
        "trained_judge_residual" if args.residual else "trained_judge",
        {"layers": args.layers, "epochs": args.epochs, "residual": args.residual, "halves": results},
    )
    print(f"\nWritten {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
