"""The apps' layering (docs/architecture.md), read from the source: every import of a project
module, at the top of a module or inside a function, points down the layers, and no modules
import each other in a circle. A new upward import or circle fails here, naming the line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A module may import modules of its own app and of the layers below.
# ``contactcenter`` is split three ways: its infrastructure (settings, crypto, fields, events,
# publishing, Redis, ...) imports no app, so it sits beneath everything; its web helpers that
# know users and roles (WEB) sit just above accounts; its wiring (WIRING: URLs, ASGI, Celery,
# the socket consumer, the menu, the sweeper that resumes every app's work) imports the apps and
# is the top. The package's ``__init__`` loads the Celery app (Celery's Django pattern): wiring.
WEB = {"contactcenter.health", "contactcenter.sections", "contactcenter.views"}
WIRING = {
    "contactcenter",
    "contactcenter.asgi",
    "contactcenter.celery",
    "contactcenter.consumers",
    "contactcenter.menu",
    "contactcenter.routing",
    "contactcenter.sweeper",
    "contactcenter.urls",
    "contactcenter.wsgi",
}
LAYERS: list[set[str]] = [
    {"contactcenter"},  # infrastructure: every contactcenter module not in WEB or WIRING
    {"accounts"},
    {"web"},  # WEB
    {"providers"},
    {"campaigns"},
    {"agents"},
    {"conversations"},
    {"dialer", "recordings", "simulator"},  # siblings: none imports another
    {"reports"},  # reads the conversations' and the dialer's tables
    {"monitoring"},  # its URLs serve the Reports page
    {"wiring"},  # WIRING
]
APPS = set().union(*LAYERS) - {"web", "wiring"}
# Upward imports allowed on purpose, with the reason. None today.
ALLOWED: dict[tuple[str, str], str] = {}


def project_modules() -> dict[str, Path]:
    found = {}
    for app in sorted(APPS):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = project_modules()


def owner(name: str) -> str | None:
    """The project module an imported name belongs to (``dialer.models.SpoolRow`` ->
    ``dialer.models``), or None for anything outside the project."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(module: str) -> list[tuple[str, int]]:
    """Every project module ``module`` imports, top-level or inside functions, with the line;
    imports under ``if TYPE_CHECKING:`` are types, not imports, and are left out."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        if type_checking_only(node, parents):
            continue
        targets = {owner(n) for n in names} - {None, module}
        if isinstance(node, ast.ImportFrom) and len(targets) > 1:
            targets.discard(owner(base))  # ``from dialer import uploads``: the submodule only
        found += [(target, node.lineno) for target in sorted(targets)]
    return found


def layer_of(module: str) -> int:
    app = "wiring" if module in WIRING else "web" if module in WEB else module.split(".")[0]
    return next(i for i, apps in enumerate(LAYERS) if app in apps)


GRAPH = {module: imports_of(module) for module in MODULES}


def test_the_layers_cover_every_app_and_the_wiring_exists() -> None:
    installed = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert installed <= APPS, f"place these apps in LAYERS: {installed - APPS}"
    assert set(MODULES) >= WIRING | WEB, f"gone: {(WIRING | WEB) - set(MODULES)}"


def test_no_import_points_up_the_layers() -> None:
    upward = []
    for module, targets in GRAPH.items():
        for target, line in targets:
            same_app = module.split(".")[0] == target.split(".")[0] and layer_of(target) <= (
                layer_of(module)
            )
            if same_app or (module, target) in ALLOWED:
                continue
            if layer_of(target) > layer_of(module) or (
                layer_of(target) == layer_of(module) and module not in WIRING
            ):
                upward.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}")
    assert upward == [], "imports against the layering (docs/architecture.md):\n" + "\n".join(
        upward
    )


def import_circles() -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), each a circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target, _line in GRAPH[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return circles


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert import_circles() == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from dialer.sending import send_for\n", [("dialer.sending", 1)]),
        ("def f():\n    from campaigns import routing\n", [("campaigns.routing", 2)]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import dialer.models\n", []),
    ],
)
def test_the_reader_sees_function_level_imports_and_skips_type_only_ones(
    source: str, expected: list, tmp_path: Path
) -> None:
    module = "providers.layering_probe"
    MODULES[module] = tmp_path / "probe.py"
    MODULES[module].write_text(source)
    try:
        assert imports_of(module) == expected
    finally:
        del MODULES[module]


def test_services_publish_only_tasks_that_exist() -> None:
    """Services publish their own app's tasks by name (so they never import the tasks module
    that calls them): every name given must be a registered task."""
    from contactcenter.celery import app

    app.loader.import_default_modules()
    names = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", ""))
                in ("publish", "publish_on_commit")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.append((module, node.args[0].value))
    assert names, "no task published by name: the check has nothing to check"
    assert [(m, n) for m, n in names if n not in app.tasks] == []
