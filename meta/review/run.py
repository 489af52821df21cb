"""One analysis of analyses.toml, run in full: the pooled result (or the vote count) and its robustness
(leave-one-out, cumulative, influence, small-study effects, subgroups, meta-regression, trial sequential analysis,
fragility, the conclusion's robustness), graded, as an AnalysisRun.

A step that cannot be computed for these data (too few studies, no counts, a cost above its cap) is recorded as
Skipped with the reason instead of stopping the run: a reader sees why it is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..engine.distributions import norm_isf
from ..engine.effects import Effects, row_effects
from ..engine.model import Model, kind_of
from ..engine.regression import design_matrix, meta_regression
from ..engine.subgroups import subgroup_analysis
from ..engine.votes import vote_count
from ..errors import AnalysisError
from ..inputs.evidence import EvidenceBase
from ..inputs.numbers import cell_number
from ..inputs.risk_of_bias import rob_columns
from ..inputs.secondary import secondary_by_url, secondary_source
from ..robustness.conclusion import conclusion_robustness
from ..robustness.fragility import fragility
from ..robustness.refits import Refit, Skipped, cumulative, fit_table, influence, leave_one_out
from ..robustness.small_study import small_study_effects
from ..robustness.trial_sequential import run_tsa
from .analyses import AnalysisSpec
from .design import finish, narrow, plan_design, sensitivity
from .grading import Facts, certainty, certainty_votes, frequency, label, label_votes, secondary_share
from .results import AnalysisRun, Frequency, LeftOut, MetaRegressionRun, RegressionPoint, StudyEffect
from .rules import Rules
from .methods import Methods
from .selection import Selection, select

MAX_REFIT_K = 1000  # leave-one-out, cumulative and influence refit k analyses of up to k studies: O(k^2)


def run_analysis(base: EvidenceBase, spec: AnalysisSpec, rules: Rules | None = None,
                 light: bool = False, methods: Methods | None = None) -> AnalysisRun:
    """Run one analysis. `light`: only what the grading and the claims read (`evsynth check`): no cumulative
    analysis, influence diagnostics, TSA, or small-study tests other than Egger's.

    Parameters
    ----------
    base : EvidenceBase
        The evidence base.
    spec : AnalysisSpec
        The analysis.
    rules : Rules, optional
        The rule set; None: not graded (no certainty, label or frequency words).
    light : bool
        See above.
    methods : Methods, optional
        The base's design-aware pooling choices (base.toml [methods]; None: the defaults), applied to the selected
        rows before anything is fitted (see :func:`design.plan_design`).

    Returns
    -------
    AnalysisRun
        The pooled result (or vote count) and every robustness step; a step that cannot be computed is Skipped with
        its reason.

    Raises
    ------
    SchemaError
        The analysis's table, a column it names, or the rows its filter selects do not exist (see :func:`select`).
    AnalysisError
        The pooled result cannot be computed (e.g. no study has an effect size).
    """
    sel = select(base, spec)
    if spec.synthesis == "vote_count":
        votes = vote_count([{**r, "p": cell_number(r.get("p"))} for r in sel.rows])
        share = secondary_share(_secondary(base, sel.rows), [cell_number(r.get("n_total")) for r in sel.rows])[0]
        if rules is None:
            return AnalysisRun(**_head(spec, sel), notes=sel.notes or None, votes=votes)
        c = certainty_votes(votes, _vote_facts(sel.rows, spec, base), rules)
        return AnalysisRun(**_head(spec, sel), notes=sel.notes or None, votes=votes, certainty=c,
                           label=label_votes(votes, rules, share, c))
    methods = methods or Methods()
    plan = plan_design(sel.rows, sel.columns, sel.study, spec.model, methods)
    sel = narrow(sel, plan)
    head = _head(spec, sel)
    model = plan.model
    kind = kind_of(model.measure)
    pooled = _named(finish(fit_table(sel.columns, sel.study, model), plan), sel.rows)
    inc = _included(sel, model)
    order = None if all(x != x for x in sel.order) else _filled(sel.order)
    skip = _refits_skipped(len(sel.study))
    loo = _step(lambda: tuple(_refit(r) for r in leave_one_out(sel.columns, sel.study, model)), skip)
    frag = _step(lambda: fragility(sel.columns, sel.study, model)) if kind == "binary" else None
    run = AnalysisRun(
        **head, result=pooled,
        notes=(tuple(sel.notes or ()) + (_subgroup_note(inc, spec.by) if spec.by else ())) or sel.notes,
        design=_design(plan, sel, methods, light),
        study_effects=_study_effects(inc, sel, model, base), leave_one_out=loo,
        cumulative=None if light else _step(
            lambda: tuple(_refit(r) for r in cumulative(sel.columns, sel.study, model, order)), skip),
        influence=None if light else (Skipped("influence diagnostics need an inverse-variance model")
                                      if model.counts_based else
                                      _step(lambda: influence(sel.columns, sel.study, model), skip)),
        small_study_effects=small_study_effects(
            inc.effects, model.method, model.test, model.level, egger_only=light,
            n_total=(sel.columns["n_t"] + sel.columns["n_c"])[inc.kept] if kind == "binary" else None,
            cells=sel.columns if kind == "binary" else None),
        subgroups=_step(lambda: _subgroups(inc, plan.effects_model, spec.by)) if spec.by else None,
        meta_regression=_step(lambda: _regression(inc, plan.effects_model, spec.moderator)) if spec.moderator
        else None,
        tsa=None if spec.tsa is None or light else _step(lambda: _tsa(sel, model, spec, order)),
        fragility=frag,
        robustness=None if kind == "proportion" else conclusion_robustness(
            sel.columns, sel.study, plan.effects_model, pooled, loo, getattr(frag, "index", None)),
    )
    return _graded(run, sel, inc, spec, rules, base) if rules is not None else run


def _head(spec: AnalysisSpec, sel: Selection) -> dict:
    """What every analysis reports first: what it is, the rows it takes, and the PRISMA counts."""
    return {"id": spec.id, "title": spec.title, "table": spec.table, "where": dict(spec.criteria),
            "outcome_kind": spec.outcome_kind,
            "rows": tuple(r.get("study_id", "") for r in sel.rows), "trials": sel.trials,
            "candidates": sel.candidates, "excluded": sel.excluded}


def _design(plan, sel: Selection, methods: Methods, light: bool):
    """The design record of results.json, with the crossover sensitivity analysis (not in a light run)."""
    if plan.report is None or light:
        return plan.report
    found = sensitivity(plan, sel.study, methods)
    return plan.report if found is None else replace(plan.report, sensitivity=found)


def _graded(run: AnalysisRun, sel: Selection, inc: "_Included", spec: AnalysisSpec, rules: Rules,
            base: EvidenceBase) -> AnalysisRun:
    """The run with its certainty, label and (for a rate) CIOMS frequency words."""
    facts = _facts(sel, inc, spec.model, run, spec, base)
    c = certainty(facts, rules)
    back = run.result.back
    freq = None
    if kind_of(spec.model.measure) == "proportion" and back is not None:
        freq = Frequency(back.estimate, frequency(back.estimate, rules), frequency(back.ci_low, rules),
                         frequency(back.ci_high, rules))
    return replace(run, certainty=c, label=label(facts, c, rules), frequency=freq)


def _tsa(sel: Selection, model: Model, spec: AnalysisSpec, order):
    t = spec.tsa
    return run_tsa(sel.columns, sel.study, model, order, rrr=t.rrr, control_risk=t.control_risk,
                   mean_difference=t.mean_difference, sd=t.sd, alpha=t.alpha, power=t.power)


@dataclass(frozen=True)
class _Included:
    """The studies an analysis pools: their effect sizes, which selected rows they are, and those rows."""

    effects: Effects
    kept: np.ndarray  # over the selected rows
    rows: tuple[dict, ...]


def _included(sel: Selection, model: Model) -> _Included:
    per_row = row_effects(model.measure, sel.columns, model.zero_cells)
    kept = per_row.reason == ""
    effects = per_row.select(list(sel.study), np.arange(len(sel.study)))
    return _Included(effects, kept, tuple(r for r, k in zip(sel.rows, kept) if k))


def _facts(sel: Selection, inc: _Included, model: Model, run: AnalysisRun, spec: AnalysisSpec,
           base: EvidenceBase) -> Facts:
    """What the grading rules look at, from the selected rows and the results computed above (risk of bias from
    risk_of_bias.csv when it judges a row's trial and outcome, else the row's rob_overall)."""
    kind = kind_of(model.measure)
    rows = inc.rows
    cols = {c: v[inc.kept] for c, v in sel.columns.items()}
    if kind == "proportion":
        participants, events = cols["n"], float(cols["events"].sum())
    elif kind in ("binary", "continuous"):
        participants = cols["n_t"] + cols["n_c"]
        events = float(cols["events_t"].sum() + cols["events_c"].sum()) if kind == "binary" else None
    else:
        participants, events = [float("nan")] * len(rows), None
    res = run.result
    comparative = kind in ("binary", "continuous", "generic")
    # conclusions that flip under leave-one-out or another estimator or test (for a single-arm rate, p tests 50%:
    # not a conclusion)
    flips = len(run.robustness.flips) if comparative and run.robustness is not None else 0
    egger = run.small_study_effects.egger
    return Facts(
        comparative=comparative, ratio=res.scale == "log", binary=kind == "binary", k=res.k,
        designs=tuple(r.get("design", "") for r in rows), participants=tuple(float(x) for x in participants),
        rob=tuple(rob_columns(base.risk_of_bias, r).get("rob_overall", "") for r in rows),
        secondary=_secondary(base, rows), yi=tuple(float(x) for x in inc.effects.yi),
        estimate=res.estimate, ci_low=res.ci_low, ci_high=res.ci_high, pvalue=res.pvalue, i2=res.i2, events=events,
        control_risk=float(cols["events_c"].sum() / cols["n_c"].sum()) if kind == "binary" else None,
        egger_p=getattr(egger, "pvalue", None) if res.k >= 10 else None,
        fragility=getattr(run.fragility, "index", None), loo_flips=flips, overrides=spec.grade,
    )


def _vote_facts(rows, spec: AnalysisSpec, base: EvidenceBase) -> Facts:
    """What the grading of a vote count looks at: one entry per trial (its first row, the row that votes)."""
    first: dict[str, dict] = {}
    for r in rows:
        first.setdefault(r.get("trial") or r.get("study_id", ""), r)
    rows = tuple(first.values())
    nan = float("nan")
    return Facts(comparative=True, ratio=False, binary=False, k=len(rows),
                 designs=tuple(r.get("design", "") for r in rows),
                 participants=tuple(float(cell_number(r.get("n_total"))) for r in rows),
                 rob=tuple(rob_columns(base.risk_of_bias, r).get("rob_overall", "") for r in rows),
                 secondary=_secondary(base, rows), yi=(), estimate=nan, ci_low=nan, ci_high=nan, pvalue=None,
                 i2=None, overrides=spec.grade)


ARM_COLUMNS = ("events_t", "n_t", "events_c", "n_c", "mean_t", "sd_t", "mean_c", "sd_c", "events", "n")


def _study_effects(inc: _Included, sel: Selection, model: Model, base: EvidenceBase) -> tuple[StudyEffect, ...]:
    """Each included study's own effect and 95% CI (Wald, on the analysis scale), with what a forest plot shows
    beside it: the row it came from, its year, its per-arm data and its risk-of-bias judgements."""
    effects = inc.effects
    crit = float(norm_isf((1 - model.level) / 2))
    data_cols = [c for c in ARM_COLUMNS if c in sel.columns]
    return tuple(
        StudyEffect(s, row.get("study_id", ""), row.get("year", ""), float(y), float(v), float(y - crit * v ** 0.5),
                    float(y + crit * v ** 0.5), {c: float(sel.columns[c][j]) for c in data_cols},
                    rob_columns(base.risk_of_bias, row))
        for j, s, y, v, row in zip(np.flatnonzero(inc.kept).tolist(), effects.study, effects.yi, effects.vi,
                                   inc.rows))


def _secondary(base: EvidenceBase, rows) -> tuple[bool, ...]:
    """Per row: whether it rests only on a secondary source (sources.bib type "secondary: ...", or read at the url
    of one)."""
    by_url = secondary_by_url(base.sources)
    return tuple(secondary_source(r, base.sources, by_url) is not None for r in rows)


def _filled(order):
    """Studies without an order value go last, in file order (a missing year is not an error here)."""
    big = max((x for x in order if x == x), default=0.0) + 1
    return [x if x == x else big for x in order]


def _refits_skipped(k: int) -> str:
    """"" when the per-study refits are affordable, else why they are skipped."""
    if k <= MAX_REFIT_K:
        return ""
    return (f"not computed: {k} rows is above {MAX_REFIT_K}, and these refits cost k analyses of k studies each "
            f"(time and memory grow with k squared); `evsynth influence` or `evsynth cumulative` on the table "
            f"computes them on request")


def _named(pooled, rows):
    """A generic ratio pooled from rows that all report one ratio (their `measure` cell: OR or RR) is named as that
    ratio, so that the report and figures say "OR", not "GEN"."""
    names = {r.get("measure", "") for r in rows}
    if pooled.measure == "GEN" and pooled.scale == "log" and len(names) == 1 and names <= {"OR", "RR"}:
        return replace(pooled, measure=names.pop())
    return pooled


def _step(fn: Callable[[], object], skip: str = ""):
    """fn's result, or Skipped with why it cannot be computed (or is skipped for cost)."""
    if skip:
        return Skipped(skip)
    try:
        return fn()
    except AnalysisError as exc:
        return Skipped(str(exc))


def _refit(r) -> Refit:
    return Refit(r.group, r.k, r.estimate, r.ci_low, r.ci_high, r.pvalue, r.tau2, r.i2, r.q)


def _regression(inc: _Included, model: Model, column: str) -> MetaRegressionRun:
    """Meta-regression on a numeric column (e.g. dose in mg/day); studies without a value are left out, named."""
    if model.counts_based:
        raise AnalysisError("meta-regression needs an inverse-variance model")
    values = [cell_number(r.get(column, "")) for r in inc.rows]
    effects = inc.effects
    have = [v == v for v in values]
    idx = [i for i, h in enumerate(have) if h]
    sub = Effects(effects.measure, tuple(effects.study[i] for i in idx), effects.yi[idx], effects.vi[idx],
                  effects.scale)
    design = design_matrix({column: [values[i] for i in idx]})
    res = meta_regression(sub, design, model.method, model.test, model.level)
    return MetaRegressionRun(
        **{f: getattr(res, f) for f in res.__dataclass_fields__}, moderator=column,
        left_out=tuple(LeftOut(s, f"no numeric {column}") for s, h in zip(effects.study, have) if not h),
        points=tuple(RegressionPoint(sub.study[i], float(design.X[i, 1]), float(sub.yi[i]), float(sub.vi[i]))
                     for i in range(sub.k)),
        unit=_unit_of(inc.rows, column))


def _unit_of(rows, column: str) -> str:
    """The unit of a numeric column: the `<column>_unit` cells of the rows, when they all give one and the same."""
    units = {(r.get(f"{column}_unit") or "").strip() for r in rows if cell_number(r.get(column, "")) == cell_number(
        r.get(column, ""))}
    return units.pop() if len(units) == 1 else ""


def _group(row: dict, by: str) -> str:
    """A row's subgroup: its `by` cell, "" when empty or "not reported" (such a row is in no subgroup)."""
    value = (row.get(by, "") or "").strip()
    return "" if value.lower() == "not reported" else value


def _subgroups(inc: _Included, model: Model, by: str):
    if model.counts_based:
        raise AnalysisError("subgroup analysis needs an inverse-variance model")
    labels = [_group(r, by) for r in inc.rows]
    idx = [i for i, v in enumerate(labels) if v]
    effects = inc.effects
    if len(idx) < len(labels):  # a study without a value is in no subgroup (it is named in the analysis's notes)
        effects = Effects(effects.measure, tuple(effects.study[i] for i in idx), effects.yi[idx], effects.vi[idx],
                          effects.scale)
    return subgroup_analysis(effects, [labels[i] for i in idx], by, model.method, model.test,
                             pi_type=model.pi_type, level=model.level)


def _subgroup_note(inc: _Included, by: str) -> tuple[str, ...]:
    """The note naming the studies a subgroup analysis leaves out for want of a value of its column."""
    missing = [s for s, r in zip(inc.effects.study, inc.rows) if not _group(r, by)]
    if not missing:
        return ()
    return (f"Subgroups by {by}: {len(missing)} of {len(inc.rows)} studies report no {by} and are left out of the "
            f"subgroup analysis (not a subgroup of their own): {', '.join(missing)}",)
