"""The whole job on one evidence base: load and validate it, run every analysis, grade it, check every claim.

Used by `evsynth run` (which writes the results) and `evsynth check` (which reports the claims).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import summary
from .analyses import load_analyses
from .analysis_run import run_analysis
from .claims import Verdict, evaluate, load_claims
from .errors import CellProblem, ProblemList, SchemaError
from .evidence import load_base
from .fingerprint import file_digest, fingerprint
from .grading import Rules, load_rules
from .textfiles import reading_log

FREQUENCY_KEYS = ("very_common", "common", "uncommon", "rare")


@dataclass(frozen=True)
class Outcome:
    results: dict  # JSON-ready: tool, evidence, rules, analyses, claims
    verdicts: tuple[Verdict, ...]


def rules_path(base_dir: Path) -> Path:
    """The rule set beside the evidence base (evidence/grading.toml for evidence/baclofen)."""
    return Path(base_dir).parent / "grading.toml"


@dataclass(frozen=True)
class Inputs:
    """Everything an evidence base's run reads, read once, with the digest of each file as it was read."""

    base: object  # EvidenceBase
    specs: tuple
    rules: Rules | None
    claims: tuple
    evidence: dict  # fingerprint: sha256 and the files read
    rules_sha256: str | None


def load_inputs(base_dir: str | Path) -> Inputs:
    """Read and validate the base, its analyses, claims and rule set, and fingerprint the bytes that were read
    (before any analysis runs, so a file changed during the run cannot change what results say they used)."""
    base_dir = Path(base_dir)
    problems: list[CellProblem] = ProblemList()

    def attempt(load, *args):
        """Every file is read and checked, so one report lists the problems of all of them."""
        try:
            return load(*args)
        except SchemaError as exc:
            problems.extend(exc.problems)
            problems.more += exc.more
            return None

    with reading_log() as log:
        base = attempt(load_base, base_dir)
        toml = base_dir / "analyses.toml"
        if not toml.exists() and not toml.is_symlink():
            problems.append(CellProblem(str(toml), None, None, "no analyses.toml in the evidence base"))
            specs = ()
        else:
            specs = attempt(load_analyses, toml, base_dir)
        rpath = rules_path(base_dir)
        rules: Rules | None = attempt(load_rules, rpath, base_dir.parent) if rpath.exists() else None
        claims_path = base_dir / "claims.toml"
        claims = ()
        if claims_path.exists() and specs is not None:
            claims = attempt(load_claims, claims_path, {s.id for s in specs}, base_dir)
    if problems:
        raise SchemaError(problems)
    return Inputs(base, specs, rules, claims, fingerprint(log, base_dir), file_digest(log, rpath))


def run_base(base_dir: str | Path, version: str, progress=None, light: bool = False) -> Outcome:
    """`light`: only what the claims need (`evsynth check`); see analysis_run.run_analysis."""
    inputs = load_inputs(base_dir)
    base, specs, rules, claims = inputs.base, inputs.specs, inputs.rules, inputs.claims
    analyses = []
    index = {r.get("study_id", ""): r for t in base.tables for r in t.rows}
    for spec in (progress(specs) if progress else specs):
        a = run_analysis(base, spec, rules, light)
        if light:
            analyses.append(a)
            continue
        included = [index[e["row"]] for e in a.get("study_effects", []) if e.get("row") in index]
        a["sof"] = summary.sof_row(a, included)
        if "result" in a:
            a["published"] = [p | {"why": summary.compare(a, p)} for p in summary.published(spec, base)]
        analyses.append(a)
    by_id = {a["id"]: a for a in analyses}
    ranges_table = next((t for t in base.tables if t.kind == "ranges"), None)
    ranges = {r["study_id"]: r for r in ranges_table.rows} if ranges_table else {}
    all_rows = tuple(r for t in base.tables for r in t.rows)
    verdicts = tuple(evaluate(c, by_id, ranges, rules, all_rows) for c in claims) if rules is not None else ()
    results = {
        "tool": version,
        "evidence": inputs.evidence,
        "rules": None if rules is None else {"version": rules.version, "sha256": inputs.rules_sha256,
                                             "frequency": {k: rules.get("frequency", k) for k in FREQUENCY_KEYS}},
        "analyses": analyses,
        "claims": [v.to_dict() for v in verdicts],
        "doses": [d.__dict__ for d in summary.dose_ranges(base)],
        "studies": summary.provenance(base, _used_rows(analyses, claims)),
    }
    return Outcome(results, verdicts)


def _used_rows(analyses: list[dict], claims) -> set[str]:
    """The rows whose provenance the report shows: the analyses', the published meta-analyses' and the reported
    ranges the claims read."""
    used = {r for a in analyses for r in a.get("rows", [])}
    used |= {p["study_id"] for a in analyses for p in a.get("published", [])}
    return used | {c.range_row for c in claims if c.range_row}


def run_one(base_dir: str | Path, analysis_id: str) -> dict:
    """One analysis of the evidence base, graded (what `evsynth forest ID` and the other figure commands draw)."""
    base_dir = Path(base_dir)
    toml = base_dir / "analyses.toml"
    if not toml.exists():
        raise SchemaError([CellProblem(str(toml), None, None, "no analyses.toml in the evidence base")])
    specs = {s.id: s for s in load_analyses(toml, base_dir)}
    if analysis_id not in specs:
        raise SchemaError([CellProblem(str(toml), None, None, f"no analysis {analysis_id!r} (there are: "
                                       f"{', '.join(sorted(specs))})")])
    base = load_base(base_dir)
    rpath = rules_path(base_dir)
    rules = load_rules(rpath, base_dir.parent) if rpath.exists() else None
    return run_analysis(base, specs[analysis_id], rules)
