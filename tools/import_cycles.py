"""Count the import cycles among persona's modules (imports inside functions included), as
grimp, which import-linter builds on, reads them: each group of modules that import one
another in a circle, its size and the imports inside it. Run from the repository root:

    PYTHONPATH=$PWD python3 tools/import_cycles.py

`lint-imports` (tests/test_architecture.py) refuses any cycle; this script measures them."""

from __future__ import annotations

import sys

import grimp


def groups(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    modules = sorted(graph.modules)
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in imports[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for module in modules:
        if module not in index:
            visit(module)
    return found


def main() -> None:
    graph = grimp.build_graph("personas", "router", cache_dir=None)
    found = groups(graph)
    print(f"{len(graph.modules)} modules, {len(found)} import cycles")
    for group in found:
        inside = sum(len(set(graph.find_modules_directly_imported_by(m)) & set(group))
                     for m in group)
        print(f"- {len(group)} modules, {inside} imports: {' '.join(group)}")


if __name__ == "__main__":
    main()
