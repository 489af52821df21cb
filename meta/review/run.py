"""One analysis of analyses.toml, run in full: the pooled result and its robustness (leave-one-out, influence,
cumulative, small-study effects, trial sequential analysis, fragility), as a JSON-ready dict.

A robustness step that cannot be computed for these data (too few studies, no counts ...) is recorded with its
reason under "error" instead of stopping the run: a reader sees why it is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..robustness import small_study as bias
from ..inputs.numbers import cell_number
from .analyses import AnalysisSpec
from .selection import select
from ..engine.choices import Method, Test
from ..engine.distributions import norm_isf
from ..engine.effects import Effects, row_effects
from ..engine.model import kind_of
from ..errors import AnalysisError
from ..inputs.evidence import EvidenceBase
from ..inputs.schema import ROB
from ..robustness.fragility import fragility
from .grading import Facts, certainty, frequency, label, label_votes
from .rules import Rules
from ..engine.regression import design_matrix, meta_regression
from ..robustness.refits import cumulative, fit_table, influence, leave_one_out
from ..engine.subgroups import subgroup_analysis
from ..robustness.trial_sequential import run_tsa
from ..engine.votes import vote_count


def run_analysis(base: EvidenceBase, spec: AnalysisSpec, rules: Rules | None = None, light: bool = False) -> dict:
    """`light`: only what the grading and the claims read (for `evsynth check`): no cumulative analysis,
    influence diagnostics, TSA, or small-study tests other than Egger's."""
    sel = select(base, spec)
    if spec.synthesis == "vote_count":
        votes = vote_count(sel.rows)
        out = {"id": spec.id, "title": spec.title, "table": spec.table,
               "where": {k: list(v) for k, v in spec.where.items()},
               "rows": [r.get("study_id", "") for r in sel.rows], "votes": votes}
        if rules is not None:
            out["label"] = label_votes(votes, rules).to_dict()
        return out
    model = spec.model
    pooled = fit_table(sel.columns, sel.study, model)
    out: dict = {
        "id": spec.id, "title": spec.title, "table": spec.table, "where": {k: list(v) for k, v in spec.where.items()},
        "outcome_kind": spec.outcome_kind,
        "rows": [r.get("study_id", "") for r in sel.rows],
        "result": pooled.to_dict(),
        "notes": list(sel.notes),
    }
    binary = kind_of(model.measure) == "binary"
    inc = _included(sel, model)
    out["study_effects"] = _study_effects(inc, sel, model)
    order = None if all(x != x for x in sel.order) else sel.order
    refits = _refits_allowed(len(sel.study))
    out["leave_one_out"] = _step(lambda: [_brief(r) for r in leave_one_out(sel.columns, sel.study, model)], refits)
    if not light:
        out["cumulative"] = _step(lambda: [_brief(r) for r in cumulative(sel.columns, sel.study, model,
                                                                           _filled(order))], refits)
        out["influence"] = _step(lambda: influence(sel.columns, sel.study, model).to_dict(), refits) \
            if not model.counts_based else {"error": "influence diagnostics need an inverse-variance model"}
    out["small_study_effects"] = _small_study(sel, inc, model, binary, light)
    if spec.by:
        out["subgroups"] = _step(lambda: _subgroups(inc, model, spec.by))
    if spec.moderator:
        out["meta_regression"] = _step(lambda: _regression(inc, model, spec.moderator))
    if spec.tsa is not None and not light:
        t = spec.tsa
        out["tsa"] = _step(lambda: run_tsa(sel.columns, sel.study, model, _filled(order), rrr=t.rrr,
                                           control_risk=t.control_risk, mean_difference=t.mean_difference, sd=t.sd,
                                           alpha=t.alpha, power=t.power).to_dict())
    if binary:
        out["fragility"] = _step(lambda: fragility(sel.columns, sel.study, model).to_dict())
    if kind_of(model.measure) != "proportion":
        out["robustness"] = _robustness(sel, model, out)
    if rules is not None:
        facts = _facts(sel, inc, model, out, spec)
        c = certainty(facts, rules)
        out["certainty"] = c.to_dict()
        out["label"] = label(facts, c, rules).to_dict()
        if kind_of(model.measure) == "proportion" and pooled.back is not None:
            out["frequency"] = {"rate": pooled.back.estimate, "category": frequency(pooled.back.estimate, rules),
                                "ci_low_category": frequency(pooled.back.ci_low, rules),
                                "ci_high_category": frequency(pooled.back.ci_high, rules)}
    return out


@dataclass(frozen=True)
class _Included:
    """The studies an analysis pools: their effect sizes, which selected rows they are, and those rows."""

    effects: Effects
    kept: np.ndarray  # over the selected rows
    rows: tuple[dict, ...]


def _included(sel, model) -> _Included:
    per_row = row_effects(model.measure, sel.columns, model.zero_cells)
    kept = per_row.reason == ""
    effects = per_row.select(list(sel.study), np.arange(len(sel.study)))
    return _Included(effects, kept, tuple(r for r, k in zip(sel.rows, kept) if k))


def _facts(sel, inc: _Included, model, out: dict, spec: AnalysisSpec) -> Facts:
    """What the grading rules look at, from the selected rows and the results computed above."""
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
    res = out["result"]
    comparative = kind in ("binary", "continuous", "generic")
    # conclusions that flip under leave-one-out or another estimator or test (for a single-arm rate, p tests 50%:
    # not a conclusion)
    flips = len((out.get("robustness") or {}).get("flips", [])) if comparative else 0
    egger = out["small_study_effects"].get("egger", {})
    frag = out.get("fragility") or {}
    return Facts(
        comparative=comparative, ratio=res["scale"] == "log",
        binary=kind == "binary", k=res["k"], designs=tuple(r.get("design", "") for r in rows),
        participants=tuple(float(x) for x in participants), rob=tuple(r.get("rob_overall", "") for r in rows),
        yi=tuple(float(x) for x in inc.effects.yi), estimate=res["estimate"], ci_low=res["ci_low"],
        ci_high=res["ci_high"], pvalue=res["pvalue"], i2=res["i2"], events=events,
        control_risk=float(cols["events_c"].sum() / cols["n_c"].sum()) if kind == "binary" else None,
        egger_p=egger.get("pvalue") if res["k"] >= 10 else None, fragility=frag.get("index"), loo_flips=flips,
        overrides=spec.grade,
    )


ALTERNATIVES = [(m, t) for m in (Method.DL, Method.REML, Method.PM) for t in (Test.Z, Test.KNHA)]


def _robustness(sel, model, out: dict) -> dict:
    """Does the conclusion (significance at 5%, and direction) survive defensible alternatives? Leave-one-out,
    other tau^2 estimators and tests, the prediction interval against the CI, and the fragility index."""
    res = out["result"]
    sig = res["pvalue"] < 0.05
    direction = res["estimate"] > 0
    flips = []
    loo = out["leave_one_out"] if isinstance(out["leave_one_out"], list) else []
    for r in loo:
        if (r["pvalue"] < 0.05) != sig or (sig and (r["estimate"] > 0) != direction):
            flips.append({"by": "leave-one-out", "without": r["study"], "pvalue": r["pvalue"],
                          "estimate": r["estimate"]})
    models = []
    if not model.counts_based:
        for method, test in ALTERNATIVES:
            try:
                alt = fit_table(sel.columns, sel.study, replace(model, method=method, test=test), tau2_ci=False)
            except AnalysisError as exc:
                models.append({"method": method.value, "test": test.value, "error": str(exc)})
                continue
            row = {"method": method.value, "test": alt.test, "estimate": alt.estimate, "ci_low": alt.ci_low,
                   "ci_high": alt.ci_high, "pvalue": alt.pvalue}
            models.append(row)
            if (alt.pvalue < 0.05) != sig:
                flips.append({"by": "model", "method": method.value, "test": alt.test, "pvalue": alt.pvalue})
    pi_gap = None
    if res.get("pi_low") is not None and res.get("pi_high") is not None:
        ci_excludes = not (res["ci_low"] <= 0 <= res["ci_high"])
        pi_includes = res["pi_low"] <= 0 <= res["pi_high"]
        pi_gap = bool(ci_excludes and pi_includes)
    frag = out.get("fragility") if isinstance(out.get("fragility"), dict) else {}
    return {"significant": bool(sig), "flips": flips, "fragile": bool(flips), "models": models,
            "ci_excludes_null_but_pi_does_not": pi_gap, "fragility_index": frag.get("index")}


ARM_COLUMNS = ("events_t", "n_t", "events_c", "n_c", "mean_t", "sd_t", "mean_c", "sd_c", "events", "n")


def _study_effects(inc: _Included, sel, model) -> list[dict]:
    """Each included study's own effect and 95% CI (Wald, on the analysis scale), with what a forest plot shows
    beside it: the row it came from, its year, its per-arm data and its risk-of-bias judgements."""
    effects = inc.effects
    crit = float(norm_isf((1 - model.level) / 2))
    data_cols = [c for c in ARM_COLUMNS if c in sel.columns]
    out = []
    for j, s, y, v, row in zip(np.flatnonzero(inc.kept).tolist(), effects.study, effects.yi, effects.vi, inc.rows):
        out.append({"study": s, "row": row.get("study_id", ""), "year": row.get("year", ""),
                    "yi": float(y), "vi": float(v), "ci_low": float(y - crit * v ** 0.5),
                    "ci_high": float(y + crit * v ** 0.5),
                    "data": {c: float(sel.columns[c][j]) for c in data_cols},
                    "rob": {c: row[c] for c in ROB if row.get(c)}})
    return out


def _filled(order):
    """Studies without an order value go last, in file order (a missing year is not an error here)."""
    if order is None:
        return None
    big = max((x for x in order if x == x), default=0.0) + 1
    return [x if x == x else big for x in order]


MAX_REFIT_K = 1000  # leave-one-out, cumulative and influence refit k analyses of up to k studies: O(k^2)


def _refits_allowed(k: int) -> str:
    """"" when the per-study refits are affordable, else why they are skipped."""
    if k <= MAX_REFIT_K:
        return ""
    return (f"not computed: {k} rows is above {MAX_REFIT_K}, and these refits cost k analyses of k studies each "
            f"(time and memory grow with k squared); `evsynth influence` or `evsynth cumulative` on the table "
            f"computes them on request")


def _step(fn: Callable[[], object], skip: str = "") -> object:
    """fn's result, or {"error": why} when it cannot be computed (or is skipped for cost)."""
    if skip:
        return {"error": skip}
    try:
        return fn()
    except AnalysisError as exc:
        return {"error": str(exc)}


def _brief(r) -> dict:
    d = r.to_dict(False)
    return {"study": r.group, **{k: d[k] for k in ("k", "estimate", "ci_low", "ci_high", "pvalue", "tau2", "i2", "q")}}


def _regression(inc: _Included, model, column: str) -> dict:
    """Meta-regression on a numeric column (e.g. dose in mg/day); studies without a value are left out, named."""
    if model.counts_based:
        raise AnalysisError("meta-regression needs an inverse-variance model")
    values = [cell_number(r.get(column, "")) for r in inc.rows]
    effects = inc.effects
    have = [v == v for v in values]
    missing = [s for s, h in zip(effects.study, have) if not h]
    idx = [i for i, h in enumerate(have) if h]
    sub = Effects(effects.measure, tuple(effects.study[i] for i in idx), effects.yi[idx], effects.vi[idx],
                  effects.scale)
    design = design_matrix({column: [values[i] for i in idx]})
    res = meta_regression(sub, design, model.method, model.test, model.level).to_dict()
    res["left_out"] = [{"study": s, "reason": f"no numeric {column}"} for s in missing]
    res["moderator"] = column
    res["points"] = [{"study": sub.study[i], "x": float(design.X[i, 1]), "yi": float(sub.yi[i]),
                      "vi": float(sub.vi[i])} for i in range(sub.k)]
    return res


def _subgroups(inc: _Included, model, by: str) -> dict:
    if model.counts_based:
        raise AnalysisError("subgroup analysis needs an inverse-variance model")
    labels = [r.get(by, "") or "not reported" for r in inc.rows]
    return subgroup_analysis(inc.effects, labels, by, model.method, model.test, pi_type=model.pi_type,
                             level=model.level).to_dict()


def _small_study(sel, inc: _Included, model, binary: bool, light: bool = False) -> dict:
    effects = inc.effects
    out = {"egger": _step(lambda: bias.egger(effects, model.method, model.test, model.level).to_dict())}
    if not light:
        out |= {
            "egger_lm": _step(lambda: bias.egger_lm(effects, model.level).to_dict()),
            "begg": _step(lambda: bias.begg(effects).to_dict()),
            "trimfill": _step(lambda: bias.trimfill(effects, model.method, level=model.level,
                                                    test=model.test).to_dict()),
        }
    if binary and not light:
        n = (sel.columns["n_t"] + sel.columns["n_c"])[inc.kept]
        out["peters"] = _step(lambda: bias.peters(effects, n, model.level).to_dict())
        out["harbord"] = _step(lambda: bias.harbord(sel.columns, model.level).to_dict())
    out["few_studies"] = effects.k < bias.MIN_STUDIES
    if out["few_studies"]:
        out["warning"] = bias.FEW_STUDIES
    return out
