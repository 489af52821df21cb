"""`evsynth diff OLD NEW`: what a change to the evidence did to the analyses and the claims.

OLD and NEW are results snapshots (results.json from `evsynth run`), evidence base folders (run here), or git
revisions of this repository (`evsynth diff main HEAD`): the evidence folder at each revision is run here.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import echo, handle_errors
from evsynth.meta.inputs import textfiles
from .jsonout import tool_version


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--evidence", "evidence_dir", default=None,
              help="With git revisions: the evidence base's folder inside the repository [default: the one evidence "
                   "base under evidence/].")
@handle_errors
def diff(old, new, fmt, evidence_dir):
    """Per analysis: the change in estimate, CI, significance, certainty and label; per claim: its status.

    OLD and NEW: results.json snapshots, evidence base folders, or git revisions (e.g. main HEAD).
    """
    from evsynth.meta.review.diffing import diff_results

    if evidence_dir is None:
        evidence_dir = _default_rel()
    d = diff_results(_load(old, evidence_dir), _load(new, evidence_dir))
    if fmt == "json":
        echo(json.dumps(d, indent=2, ensure_ascii=False, default=str))
        return
    if not d["analyses"] and not d["claims"]:
        echo("no change in any analysis or claim")
        return
    for a in d["analyses"]:
        if "change" in a:
            echo(f"analysis {a['id']}: {a['change']}")
            continue
        echo(f"analysis {a['id']}:")
        for key, v in a["fields"].items():
            echo(f"  {key}: {_fmt(v['old'])} -> {_fmt(v['new'])}")
    for c in d["claims"]:
        echo(f"claim {c['id']}: {c['old']} -> {c['new']}  ({c['old_found']} -> {c['new_found']})")


def _default_rel() -> str:
    """The default evidence base, relative to the working folder (evidence/<base>)."""
    import os

    from .paths import default_base

    return Path(os.path.relpath(default_base(), Path.cwd())).as_posix()


def _load(spec: str, evidence_dir: str) -> dict:
    from evsynth.meta.errors import CellProblem, SchemaError

    path = Path(spec)
    if path.is_dir():
        return _run(path)
    if not path.exists():
        return _at_revision(spec, evidence_dir)
    from evsynth.meta.inputs.textfiles import read_text

    try:
        doc = json.loads(read_text(path))
    except ValueError as exc:
        raise SchemaError([CellProblem(str(path), None, None, f"not a results.json snapshot: {exc}")]) from None
    return _snapshot(doc, str(path))


def _snapshot(doc, name: str):
    """A results.json document as ReviewResults, checked against its JSON Schema first (so a wrong shape is named
    precisely, never met as a crash)."""
    from evsynth.meta.errors import CellProblem, SchemaError
    from evsynth.meta.review.results import SCHEMA_VERSION, ReviewResults
    from evsynth.meta.review.schema import schema_problem

    version = doc.get("schema_version") if isinstance(doc, dict) else None
    if isinstance(doc, dict) and version != SCHEMA_VERSION:
        raise SchemaError([CellProblem(name, None, "schema_version", f"a snapshot of schema {version or 1}, not "
                                       f"{SCHEMA_VERSION}: run that evidence again with this evsynth (evsynth diff "
                                       "accepts evidence folders and git revisions too)")])
    why = schema_problem(doc)
    if why:
        raise SchemaError([CellProblem(name, None, None, f"not a results.json snapshot: {why}")])
    return ReviewResults.from_dict(doc)


def _run(base: Path):
    from evsynth.meta.review.pipeline import run_base

    return run_base(base, tool_version()).results


def _at_revision(rev: str, evidence_dir: str) -> dict:
    """Run the evidence base as it was at a git revision (extracted with git archive into a temporary folder)."""
    import subprocess
    import tarfile
    import tempfile

    from evsynth.meta.errors import CellProblem, SchemaError

    rel = Path(evidence_dir)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise SchemaError([CellProblem("--evidence", None, None, f"{evidence_dir!r}: with git revisions, the evidence "
                                       "base's folder inside the repository, as a relative path without '..'")])
    wanted = [rel.as_posix(), (rel.parent / "grading.toml").as_posix()]  # the base and its rule set, nothing else
    try:
        root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                              check=True).stdout.strip()
        # the revision is resolved to a commit id first, and after --end-of-options: "--output=FILE" is a name to
        # look up, never an option of git's
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                                 f"{rev}^{{commit}}"], capture_output=True, text=True, check=True).stdout.strip()
        present = subprocess.run(["git", "-C", root, "ls-tree", "--name-only", "--end-of-options", commit, "--",
                                  *wanted], capture_output=True, text=True, check=True).stdout.split()
        blob = _archive(root, commit, present or wanted[:1])
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        detail = detail.decode("utf-8", "replace").strip() if isinstance(detail, bytes) else str(detail).strip()
        raise SchemaError([CellProblem(rev, None, None, "neither a file, a folder nor a git revision of this "
                                       f"repository{f' ({detail})' if detail else ''}")]) from None
    with tempfile.TemporaryDirectory() as tmp:
        import io

        try:
            with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
                big = [m.name for m in tar.getmembers() if m.size > textfiles.MAX_BYTES]  # read now: tests patch it
                if big:
                    raise SchemaError([CellProblem(f"{rev}:{big[0]}", None, None, f"is larger than {textfiles.MAX_BYTES} "
                                                   "bytes, the limit for an evidence file")])
                tar.extractall(tmp, filter="data")
        except tarfile.FilterError as exc:
            raise SchemaError([CellProblem(f"{rev}:{evidence_dir}", None, None, f"holds a link or file that would "
                                           f"leave the evidence base ({exc})")]) from None
        return _run(Path(tmp) / evidence_dir)


ARCHIVE_LIMIT = 1 << 30  # the whole evidence base at one revision, as a tar stream


def _archive(root: str, commit: str, paths: list[str]) -> bytes:
    """`git archive` of `paths` at `commit`, read up to ARCHIVE_LIMIT bytes (a huge file in history costs no more)."""
    import subprocess

    from evsynth.meta.errors import CellProblem, SchemaError

    proc = subprocess.Popen(["git", "-C", root, "archive", "--format=tar", "--end-of-options", commit, *paths],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    data = proc.stdout.read(ARCHIVE_LIMIT + 1)
    if len(data) > ARCHIVE_LIMIT:
        proc.kill()
        proc.wait()
        raise SchemaError([CellProblem(commit, None, None, f"the evidence base at this revision is larger than "
                                       f"{ARCHIVE_LIMIT} bytes")])
    err = proc.stderr.read()
    if proc.wait() != 0:
        raise subprocess.CalledProcessError(proc.returncode, "git archive", stderr=err)
    return data


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list) and len(v) > 6:
        return f"[{len(v)} items]"
    return str(v)
