"""``sourcier eval`` end to end (``eval.runner.main``): a fresh checkout, the gate failing on a
bad answerer, configuration errors, and the generative answerer against a real HTTP LLM server."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from eval.dataset import GOLD_PATH
from eval.runner import main, suite_data_dir
from eval.suite import find_suite
from tests.support.fake_llm import INVENTED, FakeLLM
from tests.support.index import MODEL_CACHE
from tests.support.processes import free_port


def own_suite(folder: Path, name: str, questions: int, gate: str) -> Path:
    """A suite folder of the bundled articles with the first ``questions`` gold questions and the
    gate file ``gate`` (TOML)."""
    from sourcier.config import BUNDLED_CORPUS

    shutil.copytree(BUNDLED_CORPUS, folder / "documents")
    lines = GOLD_PATH.read_text(encoding="utf-8").splitlines()[:questions]
    (folder / "gold.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "gate.toml").write_text(gate, encoding="utf-8")
    (folder / "suite.toml").write_text(f'name = "{name}"\ndescription = "a copy"\n', encoding="utf-8")
    return folder


@pytest.mark.slow
def test_main_gate_exits_nonzero_for_random_answerer_on_its_own_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The suite is indexed afresh (the user's data dir is never opened), its tuning and held-out
    sets are reported side by side, and the random answerer fails the tuning set's gate. With
    ``--jobs 2`` the two suites asked for run in processes of their own, one thread each; each
    one's output comes in one block, and the worst exit code wins."""
    user_data = tmp_path / "user-data"
    monkeypatch.setenv("SOURCIER_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.setenv("SOURCIER_DATA_DIR", str(user_data))
    monkeypatch.setenv("SOURCIER_NUM_THREADS", "2")
    monkeypatch.delenv("SOURCIER_QDRANT_URL", raising=False)
    lenient = own_suite(tmp_path / "lenient", "lenient", 4, '[minimum]\n"citation.exact" = 0.0\n')
    reports = tmp_path / "reports"
    code = main(
        [
            "--gate",
            "--answerer",
            "random",
            "--suite",
            "articles",
            "--suite",
            str(lenient),
            "--jobs",
            "2",
            "--sample",
            "12",
            "--report-dir",
            str(reports),
        ]
    )
    captured = capsys.readouterr()
    out, err = " ".join(captured.out.split()), " ".join(captured.err.split())  # rich wraps long lines
    assert code == 1
    assert "2 suites, 2 at a time, 1 thread(s) each" in err
    # each suite's block: from its heading ("── suite NAME: exit N after S s ──") to the next one
    parts = re.split(r"suite (\w+): exit \d after", out)
    blocks = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert sorted(blocks) == ["articles", "lenient"]
    assert "exit 1 after" in out and "exit 0 after" in out
    assert "Suite articles: 2 documents indexed" in blocks["articles"]
    assert "gate articles: citation.precision" in blocks["articles"] and "< minimum" in blocks["articles"]
    assert "gate lenient passed" in blocks["lenient"] and "gate articles" not in blocks["lenient"]
    assert not user_data.exists()
    assert {p.name for p in reports.iterdir()} == {"articles", "articles-holdout", "lenient"}
    for folder in ("articles", "articles-holdout", "lenient"):
        assert {p.name for p in (reports / folder).iterdir()} == {
            "eval-report.json",
            "eval-report.md",
            "eval-report.png",
        }
    tuning = json.loads((reports / "articles" / "eval-report.json").read_text(encoding="utf-8"))
    holdout = json.loads((reports / "articles-holdout" / "eval-report.json").read_text(encoding="utf-8"))
    mine = json.loads((reports / "lenient" / "eval-report.json").read_text(encoding="utf-8"))
    assert tuning["gate"]["passed"] is False and mine["gate"]["passed"] is True
    assert tuning["meta"]["questions"] == holdout["meta"]["questions"] == 12
    assert mine["meta"]["questions"] == 4
    assert tuning["meta"]["threads"] == mine["meta"]["threads"] == 1
    assert holdout["meta"]["gate config"].endswith("(reported, not gated)")


@pytest.mark.slow
def test_a_suite_folder_of_ones_own_is_evaluated_and_gated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any folder in the suite format works: documents/, gold.jsonl, gate.toml (no holdout)."""
    from eval.gate import DEFAULT_CONFIG

    suite = own_suite(tmp_path / "mine", "mine", 6, DEFAULT_CONFIG.read_text(encoding="utf-8"))
    monkeypatch.setenv("SOURCIER_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.delenv("SOURCIER_QDRANT_URL", raising=False)
    reports = tmp_path / "reports"
    assert main(["--suite", str(suite), "--report-dir", str(reports)]) == 0
    assert [p.name for p in reports.iterdir()] == ["mine"]
    report = json.loads((reports / "mine" / "eval-report.json").read_text(encoding="utf-8"))
    assert report["meta"]["suite"] == "mine" and report["meta"]["questions"] == 6


def test_a_missing_suite_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--suite", "no-such-suite"]) == 2
    assert "no suite 'no-such-suite'" in capsys.readouterr().err
    (tmp_path / "suite.toml").write_text("description = 1\n", encoding="utf-8")
    assert main(["--suite", str(tmp_path)]) == 2
    assert "'name'" in " ".join(capsys.readouterr().err.split())


def test_options_that_do_not_fit_several_suites_are_clear_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two suites of one name would write one report folder; one --gold for two suites' corpora
    means nothing; no job cannot run anything. --data-dir keeps one index per suite."""
    assert main(["--suite", "articles", "--suite", "articles"]) == 2
    assert "same name" in " ".join(capsys.readouterr().err.split())
    assert main(["--suite", "articles", "--suite", "fresh", "--gold", str(GOLD_PATH)]) == 2
    assert "give one --suite" in " ".join(capsys.readouterr().err.split())
    articles, fresh = find_suite("articles"), find_suite("fresh")
    assert suite_data_dir(Path("kept"), articles, 1) == Path("kept")
    assert suite_data_dir(Path("kept"), fresh, 2) == Path("kept/fresh")
    assert suite_data_dir(None, fresh, 2) is None
    assert main(["--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_main_reports_configuration_errors(tmp_path: Path) -> None:
    bad = tmp_path / "gate.toml"
    bad.write_text("[minimum]\nrecall = 2\n", encoding="utf-8")
    assert main(["--config", str(bad)]) == 2


@pytest.mark.slow
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
    gold = tmp_path / "gold.jsonl"  # the first 24 questions (a third of the set) are enough here
    gold.write_text(
        "\n".join(GOLD_PATH.read_text(encoding="utf-8").splitlines()[:24]) + "\n", encoding="utf-8"
    )
    try:
        code = main(["--answerer", "generative", "--gold", str(gold), "--report-dir", str(reports)])
    finally:
        llm.stop()
    assert code == 0
    report = json.loads((reports / "eval-report.json").read_text(encoding="utf-8"))
    assert report["meta"]["answerer"] == "generative"
    answered = {q["id"]: q for q in report["questions"] if not q["abstained"]}
    assert report["meta"]["questions"] == 24
    assert len(llm.requests) >= len(answered) > 12
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
