"""The schedule domain stays framework-free: only the standard library and icct26.domain."""

import ast
import sys
from pathlib import Path

import icct26.domain.schedule as schedule

PACKAGE = Path(schedule.__file__).parent


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


def test_schedule_domain_imports_only_stdlib_and_domain() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 5

    foreign = {
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if not (
            name.split(".")[0] in sys.stdlib_module_names
            or name == "__future__"
            or name.startswith("icct26.domain.")
        )
    }

    assert foreign == set()
