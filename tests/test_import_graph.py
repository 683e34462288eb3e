"""The import graph of the app (core and desktop UI) has no circles.

A circle (``a`` imports ``b`` which imports ``a``, often hidden in a function-level import)
means neither module can be read, tested or moved alone. Imports under ``TYPE_CHECKING`` do not
run and are left out. The layering itself is in import-linter's contracts (pyproject.toml).
"""

from __future__ import annotations

import grimp


def import_cycles(*packages: str) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan), sorted."""
    graph = grimp.build_graph(
        *packages, include_external_packages=False, exclude_type_checking_imports=True
    )
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative Tarjan: no recursion limit on deep graphs
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
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
                    found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(found)


def test_core_and_ui_have_no_import_circles() -> None:
    assert import_cycles("clinician_desk", "ui") == []
