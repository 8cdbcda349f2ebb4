"""The package layout of DESIGN.md: a package imports only those below it."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {                     # package -> the packages of ours it may import
    "runtime": set(),
    "prover": {"runtime"},
    "translator": {"runtime"},
    "zkaot": {"runtime", "prover", "translator"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_packages_below_it(package):
    wrong = {str(p.relative_to(ROOT)): sorted(_imports(p) - ALLOWED[package] - {package})
             for p in (ROOT / package).rglob("*.py")}
    assert not {k: v for k, v in wrong.items() if v}
