"""The shape of bot/: packages by role, imports one way (imports inside functions count), no circles, small
folders, no test doubles or private names crossing modules. Read with `ast`, nothing is imported."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

BOT = ROOT / "bot"
# top to bottom: a package may import its own modules and those of the packages below it, never above
LAYERS = ("cli", "web", "services", "jobs", "officials", "conversation", "zalo", "store", "knowledge", "ops")
PURE = ("conversation", "knowledge")  # they run the same in `python -m bot chat`: no web, Redis or HTTP client
IMPURE_LIBRARIES = ("flask", "redis", "requests", "rq", "werkzeug")
MAX_ROOT_FILES = 4
MAX_MODULES = 15


def module_name(path: Path) -> str:
    """bot/jobs/reply.py → bot.jobs.reply; a package's __init__.py is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def imports(name: str) -> list[tuple[str, int]]:
    """(imported name, line) for every import in a module, at any depth (functions, TYPE_CHECKING blocks)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names
                      if f"{base}.{alias.name}" in MODULES]
    return found


def graph() -> dict[str, set[str]]:
    """Module → the bot modules it imports."""
    return {name: {target for target, _ in imports(name) if target in MODULES and target != name}
            for name in MODULES}


def layer(name: str) -> int | None:
    """Index of the module's package in LAYERS (None for bot itself and bot.__main__, the entry points)."""
    parts = name.split(".")
    if len(parts) < 2 or parts[1] == "__main__":
        return None
    return LAYERS.index(parts[1])


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_every_package_is_a_known_layer() -> None:
    packages = {p.name for p in BOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS) - {"services"}


def test_no_import_circles() -> None:
    assert cycles(graph()) == []


def test_cycle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_run_down_the_layers() -> None:
    upward = [f"{a} imports {b}" for a, targets in graph().items() for b in sorted(targets)
              if layer(a) is not None and layer(b) is not None and layer(b) < layer(a)]
    assert upward == []


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_no_web_redis_or_http(package: str) -> None:
    edges = graph()
    reach = {n for n in MODULES if n.split(".")[1:2] == [package]}
    todo = list(reach)
    while todo:  # everything they import, transitively, inside bot
        for target in edges[todo.pop()]:
            if target not in reach:
                reach.add(target)
                todo.append(target)
    bad = [f"{n}:{line} imports {target}" for n in sorted(reach) for target, line in imports(n)
           if target.split(".")[0] in IMPURE_LIBRARIES]
    assert bad == []


def test_few_files_at_the_top_and_small_folders() -> None:
    assert len(list(BOT.glob("*.py"))) <= MAX_ROOT_FILES
    crowded = {str(d.relative_to(ROOT)): len(list(d.glob("*.py"))) for d in BOT.rglob("*") if d.is_dir()}
    assert {d: n for d, n in crowded.items() if n > MAX_MODULES} == {}


def test_no_private_names_cross_modules() -> None:
    bad = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot"):
                for alias in node.names:
                    if alias.name.startswith("_"):
                        bad.append(f"{name} imports {node.module}.{alias.name}")
                    if f"{node.module}.{alias.name}" in MODULES:
                        module_aliases.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in module_aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                bad.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert bad == []


def test_no_test_doubles_in_bot() -> None:
    doubles = [f"{name}.{node.name}" for name, path in MODULES.items()
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef) and node.name.startswith(("Fake", "Stub", "Recording", "Static", "Mock"))]
    assert doubles == []


def test_one_text_splitter() -> None:
    splitters = [name for name, path in MODULES.items()
                 for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.FunctionDef) and node.name == "split_text"]
    assert splitters == ["bot.zalo.messages"]
