"""No private name is used across modules, anywhere in the repository.

ruff's SLF001 (pyproject.toml) catches ``module._name`` and ``obj._attr``; this test catches
the other way in: ``from module import _name``. A private module (``_helpers.py``) may be
imported by the modules of its own package, as its name says; a name another module needs
is public (or moves where both can import it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("node", "vc", "anchoring", "wallet_bridge", "contracts", "tests", "bench")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _sources() -> Iterator[Path]:
    for top in FIRST_PARTY:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).parts
            if not any(part == "node_modules" or part.startswith(".") for part in relative):
                yield path


def _first_party(module: str, importer: Path) -> bool:
    top = module.split(".")[0]
    # bench/ scripts import their siblings by file name (`from verify import ...`)
    return top in FIRST_PARTY or (importer.parent / f"{top}.py").is_file()


def _package_of(path: Path) -> tuple[str, ...]:
    return path.relative_to(ROOT).parts[:-1]


def _misuses(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and not _first_party(module, path):
                continue
            for alias in node.names:
                if _private(alias.name):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}: {module} import {alias.name}"
            modules = [module] if node.level == 0 else []
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names if _first_party(a.name, path)]
        else:
            continue
        for dotted in modules:
            parts = tuple(dotted.split("."))
            for index, part in enumerate(parts):
                if _private(part) and parts[:index] != _package_of(path):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}: private module {dotted}"


def test_no_private_name_is_imported_from_another_module() -> None:
    misuses = [misuse for path in _sources() for misuse in _misuses(path)]
    assert not misuses, "\n".join(misuses)
