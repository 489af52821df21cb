"""`evsynth diff OLD NEW`: what a change to the evidence did to the analyses and the claims.

OLD and NEW are results snapshots (results.json from `evsynth run`), evidence base folders (run here), or git
revisions of this repository (`evsynth diff main HEAD`): the evidence folder at each revision is run here. A git
revision is the committed state: `evsynth diff main evidence/<base>` compares the base at main with the folder as it
is now, uncommitted edits included; when a revision is compared and the folder has uncommitted changes that no side
sees, a warning says so.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from evsynth.meta.errors import EvidenceError
from evsynth.meta.inputs import textfiles

from .errors import echo, handle_errors
from .jsonout import tool_version

HELP = """Per analysis: the change in effect (natural scale, with its measure: "RR 1.92 (0.36 to 10.2)"), k,
p-value, heterogeneity, significance, certainty, label and its reason codes, fragility index, robustness flips
(leave-one-out and other estimators) and subgroup results; per claim: its status.

\b
OLD and NEW are each:
  a results.json snapshot (from evsynth run),
  an evidence base folder (run here, as it is now, uncommitted edits included),
  or a git revision of this repository (main, HEAD, HEAD~1, a tag): the evidence
  folder as committed at that revision, run here.

\b
  evsynth diff main HEAD                 the base at main against the last commit
  evsynth diff main evidence/BASE        the base at main against the folder as it
                                         is now: what your uncommitted edits change
  evsynth diff old/results.json new/results.json

With a revision, --evidence names the base's folder inside the repository (default: the one evidence base under
evidence/). A revision never sees uncommitted edits: when the folder has some and no side is the folder itself, a
warning on stderr says so.
"""


class _DiffCommand(click.Command):
    """`evsynth diff`, whose help names the evidence base found here (evidence/<base>) in its examples."""

    def format_help_text(self, ctx, formatter) -> None:
        """The help text, with evidence/BASE replaced by the evidence base found from the working folder."""
        try:
            here = _default_rel()
        except (OSError, EvidenceError):  # several bases: the placeholder stays
            here = ""
        if here.startswith("evidence/") and here.count("/") == 1:
            self.help = HELP.replace("evidence/BASE       ", here.ljust(len("evidence/BASE       ")))
        super().format_help_text(ctx, formatter)


@click.command(cls=_DiffCommand, help=HELP)
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--evidence", "evidence_dir", default=None,
              help="With git revisions: the evidence base's folder inside the repository [default: the one evidence "
                   "base under evidence/].")
@handle_errors
def diff(old, new, fmt, evidence_dir):
    from evsynth.meta.review.diffing import diff_results

    if evidence_dir is None:
        evidence_dir = _default_rel()
    d = diff_results(_load(old, evidence_dir), _load(new, evidence_dir))
    for line in _uncommitted_warning((old, new), evidence_dir):
        echo(line, err=True)
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
        for line in analysis_lines(a):
            echo("  " + line)
    for c in d["claims"]:
        echo(f"claim {c['id']}: {c['old']} -> {c['new']}  ({c['old_found']} -> {c['new_found']})")


# raw fields the context lines show better (natural scale, with the reason codes ...)
SHOWN_BY_CONTEXT = {"estimate", "ci_low", "ci_high", "label", "label.reasons", "certainty", "fragility.index",
                    "robustness.flips", "subgroups"}
CONTEXT_NAMES = {"effect": "effect", "label": "label", "reasons": "reason codes", "certainty": "certainty",
                 "fragility": "fragility index", "flips": "robustness flips", "subgroups": "subgroups"}


def analysis_lines(a: dict) -> list[str]:
    """The lines `evsynth diff` prints for one changed analysis: its effect, the raw fields that changed, then
    label, reason codes, certainty, fragility, flips and subgroups, each "old -> new" or "(unchanged)"."""
    context = a.get("context", {})
    lines = []
    if "effect" in context:
        lines.append(_pair("effect", context["effect"]))
    for key, v in a["fields"].items():
        if key not in SHOWN_BY_CONTEXT:
            lines.append(f"{key}: {_fmt(v['old'])} -> {_fmt(v['new'])}")
    for key in ("label", "reasons", "certainty", "fragility", "flips"):
        if key in context:
            lines.append(_pair(CONTEXT_NAMES[key], context[key]))
    if "subgroups" in context:
        lines.extend(_subgroup_lines(context["subgroups"]))
    return lines


def _pair(name: str, v: dict) -> str:
    old, new = v["old"], v["new"]
    sep = ", " if name == "reason codes" else "; "
    if old == new:
        return f"{name}: {_text(old, sep)} (unchanged)"
    extra = ""
    if isinstance(old, list) and isinstance(new, list) and name == "reason codes":
        added = [c for c in new if c not in old]
        removed = [c for c in old if c not in new]
        extra = "  (" + "; ".join(p for p in (f"added {', '.join(added)}" if added else "",
                                              f"removed {', '.join(removed)}" if removed else "") if p) + ")"
    return f"{name}: {_text(old, sep)} -> {_text(new, sep)}{extra}"


def _subgroup_lines(v: dict) -> list[str]:
    old, new = v["old"] or [], v["new"] or []
    if old == new:
        return ["subgroups (unchanged):", *("  " + s for s in old)]
    key = lambda s: s.split(":", 1)[0]  # noqa: E731 - "dose_group = low", "test for subgroup differences"
    before, after = {key(s): s for s in old}, {key(s): s for s in new}
    lines = ["subgroups:"]
    for k in dict.fromkeys([*before, *after]):
        b, n = before.get(k), after.get(k)
        if b == n:
            lines.append(f"  {b} (unchanged)")
        else:
            rest = lambda s: s.split(":", 1)[1].strip() if s else "(none)"  # noqa: E731
            lines.append(f"  {k}: {rest(b)} -> {rest(n)}")
    return lines


def _text(v, sep: str = "; ") -> str:
    if v is None:
        return "(none)"
    if isinstance(v, list):
        return sep.join(map(str, v)) if v else "none"
    return str(v)


def _uncommitted_warning(specs: tuple[str, str], evidence_dir: str) -> list[str]:
    """Lines for stderr when a side is a git revision and the evidence folder has uncommitted changes: a warning
    when no side is the folder itself (the diff does not see them), else a note of what each side is."""
    revisions = [s for s in specs if not Path(s).exists()]
    if not revisions:
        return []
    root = _repo_root()
    if root is None:
        return []
    changed = _uncommitted(root, evidence_dir)
    if not changed:
        return []
    folder = (Path(root) / evidence_dir).resolve()
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    revs = " and ".join(dict.fromkeys(revisions))
    if any(Path(s).is_dir() and Path(s).resolve() == folder for s in specs):
        return [f"note: {revs} is the committed state of {evidence_dir}; the folder {evidence_dir} is the working "
                f"tree, with its uncommitted changes ({shown})"]
    return [f"warning: {evidence_dir} has uncommitted changes ({shown}) that this diff does not see: a git revision "
            f"({revs}) is the committed state. To compare with them, name the folder: evsynth diff {revisions[0]} "
            f"{evidence_dir}"]


def _repo_root() -> str | None:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                              check=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def _uncommitted(root: str, evidence_dir: str) -> list[str]:
    """The files under the evidence folder (and its rule set) that differ from HEAD or are untracked."""
    import subprocess

    rel = Path(evidence_dir)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return []
    try:
        out = subprocess.run(["git", "-C", root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                              rel.as_posix(), (rel.parent / "grading.toml").as_posix()],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    entries = [e for e in out.split("\0") if e]
    files, skip = [], False
    for e in entries:
        if skip:  # the source path of a rename
            skip = False
            continue
        files.append(e[3:])
        skip = e[0] in "RC"
    return files


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
