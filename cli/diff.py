"""`evsynth diff OLD NEW`: what a change to the evidence did to the analyses and the claims.

OLD and NEW are results snapshots (results.json from `evsynth run`) or evidence base folders (run here).
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import handle_errors


@click.command()
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def diff(old, new, fmt):
    """Per analysis: the change in estimate, CI, significance, certainty and label; per claim: its status."""
    from evsynth.meta.diffing import diff_results

    d = diff_results(_load(old), _load(new))
    if fmt == "json":
        click.echo(json.dumps(d, indent=2, ensure_ascii=False, default=str))
        return
    if not d["analyses"] and not d["claims"]:
        click.echo("no change in any analysis or claim")
        return
    for a in d["analyses"]:
        if "change" in a:
            click.echo(f"analysis {a['id']}: {a['change']}")
            continue
        click.echo(f"analysis {a['id']}:")
        for key, v in a["fields"].items():
            click.echo(f"  {key}: {_fmt(v['old'])} -> {_fmt(v['new'])}")
    for c in d["claims"]:
        click.echo(f"claim {c['id']}: {c['old']} -> {c['new']}  ({c['old_found']} -> {c['new_found']})")


def _load(path: Path) -> dict:
    from evsynth.meta.errors import CellProblem, SchemaError

    if path.is_dir():
        from evsynth.meta.pipeline import run_base

        from .run import _clean, _version

        return _clean(run_base(path, _version()).results)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError([CellProblem(str(path), None, None, f"not a results.json snapshot: {exc}")]) from None


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list) and len(v) > 6:
        return f"[{len(v)} items]"
    return str(v)
