"""The whole job on one evidence base: load and validate it, run every analysis, grade it, check every claim.

Used by `evsynth run` (which writes the results) and `evsynth check` (which reports the claims).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import CellProblem, SchemaError
from . import summary
from .checks import evaluate
from .claims import Verdict
from .analyses import load_analyses
from .load import load_inputs
from .plain import label_words, reason_words
from .results import SCHEMA_VERSION, AnalysisRun, EvidenceFingerprint, ReviewResults, RulesInfo
from .run import run_analysis

FREQUENCY_KEYS = ("very_common", "common", "uncommon", "rare")


@dataclass(frozen=True)
class Outcome:
    results: ReviewResults
    verdicts: tuple[Verdict, ...]
    base: object = None  # the EvidenceBase read (the report's reference list and PRISMA flow read it)


def run_base(base_dir: str | Path, version: str, progress=None, light: bool = False) -> Outcome:
    """`light`: only what the claims need (`evsynth check`); see run.run_analysis.

    Parameters
    ----------
    base_dir : str or Path
        The evidence base's folder.
    version : str
        The evsynth version, recorded in the results.
    progress : callable, optional
        ``progress(specs)`` wraps the analyses to iterate over them (e.g. a progress bar); None: no progress shown.
    light : bool
        Only what the claims need: no summary-of-findings rows or published meta-analyses either.

    Returns
    -------
    Outcome
        The results (every analysis run and graded, the claims' verdicts, doses and provenance) and the verdicts.

    Raises
    ------
    SchemaError
        The inputs do not validate (see :func:`load_inputs`), or an analysis's table, columns or filter do not fit.
    AnalysisError
        An analysis whose pooled result cannot be computed (see :func:`run_analysis`).
    """
    inputs = load_inputs(base_dir)
    base, specs, rules, claims = inputs.base, inputs.specs, inputs.rules, inputs.claims
    analyses = []
    index = {r.get("study_id", ""): r for t in base.tables for r in t.rows}
    for spec in (progress(specs) if progress else specs):
        a = run_analysis(base, spec, rules, light, inputs.methods)
        if not light:
            included = [index[e.row] for e in a.study_effects or () if e.row in index]
            a = replace(a, sof=summary.sof_row(a, included),
                        published=summary.published(spec, base, a) if a.result is not None else None)
        analyses.append(a)
    by_id = {a.id: a for a in analyses}
    ranges_table = next((t for t in base.tables if t.kind == "ranges"), None)
    ranges = {r["study_id"]: r for r in ranges_table.rows} if ranges_table else {}
    all_rows = tuple(r for t in base.tables for r in t.rows)
    verdicts = tuple(evaluate(c, by_id, ranges, rules, all_rows, inputs.about, base.pedro) for c in claims) \
        if rules is not None else ()
    results = ReviewResults(
        schema_version=SCHEMA_VERSION, tool=version, base=inputs.about,
        evidence=EvidenceFingerprint.from_dict(inputs.evidence),
        rules=None if rules is None else RulesInfo(rules.version, inputs.rules_sha256,
                                                   {k: rules.get("frequency", k) for k in FREQUENCY_KEYS},
                                                   label_words(rules), reason_words(rules)),
        analyses=tuple(analyses), claims=verdicts, doses=summary.dose_ranges(base),
        studies=summary.provenance(base, _used_rows(analyses, claims)))
    return Outcome(results, verdicts, base)


def _used_rows(analyses: list[AnalysisRun], claims) -> set[str]:
    """The rows whose provenance the report shows: the analyses', the published meta-analyses', and the rows the
    claims read (reported ranges, the ranges an any_within claim combines, a reported number's row)."""
    used = {r for a in analyses for r in a.rows}
    used |= {p.study_id for a in analyses for p in a.published or ()}
    used |= {c.range_row for c in claims if c.range_row} | {c.row for c in claims if c.row}
    return used | {x for c in claims if c.kind == "any_within" or (c.kind == "most_frequent" and c.range_row)
                   for x in c.among}


def run_one(base_dir: str | Path, analysis_id: str) -> AnalysisRun:
    """One analysis of the evidence base, graded (what `evsynth forest ID` and the other figure commands draw).

    Parameters
    ----------
    base_dir : str or Path
        The evidence base's folder.
    analysis_id : str
        The analysis's id in analyses.toml.

    Returns
    -------
    AnalysisRun
        The analysis run in full (not light), graded when the base has a rule set.

    Raises
    ------
    SchemaError
        No analysis `analysis_id`; the inputs do not validate; the analysis's table, columns or filter do not fit.
    AnalysisError
        The pooled result cannot be computed.
    """
    toml = Path(base_dir) / "analyses.toml"
    known = {s.id for s in load_analyses(toml, base_dir)} if toml.exists() else set()
    if analysis_id not in known:  # said first: the id is the likeliest mistake
        raise SchemaError([CellProblem(str(toml), None, None, f"no analysis {analysis_id!r} (there are: "
                                       f"{', '.join(sorted(known)) or 'none'})")])
    inputs = load_inputs(base_dir)
    return run_analysis(inputs.base, next(s for s in inputs.specs if s.id == analysis_id), inputs.rules,
                        methods=inputs.methods)
