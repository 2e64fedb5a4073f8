"""The layers point one way: an import from a lower layer into a higher one fails this test.

    sourcier (core: settings, documents, embedding, store, lexical, sentences)
      <- ingest
      <- server.engine (understand, retrieve, gather, decide, compose, cite; the service facade)
      <- server.api | ui | eval          (siblings: none imports another)
      <- sourcier_cli, bench             (composition roots: they wire everything)

Every import counts, including the lazy ones inside functions (they bend the layers just the same).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Each package and the first-party packages it must not import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "sourcier": ("ingest", "server", "ui", "eval", "bench", "sourcier_cli"),
    "ingest": ("server", "ui", "eval", "bench", "sourcier_cli"),
    "server.engine": ("server.api", "ui", "eval", "bench", "sourcier_cli"),
    "server.api": ("ui", "eval", "bench", "sourcier_cli"),
    "ui": ("server.api", "eval", "bench", "sourcier_cli"),
    "eval": ("server.api", "ui", "bench", "sourcier_cli"),
}
#: Known exceptions, each with its reason (none left: the chat works with the engine's types).
ALLOWED: dict[str, set[str]] = {}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # ``from server import api`` imports server.api
                yield node.lineno, f"{target}.{alias.name}"


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(
    root: Path, forbidden: Mapping[str, tuple[str, ...]], allowed: Mapping[str, set[str]]
) -> list[str]:
    """Every import under ``root`` that crosses a layer the wrong way, as "file:line: a -> b"."""
    found = []
    for layer, banned in forbidden.items():
        folder = root.joinpath(*layer.split("."))
        for path in sorted(folder.rglob("*.py")):
            module = module_name(path, root)
            for line, target in imports(path, module):
                for package in banned:
                    if within(target, package) and not any(
                        within(target, a) for a in allowed.get(module, set())
                    ):
                        found.append(f"{path.relative_to(root)}:{line}: {module} -> {target}")
    return sorted(set(found))


def test_no_import_points_up_a_layer() -> None:
    assert violations(ROOT, FORBIDDEN, ALLOWED) == []


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The check itself: a core module importing the engine, lazily and relatively, is caught."""
    (tmp_path / "sourcier").mkdir()
    (tmp_path / "server" / "engine").mkdir(parents=True)
    (tmp_path / "sourcier" / "__init__.py").write_text("")
    (tmp_path / "sourcier" / "store.py").write_text(
        "from sourcier import config\n\ndef f():\n    from server.engine.service import Sourcier\n"
    )
    (tmp_path / "server" / "engine" / "pipeline.py").write_text(
        "from ..api import schemas\nfrom sourcier.store import f\n"
    )
    assert violations(tmp_path, FORBIDDEN, {}) == [
        "server/engine/pipeline.py:1: server.engine.pipeline -> server.api",
        "server/engine/pipeline.py:1: server.engine.pipeline -> server.api.schemas",
        "sourcier/store.py:4: sourcier.store -> server.engine.service",
        "sourcier/store.py:4: sourcier.store -> server.engine.service.Sourcier",
    ]


def test_the_layers_cover_every_package() -> None:
    """A new top-level package must be placed in the layers (or be a composition root)."""
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    placed = {layer.split(".")[0] for layer in FORBIDDEN} | {"sourcier_cli", "bench"}
    assert packages <= placed, packages - placed
