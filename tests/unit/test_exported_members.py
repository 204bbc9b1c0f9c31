"""The libraries' public API is what their ``__all__`` says (as httpx's test of its exports).

Every module and package of ``vc``, ``anchoring`` and ``wallet_bridge`` declares ``__all__``.
A module's ``__all__`` is the set of public names it defines (a new public function that is
not listed, or a listed name that is gone, fails here); a package's is the set of public
names it exposes (re-exports). Imported helpers stay out: a name is exported by the module
that defines it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

LIBRARIES = ("vc", "anchoring", "wallet_bridge")


def _modules() -> list[str]:
    names = []
    for library in LIBRARIES:
        package = importlib.import_module(library)
        names.append(library)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, library + ".")]
    return sorted(names)


def _defined_names(module: ModuleType) -> set[str]:
    """Public names bound at the top level of the module's source (not imported)."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def _exposed_names(package: ModuleType) -> set[str]:
    """Public names of a package's namespace, less its submodules."""
    return {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }


@pytest.mark.parametrize("name", _modules())
def test_all_names_the_public_api(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{name} declares no __all__"
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    missing = [member for member in exported if not hasattr(module, member)]
    assert not missing, f"{name}.__all__ lists names it does not have: {missing}"
    is_package = hasattr(module, "__path__")
    public = _exposed_names(module) if is_package else _defined_names(module)
    assert set(exported) == public


def test_the_libraries_import_nothing_of_the_node() -> None:
    for name in _modules():
        module = importlib.import_module(name)
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = [node.module or ""]
            else:
                continue
            assert not [t for t in targets if t == "node" or t.startswith("node.")], name
