"""The shape of the house (docs/architecture.md), checked on the real import graph.

``lint-imports`` (import-linter, run by ./scripts/test) enforces the layers between and inside the
apps; these tests add what a layer contract cannot say: no import cycle between any two modules of
the project (a lazy import inside a function counts; imports under ``TYPE_CHECKING`` do not), and no
module longer than the house's limit. Each check is also run on a graph with one bad import added,
so a check that cannot fail would fail here.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("curhat", "tickets", "channels", "officials", "reports")
# Split a module by concept when it passes this (DESIGN §2); generated migrations are exempt.
MAX_MODULE_LINES = 400


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def import_cycles(modules: Iterable[str], imported_by: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative), each sorted."""
    modules = sorted(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(sorted(imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return sorted(cycles)


def project_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    modules = {m for m in graph.modules if m.split(".")[0] in PACKAGES and ".migrations" not in m}
    return import_cycles(modules, lambda m: graph.find_modules_directly_imported_by(m) & modules)


def test_cycle_finder_finds_a_cycle_and_only_cycles():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert import_cycles(edges, lambda m: edges[m]) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules(graph):
    assert project_cycles(graph) == []


def test_an_added_back_import_is_reported_as_a_cycle():
    """The check sees the real graph: the core importing an adapter that imports it is a cycle."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    graph.add_import(importer="tickets.ingest", imported="channels.processing")
    assert any({"tickets.ingest", "channels.processing"} <= set(cycle) for cycle in project_cycles(graph))


def project_modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_no_module_over_the_limit():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in project_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def test_the_core_imports_no_other_app(graph):
    """The same rule as the first import-linter contract, asserted here too so that pytest alone
    shows it: adapters and the other apps depend on ``tickets``, never the reverse."""
    edges = {
        (importer, imported)
        for importer in graph.find_descendants("tickets") | {"tickets"}
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.split(".")[0] in {"channels", "officials", "reports"}
    }
    assert edges == set()


def test_import_linter_contracts_hold():
    """``lint-imports`` with the contracts in pyproject.toml (layers, independence, acyclic siblings)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_every_part_of_tickets_has_a_layer(graph):
    """A new module or sub-package of tickets must be placed in a layer, or the contract would
    not constrain it at all."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "tickets-layered"]
    placed = {name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")}
    parts = {module.split(".")[1] for module in graph.find_children("tickets")} - {"migrations"}
    assert parts - placed == set()
    assert placed - parts == set()
