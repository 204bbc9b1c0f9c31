"""One composition root: the runtime (node/runtime.py) builds every service; routes get them
only through the ``Annotated`` dependencies of node/api/deps.py.

Held by reading the source (no app is built): a route module that reads ``app.state``,
builds a class the runtime builds, or asks the runtime for a service deps.py provides fails
here, naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "node" / "api"
ROUTE_MODULES = sorted([*API.glob("routes_*.py"), API / "learner_http.py"])


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), filename=str(path))


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _runtime_builds() -> set[str]:
    """The node's classes node/runtime.py constructs (``X(...)``, ``X.build(...)``,
    ``X.from_settings(...)``), exceptions left out: raising one is no wiring."""
    tree = _tree(ROOT / "node" / "runtime.py")
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("node.", "vc."))
        for alias in node.names
    }
    raised = {
        _called_name(node.exc)
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
    }
    built: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id[:1].isupper():
            built.add(func.id)
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in ("build", "from_settings")
            and isinstance(func.value, ast.Name)
        ):
            built.add(func.value.id)
    return (built & imported) - {name for name in raised if name}


def _deps_services() -> set[str]:
    """The runtime's methods node/api/deps.py exposes as dependencies (``runtime.x()``)."""
    (runtime_class,) = (
        node
        for node in _tree(ROOT / "node" / "runtime.py").body
        if isinstance(node, ast.ClassDef) and node.name == "NodeRuntime"
    )
    methods = {node.name for node in runtime_class.body if isinstance(node, ast.FunctionDef)}
    names: set[str] = set()
    for node in ast.walk(_tree(API / "deps.py")):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "runtime"
        ):
            names.add(node.func.attr)
    return names & methods


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def test_the_rules_see_what_they_hold() -> None:
    # The checks below are only as good as these sets: they must name the services.
    built = _runtime_builds()
    for name in ("WalletOffers", "Governance", "MemberDirectory", "Learners", "KeyRotation"):
        assert name in built
    assert {
        "wallet_offers",
        "governance",
        "members",
        "learners",
        "key_rotation",
    } <= _deps_services()
    assert len(ROUTE_MODULES) > 10


def _is_app(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "app"


def _reads_app_state(node: ast.AST) -> bool:
    """``….app.state`` or ``getattr(….app, …)``."""
    if isinstance(node, ast.Attribute):
        return node.attr == "state" and _is_app(node.value)
    if isinstance(node, ast.Call) and _called_name(node) == "getattr":
        return any(_is_app(arg) for arg in node.args)
    return False


def test_no_route_module_reads_app_state() -> None:
    found = [
        _where(path, node)
        for path in ROUTE_MODULES
        for node in ast.walk(_tree(path))
        if _reads_app_state(node)
    ]
    assert found == [], "only node/api/deps.py reads app.state"


def test_no_route_module_builds_a_service() -> None:
    built = _runtime_builds()
    found = []
    for path in ROUTE_MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call):
                name = _called_name(node)
                if name in built or (name or "").endswith("Service"):
                    found.append(f"{_where(path, node)} {name}(…)")
    assert found == [], "routes get services from node/api/deps.py, the runtime builds them"


def test_no_route_module_asks_the_runtime_for_a_service() -> None:
    services = _deps_services()
    found = []
    for path in ROUTE_MODULES:
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in services
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "runtime"
            ):
                found.append(f"{_where(path, node)} runtime.{node.func.attr}()")
    assert found == [], "declare the service's dependency from node/api/deps.py instead"


def test_only_deps_reads_the_runtime_from_the_app() -> None:
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "node").rglob("*.py"))
        if "app.state" in path.read_text("utf-8") and path.name != "app.py"
    ]
    assert readers == ["node/api/deps.py"]


def test_the_network_does_not_import_the_runtime() -> None:
    # The runtime builds the network's services (governance, key rotation): never the
    # other way round, or the two import each other.
    found = []
    for path in sorted((ROOT / "node" / "network").rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("node.runtime"):
                found.append(_where(path, node))
            if isinstance(node, ast.Import) and any(
                a.name.startswith("node.runtime") for a in node.names
            ):
                found.append(_where(path, node))
    assert found == []
