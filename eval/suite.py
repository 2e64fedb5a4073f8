"""Eval suites: a corpus with its questions and its gate, in one folder, run on an index of its own.

A suite is a folder holding ``suite.toml`` (``name``, ``description``; optionally the paths below,
relative to the folder), ``documents/`` (the corpus), ``gold.jsonl`` (the questions it is tuned
on), ``holdout.jsonl`` (optional: questions never tuned on) and ``gate.toml`` (the minimums).
The built-in suites are the folders of ``eval/suites/``; any folder in this format works, so that
users can gate their own corpus with ``sourcier eval --suite PATH``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parent / "suites"


class SuiteError(ValueError):
    """The suite cannot be found or its ``suite.toml`` is invalid."""


@dataclass(frozen=True, slots=True)
class Suite:
    name: str
    description: str
    root: Path
    documents: Path
    gold: Path
    holdout: Path | None
    gate: Path


def load_suite(root: Path) -> Suite:
    """The suite in folder ``root`` (its files must exist)."""
    manifest = root / "suite.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except OSError as error:
        raise SuiteError(f"{root} is not a suite: cannot read {manifest.name} ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise SuiteError(f"{manifest}: invalid TOML: {error}") from error
    name, description = data.get("name"), data.get("description", "")
    if not isinstance(name, str) or not name:
        raise SuiteError(f"{manifest}: 'name' (a non-empty string) is required")
    paths = {}
    for key, default in (("documents", "documents"), ("gold", "gold.jsonl"), ("gate", "gate.toml")):
        value = data.get(key, default)
        if not isinstance(value, str):
            raise SuiteError(f"{manifest}: '{key}' must be a path (a string)")
        path = (root / value).resolve()
        if not path.exists():
            raise SuiteError(f"{manifest}: {key} {path} does not exist")
        paths[key] = path
    holdout = (root / str(data.get("holdout", "holdout.jsonl"))).resolve()
    if "holdout" in data and not holdout.exists():
        raise SuiteError(f"{manifest}: holdout {holdout} does not exist")
    return Suite(
        name=name,
        description=str(description),
        root=root.resolve(),
        documents=paths["documents"],
        gold=paths["gold"],
        holdout=holdout if holdout.exists() else None,
        gate=paths["gate"],
    )


def builtin_suites() -> list[Suite]:
    """Every suite shipped in ``eval/suites/``, by name."""
    folders = sorted(p for p in BUILTIN_DIR.iterdir() if (p / "suite.toml").is_file())
    return [load_suite(p) for p in folders]


def find_suite(name_or_path: str) -> Suite:
    """A built-in suite by name, or the suite in a folder."""
    folder = BUILTIN_DIR / name_or_path
    if "/" not in name_or_path and (folder / "suite.toml").is_file():
        return load_suite(folder)
    path = Path(name_or_path)
    if path.is_dir():
        return load_suite(path)
    names = ", ".join(s.name for s in builtin_suites())
    raise SuiteError(f"no suite {name_or_path!r}: give a folder with a suite.toml or one of: {names}")
