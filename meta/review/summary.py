"""What the evidence summary shows beside each analysis: the summary-of-findings row (GRADEpro layout), the
published meta-analyses of the same outcome, the doses seen in the trials, and where each study's numbers come
from. Pure computation on the results and the evidence rows; `evsynth run` stores it in results.json and the
report renders it.
"""
from __future__ import annotations

import math

from ..engine.distributions import zero_events_upper
from ..engine.results import MetaResult
from ..inputs.evidence import EvidenceBase
from ..inputs.numbers import cell_number
from .analyses import AnalysisSpec
from .findings import Downgrade, DoseRange, Provenance, Published, SofRow
from .protocol import Bound
from .wording import duration_text
from .results import AnalysisRun

PROVENANCE = ("source", "doi", "pmid", "url", "location", "quote", "derived")


def _per_1000(risk: float) -> float:
    return 1000.0 * risk


def sof_row(run: AnalysisRun, rows: list[dict]) -> SofRow | None:
    """One summary-of-findings row: outcome, follow-up, the comparator's risk and the risk with the intervention per
    1000 (for RR, the comparator's pooled risk times the pooled ratio and its CI, at most 1000; for OR and Peto's
    OR, through the odds), the relative effect, participants (studies), certainty with the reason for each
    downgrade. None for vote counts.

    Parameters
    ----------
    run : AnalysisRun
        The analysis, graded or not.
    rows : list of dict
        The evidence rows of its included studies (for the follow-up in weeks).

    Returns
    -------
    SofRow or None
        The row (a single-arm rate: the pooled proportion per 1000 and no relative effect; other measures: no risks);
        None when there is no pooled result.
    """
    res = run.result
    if res is None:
        return None
    data = [e.data for e in run.study_effects or ()]
    back = res.back
    weeks = sorted({w for w in (cell_number(r.get("duration_weeks", "")) for r in rows) if w == w})
    follow_up = duration_text(weeks[0], weeks[-1]) if weeks else "not reported"
    participants = (int(sum(d["n_t"] + d["n_c"] for d in data)) if data and "n_t" in data[0] else
                    int(sum(d["n"] for d in data)) if data and "n" in data[0] else None)
    natural = (back.estimate, back.ci_low, back.ci_high) if back else (res.estimate, res.ci_low, res.ci_high)
    control, per_1000, relative = None, None, natural
    if data and "events_c" in data[0] and res.scale == "log" and res.measure in ("RR", "OR", "PETO"):
        cr = sum(d["events_c"] for d in data) / sum(d["n_c"] for d in data)
        control = _per_1000(cr)
        per_1000 = tuple(_per_1000(_apply(res.measure, cr, x)) for x in natural)
    elif data and "events" in data[0] and back:
        per_1000, relative = tuple(_per_1000(x) for x in natural), None
        if participants and not any(d["events"] for d in data):  # none had it: 0 and its exact upper limit, not
            per_1000 = (0.0, 0.0, _per_1000(zero_events_upper(participants)))  # the continuity-corrected rate
    cert = run.certainty
    rd = _risk_difference(res, data, run.study_effects) if control == 0 else None
    return SofRow(run.id, run.title, res.k, res.measure, follow_up, participants, control, per_1000, relative,
                  cert.level if cert else None,
                  tuple(Downgrade(d.domain, d.change, d.reason) for d in (cert.judgements if cert else ()) if d.change),
                  run.label.label if run.label else None, trials=run.trials, start=cert.start if cert else None,
                  risk_difference_per_1000=rd)


def _risk_difference(res, data: list[dict], effects) -> tuple[float, ...] | None:
    """The pooled risk difference per 1000 and its CI (same method and test as the analysis), for a table whose
    comparator arms hold no events; None when it cannot be fitted."""
    from ..engine.choices import Measure, Method, Test
    from ..engine.model import Model
    from ..errors import AnalysisError
    from ..robustness.refits import fit_table

    cols = {c: [d[c] for d in data] for c in ("events_t", "n_t", "events_c", "n_c")}
    method = Method(res.method) if res.method in {m.value for m in Method} and res.method not in ("MH", "PETO") \
        else Method.REML
    try:
        rd = fit_table(cols, [e.study for e in effects], Model(Measure.RD, method, Test(res.test)), tau2_ci=False)
    except (AnalysisError, ValueError):
        return None
    return tuple(1000 * x for x in (rd.estimate, rd.ci_low, rd.ci_high))


def _apply(measure: str, cr: float, ratio: float) -> float:
    """The risk with the intervention implied by the comparator's risk and a pooled ratio (GRADEpro's)."""
    if ratio is None or not math.isfinite(ratio):
        return float("nan")
    if measure == "RR":
        return min(cr * ratio, 1.0)
    odds = cr / (1 - cr) * ratio  # OR, Peto OR
    return odds / (1 + odds)


def published(spec: AnalysisSpec, base: EvidenceBase, ours: AnalysisRun) -> tuple[Published, ...]:
    """Published meta-analyses (tables/meta_analyses.csv) of the same outcome: the rows that match the analysis'
    filter on the columns that table has (outcome, condition, comparator ...).

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis (its protocol's criteria and filter; design and numeric bounds are not compared).
    base : EvidenceBase
        The evidence base.
    ours : AnalysisRun
        The analysis's run.

    Returns
    -------
    tuple of Published
        Each matching row with why it may differ from ours; () when there is no meta_analyses table, the filter names
        no outcome, or the analysis has no pooled result.
    """
    table = next((t for t in base.tables if t.kind == "meta_analyses"), None)
    criteria = {col: values for col, values in spec.criteria.items()  # the protocol's and the `where` filter's
                if col != "design" and not any(isinstance(v, Bound) for v in values)}
    if table is None or "outcome" not in criteria or ours.result is None:
        return ()
    fields = [f for f in Published.__dataclass_fields__ if f != "why"]
    return tuple(Published(**{k: r.get(k, "") for k in fields}, why=tuple(compare(ours.result, r)))
                 for r in table.rows
                 if all(r.get(col) in values for col, values in criteria.items() if col in r))


def compare(res: MetaResult, theirs: dict) -> list[str]:
    """Why a published pooled result may differ from ours: the trials, the measure and the model.

    Parameters
    ----------
    res : MetaResult
        Our pooled result.
    theirs : dict
        The published meta-analysis's row (tables/meta_analyses.csv, cells as text).

    Returns
    -------
    list of str
        The reasons, in words: a different number of trials (or none recorded), a different measure, and our model.
    """
    why = []
    k = cell_number(theirs.get("k", ""))
    if k == k and int(k) != res.k:
        why.append(f"different trials: {int(k)} in the review, {res.k} here")
    elif k != k:
        why.append("the review's number of trials is not recorded")
    if theirs.get("measure") and theirs["measure"] != res.measure:
        why.append(f"different measure: {theirs['measure']} there, {res.measure} here")
    why.append(f"our model: {res.method} with {'Hartung-Knapp' if res.test == 'knha' else res.test} CI")
    return why


def dose_ranges(base: EvidenceBase) -> tuple[DoseRange, ...]:
    """The doses the evidence base's rows report, per route and unit (the documents' dosing table, from data).

    Parameters
    ----------
    base : EvidenceBase
        The evidence base (meta_analyses and ranges tables are not read).

    Returns
    -------
    tuple of DoseRange
        Per (route, unit), sorted: the lowest and highest dose, the rows and the trials reporting one.
    """
    groups: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for t in base.tables:
        if t.kind in ("meta_analyses", "ranges"):
            continue
        for r in t.rows:
            dose = cell_number(r.get("dose", ""))
            if dose == dose and r.get("route") and r.get("dose_unit"):
                groups.setdefault((r["route"], r["dose_unit"]), []).append((dose, r.get("trial", "")))
    return tuple(DoseRange(route, unit, min(d for d, _ in v), max(d for d, _ in v), len(v), len({t for _, t in v}))
                 for (route, unit), v in sorted(groups.items()))


def provenance(base: EvidenceBase, study_ids: set[str]) -> dict[str, Provenance]:
    """Where each used row's numbers come from: the source key, DOI/PMID/URL, the place in it and the quote.

    Parameters
    ----------
    base : EvidenceBase
        The evidence base.
    study_ids : set of str
        The rows used.

    Returns
    -------
    dict of str to Provenance
        By study_id, sorted.
    """
    out = {}
    for t in base.tables:
        for r in t.rows:
            sid = r.get("study_id", "")
            if sid in study_ids:
                out[sid] = Provenance(t.kind, r.get("study", ""), *(r.get(k, "") for k in PROVENANCE))
    return dict(sorted(out.items()))
