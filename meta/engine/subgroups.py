"""Subgroup analysis: pooled results per subgroup and the test for subgroup differences, with a separate
tau^2 per subgroup (Cochrane's default) or one common tau^2 (a meta-regression on the subgroup factor)."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
from . import distributions as stats

from .choices import Method, PredictionType, Test
from .effects import Effects
from ..errors import AnalysisError
from .pooling import pool
from .regression import design_matrix
from .fit import fit_batch
from .results import SubgroupResult


def _subset(effects: Effects, keep: np.ndarray) -> Effects:
    return replace(
        effects,
        study=tuple(s for s, k in zip(effects.study, keep) if k),
        yi=effects.yi[keep], vi=effects.vi[keep],
        ni=None if effects.ni is None else effects.ni[keep],
        adjusted=tuple(s for s in effects.adjusted if s in {x for x, k in zip(effects.study, keep) if k}),
        excluded=(),
    )


def subgroup_analysis(
    effects: Effects,
    labels: Sequence[str],
    variable: str = "subgroup",
    method: Method = Method.REML,
    test: Test = Test.Z,
    tau2_common: bool = False,
    pi_type: PredictionType = PredictionType.METAFOR,
    level: float = 0.95,
) -> SubgroupResult:
    """Pooled results per subgroup and the test for subgroup differences.

    `labels` gives each included study's subgroup (same order as effects.study).

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances of the included studies, analysis scale.
    labels : sequence of str
        Each study's subgroup (compared as text).
    variable : str
        The subgroup variable's name, for the result and messages.
    method : Method
        The tau^2 estimator, or FE.
    test : Test
        z, knha or adhoc.
    tau2_common : bool
        False: each subgroup pooled on its own (a tau^2 each) and Q between from their estimates; True: one
        meta-regression on the subgroup factor (a common tau^2), the subgroups' estimates from its no-intercept form
        and the test its omnibus QM (an F statistic under knha/adhoc).
    pi_type : PredictionType
        How the prediction interval's critical value is chosen.
    level : float
        Confidence level as a proportion (0.95).

    Returns
    -------
    SubgroupResult
        One MetaResult per subgroup (sorted by label), the test for differences, and the pooled result of all studies.
        With `tau2_common`, a subgroup's result has no prediction interval and no back-transformed values.

    Raises
    ------
    AnalysisError
        Not one label per study; fewer than two subgroups.
    ValueError
        An unknown method or test name.
    """
    method, test = Method(method), Test(test)
    labels = [str(x) for x in labels]
    if len(labels) != effects.k:
        raise AnalysisError(f"{len(labels)} subgroup labels for {effects.k} studies")
    levels = sorted(set(labels))
    if len(levels) < 2:
        raise AnalysisError(f"subgroup variable '{variable}' has only one level; nothing to compare")
    arr = np.asarray(labels)
    overall = pool(effects, method, test, pi_type, level)
    notes: list[str] = []
    if not tau2_common:
        subs = tuple(replace(pool(_subset(effects, arr == lev), method, test, pi_type, level), group=lev)
                     for lev in levels)
        est = np.array([s.estimate for s in subs])
        w = 1 / np.array([s.se for s in subs]) ** 2
        mu = np.sum(w * est) / np.sum(w)
        q = float(np.sum(w * (est - mu) ** 2))
        df = len(levels) - 1
        p = float(stats.chi2_sf(q, df))
    else:
        d = design_matrix({variable: labels}, categorical=[variable], intercept=True)
        y, v = effects.yi[None], effects.vi[None]
        mask = np.ones_like(y, dtype=bool)
        fit = fit_batch(y, v, mask, d.X[None], method, test, pi_type, level, tau2_ci=False)
        q, df, p = float(fit.qm[0]), len(levels) - 1, float(fit.qm_pvalue[0])
        if test is not Test.Z:
            notes.append(f"test for subgroup differences is F({df}, {effects.k - len(levels)}) under {test.value}")
        dn = design_matrix({variable: labels}, categorical=[variable], intercept=False)
        fn = fit_batch(y, v, mask, dn.X[None], method, test, pi_type, level, tau2_ci=False)
        subs = []
        for j, lev in enumerate(levels):
            sub = pool(_subset(effects, arr == lev), method, test, pi_type, level)
            subs.append(replace(
                sub, group=lev, estimate=float(fn.beta[0, j]), se=float(fn.se[0, j]),
                statistic=float(fn.statistic[0, j]), pvalue=float(fn.pvalue[0, j]),
                ci_low=float(fn.ci_low[0, j]), ci_high=float(fn.ci_high[0, j]), tau2=float(fn.tau2[0]),
                tau=float(np.sqrt(fn.tau2[0])), pi_low=None, pi_high=None, back=None,
                notes=sub.notes + ("estimate from the common-tau^2 model",)))
        subs = tuple(subs)
    return SubgroupResult(variable, tau2_common, subs, q, df, p, overall, tuple(notes))
