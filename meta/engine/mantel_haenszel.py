"""Mantel-Haenszel (OR, RR, RD) and Peto pooling of 2x2 tables, as metafor's rma.mh() and rma.peto().

The pooled estimate uses the raw cells; the heterogeneity test uses the study-level effects with the
zero-cell correction and double-zero studies dropped (metafor's defaults).
"""
from __future__ import annotations

import numpy as np
from . import distributions as stats

from .choices import Measure, Method
from .effects import Effects, compute_effects
from .model import ZeroCells
from ..errors import AnalysisError
from .results import BackTransformed, MetaResult
from .transforms import back_transform



def pool_mh(data: dict, study, measure: Measure, zero: ZeroCells, level: float = 0.95) -> MetaResult:
    """Mantel-Haenszel fixed-effect pooling of 2x2 tables (metafor's ``rma.mh()``).

    Parameters
    ----------
    data : dict
        Float arrays ``events_t, n_t, events_c, n_c``, without missing values (pool_table leaves those out first).
    study : sequence of str or None
        One label per row (None: "1", "2", ...).
    measure : Measure
        OR, RR or RD.
    zero : ZeroCells
        The zero-cell rule for the study-level effects behind the heterogeneity test; drop00 None counts as True.
    level : float
        Confidence level as a proportion (0.95).

    Returns
    -------
    MetaResult
        The pooled log odds ratio or log risk ratio (back-transformed in ``back``), or risk difference, with a z test;
        tau^2 = 0; Q, I^2 (percent) and H^2 from the study-level effects; Mantel-Haenszel weights in percent; for OR,
        the Cochran-Mantel-Haenszel test in ``extra`` (``cmh``, ``cmh_pvalue``) when both outcomes occur.

    Raises
    ------
    AnalysisError
        A measure other than OR, RR or RD; an OR without events in the cells it needs, or an RR with no event in one
        arm of every study.
    """
    if measure not in (Measure.OR, Measure.RR, Measure.RD):
        raise AnalysisError(f"Mantel-Haenszel pooling is defined for OR, RR and RD, not {measure.value}")
    zero = zero.resolved(True)
    eff = compute_effects(measure, data, study, zero)
    ai, n1 = np.asarray(data["events_t"], float), np.asarray(data["n_t"], float)
    ci, n2 = np.asarray(data["events_c"], float), np.asarray(data["n_c"], float)
    bi, di = n1 - ai, n2 - ci
    N = n1 + n2
    extra: dict = {}
    notes: list[str] = []
    if measure is Measure.OR:
        P, Q = (ai + di) / N, (bi + ci) / N
        Ri, Si = ai * di / N, bi * ci / N
        R, S = Ri.sum(), Si.sum()
        if R == 0 or S == 0:
            raise AnalysisError("Mantel-Haenszel OR is not estimable: no study has events in the required cells")
        beta = np.log(R / S)
        se = np.sqrt(0.5 * ((P * Ri).sum() / R**2 + (P * Si + Q * Ri).sum() / (R * S) + (Q * Si).sum() / S**2))
        wts = Si
        xt, yt = ai + ci, bi + di
        if xt.sum() > 0 and yt.sum() > 0:
            cmh = (abs((ai - n1 / N * xt).sum()) - 0.5) ** 2 / (
                (n1 / N) * (n2 / N) * (xt * (yt / (N - 1)))).sum()
            extra = {"cmh": float(cmh), "cmh_pvalue": float(stats.chi2_sf(cmh, 1))}
    elif measure is Measure.RR:
        R, S = (ai * n2 / N).sum(), (ci * n1 / N).sum()
        if ai.sum() == 0 or ci.sum() == 0:
            raise AnalysisError("Mantel-Haenszel RR is not estimable: one arm has no events in any study")
        beta = np.log(R / S)
        se = np.sqrt(((n1 / N) * (n2 / N) * (ai + ci) - (ai / N) * ci).sum() / (R * S))
        wts = ci * n1 / N
    else:
        denom = (n1 * n2 / N).sum()
        beta = (ai * n2 / N - ci * n1 / N).sum() / denom
        se = np.sqrt(
            (beta * (ci * (n1 / N) ** 2 - ai * (n2 / N) ** 2 + (n1 / N) * (n2 / N) * (n2 - n1) / 2).sum()
             + (ai * (n2 - ci) / N + ci * (n1 - ai) / N).sum() / 2) / denom**2)
        wts = n1 * n2 / N
    k_yi = eff.k
    wi = 1 / eff.vi
    if k_yi > 1:
        q = max(0.0, float((wi * (eff.yi - beta) ** 2).sum()))
    else:
        q = 0.0
    return _fixed_result(Method.MH, measure, eff, float(beta), float(se), q, k_yi, wts, study, level, extra, notes)


def pool_peto(data: dict, study, zero: ZeroCells, level: float = 0.95) -> MetaResult:
    """Peto's one-step pooling of 2x2 tables into a log odds ratio (metafor's ``rma.peto()``).

    Parameters
    ----------
    data : dict
        Float arrays ``events_t, n_t, events_c, n_c``, without missing values (pool_table leaves those out first).
    study : sequence of str or None
        One label per row (None: "1", "2", ...).
    zero : ZeroCells
        The zero-cell rule for the study-level effects; drop00 None counts as True.
    level : float
        Confidence level as a proportion (0.95).

    Returns
    -------
    MetaResult
        The pooled Peto log odds ratio (back-transformed in ``back``) with a z test; tau^2 = 0; Q, I^2 (percent) and
        H^2 from the studies with a nonzero hypergeometric variance; the variances as weights, in percent.

    Raises
    ------
    AnalysisError
        One of the two outcomes occurs in no study (every variance is 0).
    """
    zero = zero.resolved(True)
    eff = compute_effects(Measure.PETO, data, study, zero)
    ai, n1 = np.asarray(data["events_t"], float), np.asarray(data["n_t"], float)
    ci, n2 = np.asarray(data["events_c"], float), np.asarray(data["n_c"], float)
    N = n1 + n2
    xt, yt = ai + ci, (n1 - ai) + (n2 - ci)
    E = xt * n1 / N
    with np.errstate(divide="ignore", invalid="ignore"):
        V = xt * yt * (n1 / N) * (n2 / N) / (N - 1)
    V = np.nan_to_num(V)
    if V.sum() == 0:
        raise AnalysisError("Peto's method is not estimable: one of the two outcomes never occurred in any study")
    beta = (ai - E).sum() / V.sum()
    se = np.sqrt(1 / V.sum())
    pos = V > 0
    q = max(0.0, float(((ai - E)[pos] ** 2 / V[pos]).sum() - (ai - E).sum() ** 2 / V[pos].sum()))
    k_yi = eff.k if pos.sum() > 1 else 1
    return _fixed_result(Method.PETO, Measure.PETO, eff, float(beta), float(se), q, k_yi, V, study, level, {}, [])


def _fixed_result(method, measure, eff: Effects, beta, se, q, k_yi, wts, study, level, extra, notes) -> MetaResult:
    crit = stats.norm_isf((1 - level) / 2)
    z = beta / se if se > 0 else float("nan")  # no event in any study (an RD of 0 with SE 0): metafor's zval is NA
    lo, hi = beta - crit * se, beta + crit * se
    dfree = k_yi - 1
    if dfree > 0:
        q_p = float(stats.chi2_sf(q, dfree))
        i2 = max(0.0, 100 * (q - dfree) / q) if q > 0 else 0.0
        h2 = q / dfree
    else:
        q, q_p, i2, h2 = 0.0, 1.0, 0.0, 1.0
    labels = tuple(str(s) for s in study) if study is not None else tuple(str(i + 1) for i in range(len(wts)))
    wpct = 100 * np.asarray(wts, float) / np.sum(wts)
    bt = back_transform(eff.scale, [beta, lo, hi])
    back = None if bt is None else BackTransformed(float(bt[0]), float(bt[1]), float(bt[2]), None, None)
    return MetaResult(
        k=len(labels), measure=measure.value, method=method.value, test="z", scale=eff.scale,
        estimate=beta, se=se, statistic=z, pvalue=float(2 * stats.norm_sf(abs(z))), ci_low=lo, ci_high=hi,
        df=None, pi_low=None, pi_high=None, pi_method=None, tau2=0.0, tau2_se=None, tau2_ci_low=None,
        tau2_ci_high=None, tau=0.0, i2=i2, i2_ci_low=None, i2_ci_high=None, h2=h2, h2_ci_low=None,
        h2_ci_high=None, q=q, q_df=dfree, q_pvalue=q_p, back=back, iterations=0, converged=True,
        studies=labels, weights=tuple(float(x) for x in wpct), excluded=eff.excluded, adjusted=eff.adjusted,
        zero_cells=eff.zero_cells.to_dict() if eff.zero_cells else None,
        notes=tuple(notes) + (f"heterogeneity from {k_yi} study-level effects (double-zero studies dropped)",),
        extra=extra,
    )
