"""`evsynth diff OLD NEW`: what a change to the evidence did to the analyses and the claims.

OLD and NEW are results snapshots (results.json from `evsynth run`), evidence base folders (run here), or git
revisions of this repository (`evsynth diff main HEAD`): the evidence folder at each revision is run here.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import handle_errors
from .jsonout import clean, tool_version


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--evidence", "evidence_dir", default="evidence/baclofen", show_default=True,
              help="With git revisions: the evidence base's folder inside the repository.")
@handle_errors
def diff(old, new, fmt, evidence_dir):
    """Per analysis: the change in estimate, CI, significance, certainty and label; per claim: its status.

    OLD and NEW: results.json snapshots, evidence base folders, or git revisions (e.g. main HEAD).
    """
    from evsynth.meta.diffing import diff_results

    d = diff_results(_load(old, evidence_dir), _load(new, evidence_dir))
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


def _load(spec: str, evidence_dir: str) -> dict:
    from evsynth.meta.errors import CellProblem, SchemaError

    path = Path(spec)
    if path.is_dir():
        return _run(path)
    if not path.exists():
        return _at_revision(spec, evidence_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SchemaError([CellProblem(str(path), None, None, f"not a results.json snapshot: {exc}")]) from None


def _run(base: Path) -> dict:
    from evsynth.meta.pipeline import run_base

    return clean(run_base(base, tool_version()).results)


def _at_revision(rev: str, evidence_dir: str) -> dict:
    """Run the evidence base as it was at a git revision (extracted with git archive into a temporary folder)."""
    import subprocess
    import tarfile
    import tempfile

    from evsynth.meta.errors import CellProblem, SchemaError

    top = Path(evidence_dir).parts[0]
    try:
        root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                              check=True).stdout.strip()
        # the revision is resolved to a commit id first, and after --end-of-options: "--output=FILE" is a name to
        # look up, never an option of git's
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                                 f"{rev}^{{commit}}"], capture_output=True, text=True, check=True).stdout.strip()
        blob = subprocess.run(["git", "-C", root, "archive", "--format=tar", "--end-of-options", commit, top],
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        detail = detail.decode("utf-8", "replace").strip() if isinstance(detail, bytes) else str(detail).strip()
        raise SchemaError([CellProblem(rev, None, None, "neither a file, a folder nor a git revision of this "
                                       f"repository{f' ({detail})' if detail else ''}")]) from None
    with tempfile.TemporaryDirectory() as tmp:
        import io

        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            tar.extractall(tmp, filter="data")
        return _run(Path(tmp) / evidence_dir)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list) and len(v) > 6:
        return f"[{len(v)} items]"
    return str(v)
