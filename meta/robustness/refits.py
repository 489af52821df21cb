"""Leave-one-out, cumulative meta-analysis and influence diagnostics, as metafor's leave1out(), cumul() and
influence() define them.

Every refit uses the full model's method and test. Inverse-variance refits run as one batch (fit_batch); the
Mantel-Haenszel and Peto refits recompute from the 2x2 counts of the studies kept, as metafor's rma.mh and
rma.peto methods do. Effect sizes are computed once from the full table (metafor refits x$yi, x$vi), so a
zero-cell correction made for the full analysis is kept in every refit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np

from ..engine.distributions import chi2_sf
from ..engine.effects import Effects, compute_effects
from ..engine.model import Model
from ..errors import AnalysisError
from ..engine.fit import BatchFit, fit_batch
from ..engine.pooling import _Rows, pool, pool_table, result_from_batch
from ..engine.results import MetaResult
from ..jsonable import Jsonable


@dataclass(frozen=True)
class Skipped(Jsonable):
    """A robustness step that was not computed for these data.

    Attributes
    ----------
    error : str
        Why: too few studies, a model it does not apply to, or a cost above the stated cap.
    """

    error: str


@dataclass(frozen=True)
class Refit(Jsonable):
    """One refit of a leave-one-out or cumulative analysis (analysis scale).

    Attributes
    ----------
    study : str
        The study left out (leave-one-out) or added last (cumulative).
    k : int
        Studies in the refit.
    estimate : float
        Pooled estimate of the refit, on the analysis scale (log for ratios).
    ci_low : float
        Lower confidence limit, analysis scale.
    ci_high : float
        Upper confidence limit, analysis scale.
    pvalue : float
        P-value of the test of no effect.
    tau2 : float
        Between-study variance tau^2 of the refit, analysis scale squared.
    i2 : float | None
        I^2 of the refit, percent.
    q : float | None
        Cochran's Q of the refit.
    """

    study: str
    k: int
    estimate: float
    ci_low: float
    ci_high: float
    pvalue: float
    tau2: float
    i2: float | None
    q: float | None


def fit_table(data: Mapping[str, Sequence[float]], study: Sequence[str], model: Model,
              tau2_ci: bool = True) -> MetaResult:
    """Pool a table of studies with a model's measure, method, test, zero-cell rule, prediction interval and level.

    Parameters
    ----------
    data : mapping of str to sequence of float
        Canonical columns (see :func:`pool_table`); NaN is a missing value.
    study : sequence of str
        One label per row.
    model : Model
        What to fit.
    tau2_ci : bool
        Whether to compute the Q-profile CI of tau^2 (and of I^2, H^2).

    Returns
    -------
    MetaResult
        The pooled analysis (analysis scale, back-transformed in ``back``).

    Raises
    ------
    AnalysisError
        As :func:`pool_table`: no study can be pooled, a method that does not fit the measure or test.
    """
    return pool_table(data, model.measure, model.method, model.test, study, model.zero_cells, model.pi_type,
                      model.level, tau2_ci)


def _subset(data: Mapping[str, Sequence[float]], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.asarray(values, dtype=float)[rows] for name, values in data.items()}


def _effects_subset(e: Effects, rows: np.ndarray) -> Effects:
    kept = tuple(e.study[i] for i in rows)
    names = set(kept)
    return Effects(e.measure, kept, e.yi[rows], e.vi[rows], e.scale, None if e.ni is None else e.ni[rows],
                   tuple(s for s in e.adjusted if s in names), zero_cells=e.zero_cells)


def _refits(e: Effects, subsets: list[np.ndarray], model: Model) -> tuple[list[MetaResult], BatchFit]:
    """Inverse-variance fits of the given subsets of e's studies, as one batch (subsets padded to the longest)."""
    K = max(len(s) for s in subsets)
    B = len(subsets)
    y, v = np.zeros((B, K)), np.ones((B, K))
    mask = np.zeros((B, K), dtype=bool)
    for b, rows in enumerate(subsets):
        y[b, :len(rows)], v[b, :len(rows)], mask[b, :len(rows)] = e.yi[rows], e.vi[rows], True
    fit = fit_batch(y, v, mask, None, model.method, model.test, model.pi_type, model.level, tau2_ci=False)
    rows_view = _Rows(fit)
    results = [result_from_batch(rows_view, b, _effects_subset(e, rows), model.method, model.test, model.pi_type)
               for b, rows in enumerate(subsets)]
    return results, fit


def _effects(data, study, model: Model) -> Effects:
    e = compute_effects(model.measure, data, study, model.zero_cells)
    if e.k == 0:
        raise AnalysisError("no study can be pooled")
    return e


def _loo_subsets(k: int) -> list[np.ndarray]:
    return [np.delete(np.arange(k), i) for i in range(k)]


def leave_one_out(data: Mapping[str, Sequence[float]], study: Sequence[str], model: Model) -> list[MetaResult]:
    """One result per study: the analysis without it (its label in `group`), as metafor's leave1out().

    Parameters
    ----------
    data : mapping of str to sequence of float
        Canonical columns (see :func:`pool_table`).
    study : sequence of str
        One label per row.
    model : Model
        The full analysis's model; every refit uses it.

    Returns
    -------
    list of MetaResult
        In table order. For Mantel-Haenszel and Peto, one per row (each refit from the 2x2 counts of the others); for
        inverse-variance models, one per study with an effect size (effect sizes computed once, from the full table).

    Raises
    ------
    AnalysisError
        Fewer than 2 studies (or studies with an effect size); a Mantel-Haenszel or Peto refit that cannot be fitted
        (naming the study left out); no study can be pooled.
    """
    labels = [str(s) for s in study]
    if len(labels) < 2:
        raise AnalysisError(f"leave-one-out needs at least 2 studies; there is {len(labels)}")
    if model.counts_based:
        out = []
        for i, label in enumerate(labels):
            rows = np.delete(np.arange(len(labels)), i)
            try:
                r = fit_table(_subset(data, rows), [labels[j] for j in rows], model)
            except AnalysisError as exc:
                raise AnalysisError(f"without study {label!r}: {exc}") from None
            out.append(_grouped(r, label))
        return out
    e = _effects(data, study, model)
    if e.k < 2:
        raise AnalysisError(f"leave-one-out needs at least 2 studies with an effect size; there is {e.k}")
    results, _ = _refits(e, _loo_subsets(e.k), model)
    return [_grouped(r, label) for r, label in zip(results, e.study)]


def cumulative(data: Mapping[str, Sequence[float]], study: Sequence[str], model: Model,
               order: Sequence[float] | None = None, decreasing: bool = False) -> list[MetaResult]:
    """The analysis after each study is added, in `order` (ties keep file order; default file order), as
    metafor's cumul(). Each result's `group` is the label of the study just added.

    Parameters
    ----------
    data : mapping of str to sequence of float
        Canonical columns (see :func:`pool_table`).
    study : sequence of str
        One label per row.
    model : Model
        The full analysis's model; every refit uses it.
    order : sequence of float, optional
        One value per row to sort by (e.g. the year); NaN is not allowed.
    decreasing : bool
        Sort from the largest value.

    Returns
    -------
    list of MetaResult
        One per step. Mantel-Haenszel and Peto steps that cannot be fitted are skipped, as metafor does; for
        inverse-variance models, studies without an effect size add no step.

    Raises
    ------
    AnalysisError
        No studies; `order` not one value per study, or NaN; no study can be pooled (inverse-variance models).
    """
    labels = [str(s) for s in study]
    n = len(labels)
    if n == 0:
        raise AnalysisError("no studies to accumulate")
    keys = np.arange(n, dtype=float) if order is None else np.asarray(order, dtype=float)
    if len(keys) != n:
        raise AnalysisError(f"the order has {len(keys)} values for {n} studies")
    if np.isnan(keys).any():
        bad = [labels[i] for i in np.flatnonzero(np.isnan(keys))]
        raise AnalysisError(f"no value to order by for {', '.join(bad)}")
    perm = np.argsort(-keys if decreasing else keys, kind="stable")
    sorted_data = _subset(data, perm)
    sorted_labels = [labels[i] for i in perm]
    if model.counts_based:
        out = []
        for j in range(n):
            rows = np.arange(j + 1)
            try:
                r = fit_table(_subset(sorted_data, rows), sorted_labels[:j + 1], model)
            except AnalysisError:
                continue  # as metafor, a step that cannot be fitted (e.g. only double-zero studies) is skipped
            out.append(_grouped(r, sorted_labels[j]))
        return out
    e = _effects(sorted_data, sorted_labels, model)
    results, _ = _refits(e, [np.arange(j + 1) for j in range(e.k)], model)
    return [_grouped(r, label) for r, label in zip(results, e.study)]


def _grouped(r: MetaResult, label: str) -> MetaResult:
    return replace(r, group=label)


@dataclass(frozen=True)
class StudyInfluence(Jsonable):
    """One study's influence on the pooled result (metafor's influence() and baujat() columns).

    Attributes
    ----------
    study : str
        Study label.
    estimate : float
        Pooled estimate without the study, analysis scale.
    se : float
        Its standard error.
    ci_low : float
        Lower confidence limit without the study.
    ci_high : float
        Upper confidence limit without the study.
    pvalue : float
        P-value without the study.
    tau2 : float
        tau^2 without the study (metafor's tau2.del).
    q : float
        Q without the study (QE.del).
    i2 : float | None
        I^2 without the study, percent.
    rstudent : float
        Externally studentised residual.
    dffits : float
        DFFITS.
    cooks_d : float
        Cook's distance.
    cov_ratio : float
        Covariance ratio.
    dfbetas : float
        DFBETAS of the pooled estimate.
    hat : float
        Hat value (leverage).
    weight : float
        Weight in the full model, percent.
    baujat_x : float
        Contribution to the overall heterogeneity (Baujat plot x).
    baujat_y : float
        Influence on the pooled estimate (Baujat plot y).
    influential : bool
        Flagged by metafor's rules (see the result's rules).
    """

    study: str
    estimate: float  # pooled estimate without the study
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    tau2: float  # tau^2 without the study (tau2.del)
    q: float  # Q without the study (QE.del)
    i2: float | None
    rstudent: float  # externally studentised residual
    dffits: float
    cooks_d: float
    cov_ratio: float
    dfbetas: float
    hat: float
    weight: float  # percent, in the full model
    baujat_x: float  # contribution to the overall heterogeneity
    baujat_y: float  # influence on the pooled estimate
    influential: bool


@dataclass(frozen=True)
class InfluenceResult(Jsonable):
    """Influence diagnostics of one analysis (metafor's influence()).

    Attributes
    ----------
    full : MetaResult
        The analysis with every study.
    studies : tuple[StudyInfluence, ...]
        One row per study.
    rules : dict
        The thresholds that flag a study as influential.
    notes : tuple[str, ...]
        What a reader needs to read them right.
    """

    full: MetaResult
    studies: tuple[StudyInfluence, ...]
    rules: dict  # the thresholds that flag a study as influential
    notes: tuple[str, ...] = ()


def influence(data: Mapping[str, Sequence[float]], study: Sequence[str], model: Model) -> InfluenceResult:
    """metafor's influence.rma.uni() for the intercept-only model, with Baujat's coordinates.

    Parameters
    ----------
    data : mapping of str to sequence of float
        Canonical columns (see :func:`pool_table`).
    study : sequence of str
        One label per row.
    model : Model
        An inverse-variance model (FE or a random-effects method).

    Returns
    -------
    InfluenceResult
        The full analysis, one StudyInfluence per study with an effect size (leave-one-out values on the analysis
        scale, weights in percent) and the thresholds that flag a study as influential.

    Raises
    ------
    AnalysisError
        A Mantel-Haenszel or Peto model; fewer than 2 studies with an effect size.
    """
    if model.counts_based:
        raise AnalysisError(f"influence diagnostics are defined for inverse-variance models (as metafor's "
                            f"influence()); method {model.method.value} pools the 2x2 counts: use FE or a "
                            f"random-effects method")
    e = _effects(data, study, model)
    k = e.k
    if k < 2:
        raise AnalysisError(f"influence diagnostics need at least 2 studies with an effect size; there is {k}")
    full = pool(e, model.method, model.test, model.pi_type, model.level)
    loo, fit = _refits(e, _loo_subsets(k), model)
    y, v = e.yi, e.vi
    beta, vb = full.estimate, full.se ** 2
    w = 1 / (v + full.tau2)
    hat = w / w.sum()
    weight = 100 * hat
    beta_d = fit.beta[:, 0]
    vdel = fit.se[:, 0] ** 2  # metafor's res$vb: scaled by s2w under knha
    tau2_d, s2w_d = fit.tau2, fit.s2w
    resid = y - beta_d
    resid = np.where(np.abs(resid) < 100 * np.finfo(float).eps, 0.0, resid)
    rstudent = resid / np.sqrt(v * s2w_d + vdel + tau2_d * s2w_d)
    dfb = beta - beta_d
    dffits = dfb / np.sqrt(s2w_d * hat * (tau2_d + v))
    vb_del = 1 / np.sum(1 / (v[None, :] + tau2_d[:, None]), axis=1)  # all k studies, tau^2 without study i
    dfbetas = dfb / np.sqrt(s2w_d * vb_del)
    cooks = dfb ** 2 / vb
    cov_ratio = vdel / vb
    baujat_x = (y - beta) ** 2 / (full.tau2 + v)
    baujat_y = (beta_d - beta) ** 2 / vdel
    p = 1
    cut_dffits = 3 * np.sqrt(p / (k - p))
    cut_hat = 3 * p / k
    infl = (np.abs(dffits) > cut_dffits) | (1 - chi2_sf(cooks, p) > 0.5) | (hat > cut_hat) | (np.abs(dfbetas) > 1)
    rows = []
    for i in range(k):
        r = loo[i]
        rows.append(StudyInfluence(
            study=e.study[i], estimate=r.estimate, se=r.se, ci_low=r.ci_low, ci_high=r.ci_high, pvalue=r.pvalue,
            tau2=float(tau2_d[i]), q=float(fit.q[i]), i2=r.i2, rstudent=float(rstudent[i]), dffits=float(dffits[i]),
            cooks_d=float(cooks[i]), cov_ratio=float(cov_ratio[i]), dfbetas=float(dfbetas[i]), hat=float(hat[i]),
            weight=float(weight[i]), baujat_x=float(baujat_x[i]), baujat_y=float(baujat_y[i]),
            influential=bool(infl[i]),
        ))
    rules = {"abs_dffits_above": float(cut_dffits), "cooks_d_chi2_1_cdf_above": 0.5, "hat_above": float(cut_hat),
             "abs_dfbetas_above": 1.0}
    notes = []
    if k == 2:
        notes.append("k = 2: each leave-one-out fit has a single study")
    return InfluenceResult(full, tuple(rows), rules, tuple(notes))
