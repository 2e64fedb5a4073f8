"""``bench.full_corpus``'s pure parts: the index comparison and the reading of the CLI's output."""

from __future__ import annotations

import pytest

from bench.full_corpus import compare_index, parse_progress, parse_summary, text_sha
from ingest.pipeline import IngestReport
from sourcier_cli import commands

EXPECTED = {
    "a": [("a0", text_sha("un")), ("a1", text_sha("deux"))],
    "b": [("b0", text_sha("trois"))],
}


def stored_as_expected() -> dict[str, list[tuple[str, int, str]]]:
    return {
        doc: [(cid, pos, sha) for pos, (cid, sha) in enumerate(chunks)] for doc, chunks in EXPECTED.items()
    }


def records_as_expected() -> dict[str, list[str]]:
    return {doc: [cid for cid, _ in chunks] for doc, chunks in EXPECTED.items()}


def test_an_index_as_its_files_give_it_passes() -> None:
    check = compare_index(EXPECTED, stored_as_expected(), records_as_expected())
    assert check.ok
    assert check.as_dict() == {
        "ok": True,
        "docs_expected": 2,
        "docs_stored": 2,
        "chunks_expected": 3,
        "chunks_stored": 3,
        **dict.fromkeys(check.PROBLEMS, 0),
    }


def test_what_a_bad_resume_would_leave_is_found() -> None:
    stored = stored_as_expected()
    records = records_as_expected()
    # b's record was never written (killed before its commit marker), and one chunk of a is gone
    del records["b"]
    stored["a"] = [c for c in stored["a"] if c[0] != "a1"]
    # an older version of b's chunk left beside the new one, at the same position
    stored["b"].append(("b0-old", 0, text_sha("trois, avant")))
    # a record and chunks of a document whose file is not there
    records["gone"] = ["g0"]
    stored["gone"] = [("g0", 0, text_sha("quatre"))]
    check = compare_index(EXPECTED, stored, records)
    assert not check.ok
    assert check.missing_docs == ["b"]
    assert check.extra_docs == ["gone"]
    assert check.missing_chunks == ["a/a1"]
    assert check.stale_chunks == ["b/b0-old", "gone/g0"]
    assert check.duplicate_chunks == ["b/position 0"]
    assert check.record_mismatch == []
    summary = check.as_dict(examples=1)
    assert summary["stale_chunks"] == 2 and summary["stale_chunks_examples"] == ["b/b0-old"]


def test_a_changed_text_a_moved_chunk_and_a_wrong_record_are_found() -> None:
    stored = stored_as_expected()
    stored["a"] = [("a0", 0, text_sha("UN")), ("a1", 0, text_sha("deux"))]
    records = records_as_expected()
    records["b"] = ["b0", "b1"]
    check = compare_index(EXPECTED, stored, records)
    assert check.changed_chunks == ["a/a0", "a/a1"]
    assert check.duplicate_chunks == ["a/position 0"]
    assert check.record_mismatch == ["b"]


def test_the_cli_summary_table_is_read_back(capsys: pytest.CaptureFixture[str]) -> None:
    report = IngestReport(files=50, added=46, unchanged=4, chunks_written=3093, seconds=179.24)
    commands._print_summary(report)
    printed = capsys.readouterr().out
    assert parse_summary(printed) == {
        "files": 50,
        "added": 46,
        "updated": 0,
        "unchanged": 4,
        "removed": 0,
        "failed": 0,
        "chunks_written": 3093,
        "seconds": 179.2,
    }
    assert parse_summary("Chargement du modèle…") is None


def test_the_progress_bar_is_read_through_its_redraws() -> None:
    # as rich redraws it into a pipe with TTY_COMPATIBLE/TTY_INTERACTIVE (from a real run's log)
    stream = (
        "\x1b[?25l\r\x1b[2K\x1b[1mIngestion\x1b[0m \x1b[38;5;237m━━━━\x1b[0m  3/50 0:01:33 "
        "lilypond-doc-fr_000213.txt\r\x1b[2K\x1b[1mIngestion\x1b[0m ━━━━━━━━━━━━━━   35/50 0:01:34 "
        "libreoffice-help-fr_002464.txt"
    )
    assert parse_progress(stream) == (35, 50)
    assert parse_progress("\x1b[2K⠋ Chargement du modèle de plongement…") is None
