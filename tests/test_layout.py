"""The package's shape: dependencies run one way, no import cycle, folders that follow the flow (#30).

Imports are read from the source (``ast``), those inside functions included: a lazy import
hides a cycle from Python, not from a reader.
"""

from __future__ import annotations

import ast
import tomllib
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from audit.registry import CATALOGUES

ROOT = Path(__file__).resolve().parents[1]
FLOW = {"synthesis", "run", "store", "judge", "output", "cli"}  # synthesis in -> run -> store -> judge -> output
SHARED = {"__init__", "__main__", "contract", "errors", "files", "profiles", "registry", "safe_yaml", "settings"}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = ROOT, packages: tuple[str, ...] = ("audit", "experiments")) -> dict[str, Path]:
    return {module_name(p, root): p for pkg in packages for p in (root / pkg).rglob("*.py")}


def imported(path: Path) -> set[str]:
    """Every module name an import statement in ``path`` names (``from a import b`` names a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def graph(root: Path = ROOT, packages: tuple[str, ...] = ("audit", "experiments")) -> dict[str, set[str]]:
    found = modules(root, packages)
    return {m: {n for n in imported(p) if n in found and n != m} for m, p in found.items()}


def test_no_import_cycle_even_through_imports_inside_functions():
    try:
        list(TopologicalSorter(graph()).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_the_cycle_check_sees_a_cycle_hidden_inside_functions(tmp_path):
    """The check above can fail: the graph it reads holds imports made inside functions, so two
    modules that import each other only there form a cycle."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg import b\n")
    (pkg / "b.py").write_text("def g():\n    import pkg.a\n")
    deps = graph(tmp_path, ("pkg",))
    assert deps["pkg.a"] >= {"pkg.b"} and deps["pkg.b"] >= {"pkg.a"}
    with pytest.raises(CycleError):
        list(TopologicalSorter(deps).static_order())


def test_experiments_use_audit_only_through_the_contract():
    for name, path in modules().items():
        if name.startswith("experiments"):
            wrong = {n for n in imported(path) if n.split(".")[0] == "audit" and not n.startswith("audit.contract")}
            assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}; import them from audit.contract"


def test_audit_never_imports_experiments():
    for name, path in modules().items():
        if name.startswith("audit"):
            wrong = {n for n in imported(path) if n.split(".")[0] == "experiments"}
            assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}; reach it by audit.registry.catalogue"


def test_the_catalogues_are_the_declared_entry_points():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["audit.catalogues"]
    assert declared == CATALOGUES


def test_every_catalogue_entry_resolves():
    from audit.registry import catalogue

    for name in CATALOGUES:
        assert catalogue(name) is not None


def test_audit_modules_sit_in_the_folder_of_their_step():
    for path in (ROOT / "audit").rglob("*.py"):
        rel = path.relative_to(ROOT / "audit").parts
        where = rel[0] if len(rel) > 1 else path.stem
        assert where in FLOW | SHARED, f"audit/{'/'.join(rel)}: put it in one of {sorted(FLOW)}"


def test_one_package_per_experiment():
    from audit.registry import catalogue

    for name, entry in catalogue("experiments").entries.items():
        parts = entry.partition(":")[0].split(".")
        assert len(parts) == 3 and (ROOT / parts[0] / parts[1] / "__init__.py").is_file(), f"{name}: {entry}"


def test_the_contract_door_names_each_thing_once_and_each_resolves():
    import audit.contract as door

    source = (ROOT / "audit" / "contract.py").read_text()
    imported_names = {
        a.asname or a.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("audit")
        for a in node.names
    }
    assert imported_names == set(door._DOOR) == set(door.__all__)
    for name in door.__all__:
        assert getattr(door, name) is not None
