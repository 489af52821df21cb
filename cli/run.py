"""`evsynth run`: validate the evidence base, run every analysis of analyses.toml, write results.json.

Outputs are written to a temporary folder beside --out and moved into place only when complete, so bad input
or a crash leaves the previous build as it was.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import click

from .errors import handle_errors
from .paths import default_base


@click.command()
@click.option("--evidence", "evidence_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Evidence base (tables/, sources.bib, analyses.toml) [default: the shipped baclofen base].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("build"),
              show_default=True, help="Folder for results.json (replaced only when the new build is complete).")
@click.option("--quiet", is_flag=True, help="No progress on the console.")
@handle_errors
def run(evidence_dir, out_dir, quiet):
    """Run every analysis of the evidence base and write OUT/results.json."""
    from evsynth.meta.analyses import load_analyses
    from evsynth.meta.analysis_run import run_analysis
    from evsynth.meta.errors import CellProblem, SchemaError
    from evsynth.meta.evidence import load_base
    from evsynth.meta.fingerprint import fingerprint, fingerprint_file
    from evsynth.meta.grading import load_rules

    base_dir = evidence_dir or default_base()
    base = load_base(base_dir)
    toml = Path(base_dir) / "analyses.toml"
    if not toml.is_file():
        raise SchemaError([CellProblem(str(toml), None, None, "no analyses.toml in the evidence base")])
    specs = load_analyses(toml)
    rules_path = Path(base_dir).parent / "grading.toml"
    rules = load_rules(rules_path) if rules_path.is_file() else None
    if quiet:
        analyses = [run_analysis(base, spec, rules) for spec in specs]
    else:
        with click.progressbar(specs, label="analyses", item_show_func=lambda s: s.id if s else "") as bar:
            analyses = [run_analysis(base, spec, rules) for spec in bar]
    results = {"tool": _version(), "evidence": fingerprint(Path(base_dir)),
               "rules": None if rules is None else {"version": rules.version, **fingerprint_file(rules_path)},
               "analyses": analyses}
    text = json.dumps(_clean(results), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    _replace_dir(out_dir, {"results.json": text})
    if not quiet:
        click.echo(f"{len(analyses)} analyses -> {out_dir / 'results.json'}")


def _version() -> str:
    from importlib.metadata import version

    return version("evsynth")


def _clean(x):
    if isinstance(x, float):
        return x if x == x and x not in (float("inf"), float("-inf")) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _replace_dir(out_dir: Path, files: dict[str, str]) -> None:
    """Write the files into a fresh temporary folder beside out_dir, then swap it in."""
    out_dir = Path(out_dir)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a build folder is for reading
    try:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
            os.replace(out_dir, old / out_dir.name)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
