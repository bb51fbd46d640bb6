"""The package's shape: data flows one way, and the pure layers stay free of I/O libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "statesync"

#: What each package may import from statesync (besides itself, errors and the version):
#: specs → documents → plans → apply → ledger and state, never back up the chain.
ALLOWED: dict[str, set[str]] = {
    "kinds": set(),
    "specs": {"diagnostics", "kinds"},
    "plans": {"kinds", "specs"},
    "state": {"kinds", "masking"},
    "remote": {"kinds"},
    "emulator": {"kinds", "remote"},
    "apply": {"kinds", "masking", "plans", "remote", "state"},
    "views": {"apply", "kinds", "masking", "plans"},
}
#: Entry points that are allowed to reach the CLI.
ENTRY_POINTS = {PACKAGE / "emulator" / "__main__.py"}


def _statesync_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "statesync":
                if len(parts) > 1:
                    found.add(parts[1])
                else:
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "statesync" and len(parts) > 1:
                    found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_data_flows_one_way(package: str) -> None:
    allowed = ALLOWED[package] | {package, "errors", "files", "__version__"}
    for path in sorted((PACKAGE / package).rglob("*.py")):
        if path in ENTRY_POINTS:
            continue
        reached = _statesync_imports(path) - allowed
        assert not reached, f"{path.relative_to(PACKAGE)} imports statesync.{sorted(reached)}"


def test_plans_import_neither_httpx_nor_sqlalchemy() -> None:
    code = (
        "import sys, statesync.plans, statesync.views; "
        "print(sorted(m for m in ('httpx', 'sqlalchemy', 'fastapi') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_only_the_cli_exits() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "cli"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "exit"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                pytest.fail(f"{path.relative_to(PACKAGE)} calls sys.exit")


def test_the_python_api_is_what_it_says() -> None:
    """The surface a user imports; a change to it is a deliberate, visible decision."""
    from statesync import api

    public = {name for name in vars(api) if not name.startswith("_") and callable(vars(api)[name])}
    assert set(api.__all__) <= public
    assert set(api.__all__) == {
        "ApplyResult",
        "Confirm",
        "apply",
        "environment",
        "plan",
        "plan_against",
        "record_plan",
        "release",
        "resume_jobs",
    }
