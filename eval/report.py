"""Reporting: the console table, ``eval-report.json``, a Markdown report and a PNG plot.

Why three forms: the console is for the person running it, the JSON for machines (CI
artefacts, comparisons between runs), the Markdown for review, failures first, so the questions
to look at are at the top.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.corruptions import CONTROL_KINDS, EXTRA_KINDS, KINDS
from eval.gate import GateCheck
from eval.harness import CURVE_KS, LEVELS, MODES, EvalResult, QuestionResult, by_category, refusals_by_check
from eval.intervals import LEVEL, ROUNDS

#: Headline metrics shown first (others stay in the JSON).
HEADLINE = (
    "retrieval.hybrid.chunks.recall@5",
    "retrieval.hybrid.ranked.recall@5",
    "retrieval.hybrid.ranked.mrr",
    "citation.precision",
    "citation.recall",
    "citation.confident_share",
    "citation.precision.confident",
    "citation.alternative_rescues",
    "citation.exact",
    "groundedness",
    "answer.correct",
    "answer.key_facts",
    "abstention.precision",
    "abstention.recall",
    "abstention.answered",
    "verifier.caught",
    "verifier.untouched_passed",
    "verifier.benign_passed",
    "questions.passed",
)


def headline(metrics: Mapping[str, float], gate: Sequence[GateCheck]) -> list[str]:
    gated = [g.metric for g in gate]
    return [*gated, *(h for h in HEADLINE if h not in gated and h in metrics)]


def console_table(result: EvalResult, gate: Sequence[GateCheck]) -> Table:
    minimums = {g.metric: g for g in gate}
    table = Table(title=f"Sourcier eval — {result.answerer} answerer, {len(result.questions)} questions")
    columns = (
        ("metric", "left"),
        ("value", "right"),
        ("95% CI", "right"),
        ("minimum", "right"),
        ("", "left"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for name in headline(result.metrics, gate):
        g = minimums.get(name)
        status = "" if g is None else ("[green]ok[/green]" if g.passed else "[red]FAIL[/red]")
        table.add_row(
            name,
            f"{result.metrics[name]:.3f}",
            interval(result, name),
            f"{g.minimum:.2f}" if g else "",
            status,
        )
    return table


def interval(result: EvalResult, name: str) -> str:
    """The figure's bootstrap interval over questions, or nothing (the verifier's figures)."""
    if name not in result.intervals:
        return ""
    low, high = result.intervals[name]
    return f"{low:.2f}–{high:.2f}"


def retrieval_table(result: EvalResult) -> Table:
    table = Table(title="Retrieval (answerable questions, span overlap with gold passages)")
    names = ["recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"]
    table.add_column("mode")
    table.add_column("level")
    for n in names:
        table.add_column(n, justify="right")
    for mode in MODES:
        for level in LEVELS:
            table.add_row(
                mode, level, *(f"{result.metrics[f'retrieval.{mode}.{level}.{n}']:.3f}" for n in names)
            )
    return table


def print_summary(console: Console, result: EvalResult, gate: Sequence[GateCheck]) -> None:
    console.print(retrieval_table(result))
    console.print(console_table(result, gate))
    failed = [r for r in result.questions if not r.passed]
    console.print(
        f"{len(failed)} of {len(result.questions)} questions have a failure (see the Markdown report)."
    )


# --- JSON --------------------------------------------------------------------------------


def question_dict(r: QuestionResult) -> dict[str, Any]:
    d = dataclasses.asdict(r)
    d.pop("curves")
    d["passed"] = r.passed
    return d


def report_dict(
    result: EvalResult,
    gate: Sequence[GateCheck],
    meta: Mapping[str, Any],
    calibration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "meta": dict(meta),
        "metrics": result.metrics,
        "intervals": {"level": LEVEL, "rounds": ROUNDS, **{k: list(v) for k, v in result.intervals.items()}},
        "gate": {
            "passed": all(g.passed for g in gate),
            "checks": [
                {"metric": g.metric, "value": g.value, "minimum": g.minimum, "passed": g.passed} for g in gate
            ],
        },
        "by_category": by_category(result.questions, result.self_test),
        "refusals_by_check": refusals_by_check(result.questions),
        "recall_curves": {"k": list(CURVE_KS), **result.curves},
        "verifier_self_test": {
            kind: {"total": k.total, "flagged": k.flagged, "rate": k.rate, "misses": k.misses}
            for kind, k in result.self_test.kinds.items()
        },
        "questions": [question_dict(r) for r in result.questions],
        **({"calibration": dict(calibration)} if calibration else {}),
    }


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- Markdown ----------------------------------------------------------------------------


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown(
    result: EvalResult,
    gate: Sequence[GateCheck],
    meta: Mapping[str, Any],
    plot_name: str | None,
    calibration_md: str | None = None,
) -> str:
    minimums = {g.metric: g for g in gate}
    lines = [f"# Sourcier eval — {result.answerer} answerer", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    verdict = "passed" if all(g.passed for g in gate) else "FAILED"
    lines += [
        "",
        f"**Gate: {verdict}**" if gate else "",
        "",
        "## Metrics",
        "",
        f"95% CI: percentile bootstrap over questions ({ROUNDS} resamples); the verifier's figures "
        "are over its corruption cases.",
        "",
        "| metric | value | 95% CI | minimum | |",
    ]
    lines.append("|---|---:|---:|---:|---|")
    for name in headline(result.metrics, gate):
        g = minimums.get(name)
        status = "" if g is None else ("ok" if g.passed else "**FAIL**")
        lines.append(
            f"| {name} | {result.metrics[name]:.3f} | {interval(result, name)} "
            f"| {f'{g.minimum:.2f}' if g else ''} | {status} |"
        )
    if plot_name:
        lines += ["", f"![recall@k and gated metrics]({plot_name})"]
    lines += [
        "",
        "## Retrieval",
        "",
        "chunks: first stage only; sentences: the retrieved chunks' sentences in "
        "retrieval order; ranked: after the second-stage sentence ranking.",
        "",
    ]
    names = ["recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"]
    lines += ["| mode | level | " + " | ".join(names) + " |", "|---|---|" + "---:|" * len(names)]
    for mode in MODES:
        for level in LEVELS:
            values = " | ".join(f"{result.metrics[f'retrieval.{mode}.{level}.{n}']:.3f}" for n in names)
            lines.append(f"| {mode} | {level} | {values} |")
    lines += [
        "",
        "## By category",
        "",
        "Figures over answerable questions show – for a category that has none.",
        "",
        "| category | questions | passed | ranked recall@1 | citation precision | answer correct "
        "| abstained |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    answerable_only = ("retrieval.hybrid.ranked.recall@1", "citation.precision", "answer.correct")
    for category, f in by_category(result.questions, result.self_test).items():
        cells = [f"{f[n]:.2f}" if f["answerable"] else "–" for n in answerable_only]
        lines.append(
            f"| {category} | {f['questions']:.0f} | {f['questions.passed']:.2f} | {' | '.join(cells)} "
            f"| {f['abstained']:.2f} |"
        )
    refusals = refusals_by_check(result.questions)
    if refusals:
        lines += [
            "",
            "## Refusals by abstention check",
            "",
            "A check that refuses answerable questions and few unanswerable ones is the one to loosen "
            "on this corpus (`sourcier eval --calibrate` sweeps the thresholds).",
            "",
            "| check | answerable refused | unanswerable refused |",
            "|---|---:|---:|",
        ]
        lines += [f"| {check} | {n['answerable']} | {n['unanswerable']} |" for check, n in refusals.items()]
    lines += [
        "",
        "## Verifier self-test",
        "",
        "| kind | cases | flagged | rate | gated |",
        "|---|---:|---:|---:|---|",
    ]
    for kind, k in result.self_test.kinds.items():
        gated = "caught" if kind in KINDS else ("must pass" if kind in CONTROL_KINDS else "informative")
        lines.append(f"| {kind} | {k.total} | {k.flagged} | {k.rate:.2f} | {gated} |")
    misses = [(kind, miss) for kind, k in result.self_test.kinds.items() for miss in k.misses]
    if misses:
        lines += ["", "Cases the verifier got wrong (corruptions passed, controls rejected):", ""]
        lines += ["| kind | sentence | cited span | verifier said |", "|---|---|---|---|"]
        order = {k: i for i, k in enumerate((*KINDS, *CONTROL_KINDS, *EXTRA_KINDS))}
        for kind, miss in sorted(misses, key=lambda x: order.get(x[0], 99)):
            lines.append(
                f"| {kind} | {_cell(miss['sentence'])} | {_cell(miss['cited'], 80)} | "
                f"{_cell(miss['reasons'] or 'supported')} |"
            )
    if calibration_md:
        lines += ["", calibration_md]
    lines += ["", "## Questions (failures first)", ""]
    lines += ["| id | category | result | cause | answer | failures |", "|---|---|---|---|---|---|"]
    ordered = sorted(result.questions, key=lambda r: (r.passed, r.id))
    for r in ordered:
        answer = "(abstained)" if r.abstained else r.answer
        lines.append(
            f"| {r.id} | {r.category} | {'pass' if r.passed else '**fail**'} | {_cell(r.cause, 80)} | "
            f"{_cell(answer, 140)} | {_cell('; '.join(r.failures), 240)} |"
        )
    return "\n".join(lines) + "\n"


# --- plot --------------------------------------------------------------------------------


def write_plot(path: Path, result: EvalResult, gate: Sequence[GateCheck]) -> None:
    """Recall@k per retrieval mode (chunks solid, ranked sentences dashed) and the gated metrics
    with their bootstrap intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    colours = {"dense": "tab:blue", "sparse": "tab:orange", "hybrid": "tab:green"}
    for mode in MODES:
        for level, style in (("chunks", "-"), ("ranked", "--")):
            left.plot(
                CURVE_KS,
                result.curves[mode][level],
                style,
                marker="o",
                markersize=3,
                color=colours[mode],
                label=f"{mode} · {level}",
            )
    left.set(xlabel="k", ylabel="recall@k", title="Recall@k of gold passages", ylim=(0, 1.02))
    left.set_xticks(list(CURVE_KS))
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="lower right")
    names = [g.metric for g in gate] or list(HEADLINE[:6])
    values = [result.metrics[n] for n in names]
    colours_bar = ["tab:green" if g.passed else "tab:red" for g in gate] or ["tab:gray"] * len(names)
    y = list(range(len(names)))
    right.barh(y, values, color=colours_bar)
    spread = [(i, result.intervals[n]) for i, n in enumerate(names) if n in result.intervals]
    if spread:
        rows = [i for i, _ in spread]
        below = [values[i] - low for i, (low, _) in spread]
        above = [high - values[i] for i, (_, high) in spread]
        right.errorbar(
            [values[i] for i in rows], rows, xerr=[below, above], fmt="none", ecolor="dimgray", capsize=3
        )
    for i, g in enumerate(gate):
        right.plot([g.minimum, g.minimum], [i - 0.4, i + 0.4], color="black", linewidth=2)
    right.set_yticks(y, names, fontsize=8)
    right.invert_yaxis()
    right.set(
        xlim=(0, 1.02),
        title=f"Gated metrics ({result.answerer})\nblack: minimum; whiskers: 95% CI over questions",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(
    report_dir: Path,
    result: EvalResult,
    gate: Sequence[GateCheck],
    meta: Mapping[str, Any],
    calibration: Mapping[str, Any] | None = None,
    calibration_md: str | None = None,
) -> dict[str, Path]:
    """Write eval-report.json, eval-report.md and eval-report.png into ``report_dir``."""
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": report_dir / "eval-report.json",
        "markdown": report_dir / "eval-report.md",
        "plot": report_dir / "eval-report.png",
    }
    write_json(paths["json"], report_dict(result, gate, meta, calibration))
    write_plot(paths["plot"], result, gate)
    paths["markdown"].write_text(
        markdown(result, gate, meta, paths["plot"].name, calibration_md), encoding="utf-8"
    )
    return paths
