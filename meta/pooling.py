"""Pool one analysis: effect sizes in, a MetaResult out (inverse variance, Mantel-Haenszel or Peto)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .choices import BINARY_MEASURES, Measure, Method, PredictionType, Test
from .effects import Effects, ZeroCells, compute_effects
from .errors import AnalysisError
from .mantel_haenszel import pool_mh, pool_peto
from .model import BatchFit, fit_batch
from .results import BackTransformed, MetaResult
from .transforms import back_transform


def pool_table(
    data: Mapping[str, Sequence[float]],
    measure: Measure | str,
    method: Method | str = Method.REML,
    test: Test | str = Test.Z,
    study: Sequence[str] | None = None,
    zero_cells: ZeroCells = ZeroCells(),
    pi_type: PredictionType | str = PredictionType.METAFOR,
    level: float = 0.95,
) -> MetaResult:
    """Compute effect sizes from canonical columns and pool them with `method`."""
    measure, method, test = Measure(measure), Method(method), Test(test)
    if method is Method.MH:
        _require_fixed_test(method, test)
        return pool_mh(dict(data), study, measure, zero_cells, level)
    if method is Method.PETO:
        _require_fixed_test(method, test)
        if measure not in (Measure.PETO, Measure.OR):
            raise AnalysisError(f"Peto's method pools odds ratios; measure {measure.value} does not fit it")
        return pool_peto(dict(data), study, zero_cells, level)
    effects = compute_effects(measure, data, study, zero_cells)
    return pool(effects, method, test, PredictionType(pi_type), level)


def _require_fixed_test(method: Method, test: Test) -> None:
    if test is not Test.Z:
        raise AnalysisError(f"method {method.value} uses the z test; --test {test.value} does not apply")


def pool(
    effects: Effects,
    method: Method | str = Method.REML,
    test: Test | str = Test.Z,
    pi_type: PredictionType | str = PredictionType.METAFOR,
    level: float = 0.95,
) -> MetaResult:
    """Inverse-variance pooling (fixed effect or random effects) of precomputed effect sizes."""
    method, test, pi_type = Method(method), Test(test), PredictionType(pi_type)
    if method in (Method.MH, Method.PETO):
        raise AnalysisError(f"method {method.value} needs the 2x2 counts; use pool_table")
    if effects.k == 0:
        reasons = "; ".join(f"{e.study}: {e.reason}" for e in effects.excluded) or "the table is empty"
        raise AnalysisError(f"no study can be pooled ({reasons})")
    y = effects.yi[None, :]
    v = effects.vi[None, :]
    mask = np.ones_like(y, dtype=bool)
    fit = fit_batch(y, v, mask, None, method, test, pi_type, level)
    return result_from_batch(fit, 0, effects, method, test, pi_type)


def result_from_batch(
    fit: BatchFit, i: int, effects: Effects, method: Method, test: Test, pi_type: PredictionType, group=None
) -> MetaResult:
    """Read row i of a batched fit into a MetaResult, with the notes a user needs to read it right."""
    k = int(fit.k[i])
    notes: list[str] = list(effects.notes)
    if k == 1:
        notes.append("k = 1: the pooled estimate is the single study's; heterogeneity cannot be assessed")
        if test is not Test.Z:
            notes.append("k = 1: the z test is used, as metafor does")
    if not method.is_random and test is not Test.Z:
        notes.append("Hartung-Knapp is meant for random-effects models (metafor warns likewise)")
    if not bool(fit.converged[i]):
        notes.append(f"tau^2 estimator {method.value} did not converge after {int(fit.iterations[i])} iterations")
    if test is not Test.Z and k > 1 and fit.s2w[i] == 0:
        notes.append("the Hartung-Knapp scale is 0 (the estimates agree exactly), so the CI has zero width; "
                     "test 'adhoc' avoids this")
    if method.is_random and k >= 2 and fit.tau2[i] == 0:
        notes.append("tau^2 estimated at its boundary 0")
    f = lambda a: float(a[i])  # noqa: E731
    opt = lambda a: None if np.isnan(a[i]) else float(a[i])  # noqa: E731
    random = method.is_random
    pi_low, pi_high = (opt(fit.pi_low), opt(fit.pi_high)) if random and k > 1 else (None, None)
    if random and k > 1 and pi_type is PredictionType.HIGGINS and k < 3:
        notes.append("the t(k-2) prediction interval needs k >= 3")
    est, lo, hi = float(fit.beta[i, 0]), float(fit.ci_low[i, 0]), float(fit.ci_high[i, 0])
    bt = back_transform(effects.scale, [est, lo, hi] + ([pi_low, pi_high] if pi_low is not None else []),
                        effects.ni)
    back = None
    if bt is not None:
        back = BackTransformed(float(bt[0]), float(bt[1]), float(bt[2]),
                               float(bt[3]) if pi_low is not None else None,
                               float(bt[4]) if pi_low is not None else None)
    has_het = k > 1
    return MetaResult(
        k=k, measure=effects.measure.value, method=method.value, test=test.value if k > 1 else "z",
        scale=effects.scale, estimate=est, se=float(fit.se[i, 0]), statistic=float(fit.statistic[i, 0]),
        pvalue=float(fit.pvalue[i, 0]), ci_low=lo, ci_high=hi, df=opt(fit.df),
        pi_low=pi_low, pi_high=pi_high,
        pi_method=(pi_type.value if random and k > 1 else None),
        tau2=f(fit.tau2), tau2_se=opt(fit.tau2_se) if random and has_het else None,
        tau2_ci_low=opt(fit.tau2_ci_low) if random else None, tau2_ci_high=opt(fit.tau2_ci_high) if random else None,
        tau=float(np.sqrt(fit.tau2[i])),
        i2=f(fit.i2), i2_ci_low=opt(fit.i2_ci_low) if random else None,
        i2_ci_high=opt(fit.i2_ci_high) if random else None,
        h2=f(fit.h2), h2_ci_low=opt(fit.h2_ci_low) if random else None,
        h2_ci_high=opt(fit.h2_ci_high) if random else None,
        q=f(fit.q), q_df=int(fit.q_df[i]), q_pvalue=f(fit.q_pvalue),
        back=back, iterations=int(fit.iterations[i]), converged=bool(fit.converged[i]),
        studies=effects.study, weights=tuple(float(x) for x in fit.weights[i, :k]),
        excluded=effects.excluded, adjusted=effects.adjusted,
        zero_cells=effects.zero_cells.to_dict() if effects.zero_cells else None,
        notes=tuple(notes), group=group,
    )
