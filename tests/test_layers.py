"""Imports point one way only (cli -> figures -> meta), and `evsynth --help` imports nothing heavy."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "meta": {"click", "matplotlib", "seaborn", "evsynth.cli", "evsynth.figures"},
    "figures": {"click", "evsynth.cli"},
    "cli": set(),
}
ADAPTER_ONLY = {"pymare", "statsmodels"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_layers_import_one_way():
    offences = []
    for layer, banned in FORBIDDEN.items():
        for path in (ROOT / layer).rglob("*.py"):
            for name in imported_modules(path):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []


def test_pymare_and_statsmodels_only_in_the_adapter():
    offences = []
    for layer in FORBIDDEN:
        for path in (ROOT / layer).rglob("*.py"):
            if path.name == "adapters.py":
                continue
            for name in imported_modules(path):
                if name.split(".")[0] in ADAPTER_ONLY:
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []


def heavy_modules_after(imports: str) -> str:
    """The heavy libraries a fresh interpreter has loaded after `import <imports>`."""
    code = (
        f"import sys, {imports}\n"
        "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'matplotlib', 'seaborn', 'statsmodels', 'pymare')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_importing_the_cli_loads_nothing_heavy():
    assert heavy_modules_after("evsynth.cli.main") == ""


def test_validating_an_evidence_base_loads_nothing_heavy():
    """`evsynth validate` runs on every edit: its modules stay free of numpy, pandas and scipy."""
    assert heavy_modules_after("evsynth.cli.validate, evsynth.meta.evidence") == ""
