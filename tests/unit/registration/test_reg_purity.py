"""The registration domain must stay framework-free: stdlib and icct26.domain only."""

import ast
import sys
from pathlib import Path

import icct26.domain.registration as registration

PACKAGE = Path(registration.__file__).parent


def offending_imports(path: Path) -> set[str]:
    """Absolute imports that are neither standard library nor `icct26.domain`."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return {
        module
        for module in modules
        if module.split(".")[0] not in sys.stdlib_module_names
        and module != "icct26.domain"
        and not module.startswith("icct26.domain.")
    }


def test_registration_domain_imports_only_stdlib_and_domain() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 6
    assert {f"{path.name}: {module}" for path in files for module in offending_imports(path)} == set()


def test_the_check_catches_framework_and_adapter_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import re\nimport msgspec\nfrom sqlalchemy import select\nfrom icct26.adapters import http\n"
        "from icct26.domain.errors import DomainError\nfrom litestar.exceptions import HTTPException\n"
    )
    assert offending_imports(bad) == {"msgspec", "sqlalchemy", "icct26.adapters", "litestar.exceptions"}
