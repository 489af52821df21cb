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
from .jsonout import clean, tool_version
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
    from evsynth.meta.pipeline import run_base

    base_dir = evidence_dir or default_base()
    if quiet:
        outcome = run_base(base_dir, tool_version())
    else:
        def progress(specs):
            with click.progressbar(specs, label="analyses", item_show_func=lambda s: s.id if s else "") as bar:
                yield from bar
        outcome = run_base(base_dir, tool_version(), progress)
    results = outcome.results
    analyses = results["analyses"]
    text = json.dumps(clean(results), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    _replace_dir(out_dir, {"results.json": text})
    if not quiet:
        counts = {}
        for v in outcome.verdicts:
            counts[v.status] = counts.get(v.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        click.echo(f"{len(analyses)} analyses, claims: {summary or 'none'} -> {out_dir / 'results.json'}")


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
