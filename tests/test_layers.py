"""Imports point one way only (cli -> figures -> meta), and `evsynth --help` imports nothing heavy."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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
    """`evsynth validate` runs on every edit: what it runs (the whole command, on the shipped base) stays free of
    numpy, pandas and scipy."""
    code = ("import sys\nfrom evsynth.cli.main import main\ntry:\n    main(['validate'])\nexcept SystemExit as e:\n"
            "    assert e.code in (0, None), e.code\nheavy = [m for m in ('numpy', 'pandas', 'scipy', 'matplotlib', "
            "'seaborn', 'statsmodels', 'pymare') if m in sys.modules]\nprint('heavy:' + ','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip().splitlines()[-1] == "heavy:", out


# inside meta/: imports point engine <- robustness <- review, inputs <- review (and inputs may use the engine's
# vocabulary); errors, jsonable and processes are shared by all; the public API (meta/api) may import everything,
# and nothing in meta imports it (nor its names through evsynth.meta's lazy hook)
PACKAGES = {
    "engine": {"inputs", "robustness", "review"},
    "inputs": {"robustness", "review"},
    "robustness": {"inputs", "review"},
    "review": set(),
    "api": set(),
}
NOBODY_IMPORTS = {"api"}
API_NAMES = {"escalc", "rma", "rma_mh", "rma_peto", "leave1out", "cumul", "influence", "regtest", "ranktest",
             "trimfill", "fragility", "tsa", "RMAResult", "RegressionFit", "SubgroupFit"}


def _meta_imports(path: Path) -> set[str]:
    """The sub-packages of meta a file imports (absolute or relative); a public-API name taken from
    `evsynth.meta` itself counts as importing `api`."""
    tree = ast.parse(path.read_text())
    own = path.parent.name
    depth = 1 if path.parent.name == "meta" else 2  # the level of `from .. import x` that reaches meta
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            if node.level == 0 and node.module and node.module.startswith("evsynth.meta."):
                found.add(node.module.split(".")[2])
            elif (node.level == 0 and node.module == "evsynth.meta") or (node.level == depth and not node.module):
                found.update(names & NOBODY_IMPORTS)
                found.update({"api"} if names & API_NAMES else set())
            elif node.level == 1 and depth == 2:
                found.add(own)
            elif node.level == depth and node.module:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("evsynth.meta."))
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_meta_sub_packages_import_one_way(package):
    offences = []
    for path in (ROOT / "meta" / package).rglob("*.py"):
        banned = PACKAGES[package] | (NOBODY_IMPORTS - {package})
        bad = _meta_imports(path) & banned
        offences += [f"{path.relative_to(ROOT)} imports meta.{b}" for b in sorted(bad)]
    assert offences == []


def test_nothing_else_in_meta_imports_the_public_api():
    offences = [f"{p.relative_to(ROOT)} imports meta.api" for p in (ROOT / "meta").glob("*.py")
                if p.name != "__init__.py" and _meta_imports(p) & NOBODY_IMPORTS]
    assert offences == []


def test_the_layer_check_sees_every_way_of_importing_the_api(tmp_path):
    for line in ("from evsynth.meta import rma", "from evsynth.meta.api import rma", "from .. import api",
                 "from ..api.fitting import rma", "import evsynth.meta.api", "from evsynth.meta import api"):
        path = tmp_path / "meta" / "engine" / "x.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(line + "\n")
        assert "api" in _meta_imports(path), line


def test_the_public_api_is_loaded_only_when_used():
    """`import evsynth.meta` (and its light modules) loads no numpy; the first API name used loads it."""
    assert heavy_modules_after("evsynth.meta, evsynth.meta.errors, evsynth.meta.jsonable") == ""
    code = ("import sys, evsynth.meta\nassert 'evsynth.meta.api' not in sys.modules\n"
            "from evsynth.meta import rma\nprint('numpy' in sys.modules, 'evsynth.meta.api' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_sub_package_opens_with_what_lives_there_and_what_it_may_import(package):
    doc = ast.get_docstring(ast.parse((ROOT / "meta" / package / "__init__.py").read_text())) or ""
    assert len(doc) > 200 and "import" in doc, doc
