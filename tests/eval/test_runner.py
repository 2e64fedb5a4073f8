"""``sourcier eval`` end to end (``eval.runner.main``): a fresh checkout, the gate failing on a
bad answerer, configuration errors, and the generative answerer against a real HTTP LLM server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.runner import main
from tests.conftest import MODEL_CACHE, free_port
from tests.server.fake_llm import INVENTED, FakeLLM


def test_main_gate_exits_nonzero_for_random_answerer_on_a_fresh_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty data dir: main() ingests the bundled corpus into a temporary dir, says so,
    evaluates the random answerer, writes the reports and fails the gate."""
    monkeypatch.setenv("SOURCIER_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.delenv("SOURCIER_QDRANT_URL", raising=False)
    reports = tmp_path / "reports"
    code = main(
        [
            "--gate",
            "--answerer",
            "random",
            "--data-dir",
            str(tmp_path / "empty"),
            "--report-dir",
            str(reports),
        ]
    )
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert code == 1
    assert "ingesting the bundled corpus" in err
    assert "citation.precision" in err and "< minimum" in err
    assert {p.name for p in reports.iterdir()} == {"eval-report.json", "eval-report.md", "eval-report.png"}
    assert json.loads((reports / "eval-report.json").read_text(encoding="utf-8"))["gate"]["passed"] is False


def test_main_reports_configuration_errors(tmp_path: Path) -> None:
    bad = tmp_path / "gate.toml"
    bad.write_text("[minimum]\nrecall = 2\n", encoding="utf-8")
    assert main(["--config", str(bad)]) == 2


def test_main_evaluates_the_generative_answerer_through_a_real_llm_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures of ``--answerer generative`` are those of the model's answers, after the
    service's own grounding: the fake model copies one cited source sentence and invents another."""
    llm = FakeLLM(free_port()).start()
    monkeypatch.setenv("SOURCIER_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.setenv("SOURCIER_LLM_BASE_URL", llm.base_url)
    monkeypatch.setenv("SOURCIER_LLM_MODEL", "fake-fr")
    monkeypatch.delenv("SOURCIER_QDRANT_URL", raising=False)
    reports = tmp_path / "reports"
    try:
        code = main(
            ["--answerer", "generative", "--data-dir", str(tmp_path / "data"), "--report-dir", str(reports)]
        )
    finally:
        llm.stop()
    assert code == 0
    report = json.loads((reports / "eval-report.json").read_text(encoding="utf-8"))
    assert report["meta"]["answerer"] == "generative"
    answered = {q["id"]: q for q in report["questions"] if not q["abstained"]}
    assert len(llm.requests) >= len(answered) > 40
    assert all(r["body"]["model"] == "fake-fr" for r in llm.requests)
    assert answered["q001"]["answer"].startswith("Avocado est le nom de code du successeur de Llama")
    invented = INVENTED.replace(" [1]", "")
    assert not any(invented in q["answer"] for q in answered.values())  # dropped by the service
    assert report["metrics"]["groundedness"] == 1.0
    assert "# Sourcier eval — generative answerer" in (reports / "eval-report.md").read_text(encoding="utf-8")


def test_main_says_what_the_generative_answerer_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCIER_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.delenv("SOURCIER_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("SOURCIER_LLM_MODEL", raising=False)
    monkeypatch.delenv("SOURCIER_QDRANT_URL", raising=False)
    code = main(
        ["--answerer", "generative", "--data-dir", str(tmp_path / "data"), "--report-dir", str(tmp_path)]
    )
    captured = capsys.readouterr()
    out = " ".join((captured.out + captured.err).split())  # rich wraps long lines
    assert code == 2
    assert "needs SOURCIER_LLM_BASE_URL and SOURCIER_LLM_MODEL" in out
    assert not (tmp_path / "eval-report.json").exists()
