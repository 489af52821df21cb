"""Pool one analysis: effect sizes in, a MetaResult out (inverse variance, Mantel-Haenszel or Peto)."""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Mapping, Sequence

import numpy as np

from .choices import Measure, Method, PredictionType, Test
from .effects import MISSING, Effects, compute_effects, missing_rows
from .model import ZeroCells
from ..errors import AnalysisError
from .mantel_haenszel import pool_mh, pool_peto
from .fit import BatchFit, fit_batch
from .results import BackTransformed, Exclusion, MetaResult
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
    tau2_ci: bool = True,
) -> MetaResult:
    """Compute effect sizes from canonical columns and pool them with `method` (`tau2_ci=False` skips the
    Q-profile CI of tau^2, for refits that do not report it).

    Parameters
    ----------
    data : mapping of str to sequence of float
        Canonical columns (see :func:`compute_effects`); NaN is a missing value (the study is left out with the reason
        "missing").
    measure : Measure or str
        The effect measure.
    method : Method or str
        The tau^2 estimator, FE, MH or PETO.
    test : Test or str
        z, knha or adhoc (MH and Peto accept only z).
    study : sequence of str, optional
        One label per row (default "1", "2", ...).
    zero_cells : ZeroCells
        The zero-cell rule.
    pi_type : PredictionType or str
        How the prediction interval's critical value is chosen.
    level : float
        Confidence level as a proportion (0.95).
    tau2_ci : bool
        Whether to compute the Q-profile CI of tau^2 (and of I^2, H^2); ignored by MH and Peto.

    Returns
    -------
    MetaResult
        Estimate, CI and PI on the analysis scale (log for ratio measures), back-transformed in ``back``.

    Raises
    ------
    AnalysisError
        MH or Peto with a test other than z, or with a paired crossover row (``ri`` set); Peto with a measure other
        than PETO or OR; every study of an MH or Peto analysis has a missing value; no study can be pooled; and the
        errors of :func:`pool_mh` and :func:`pool_peto`.
    ValueError
        An unknown measure, method, test or prediction type name.
    """
    measure, method, test = Measure(measure), Method(method), Test(test)
    if method in (Method.MH, Method.PETO):
        _require_fixed_test(method, test)
        if method is Method.PETO and measure not in (Measure.PETO, Measure.OR):
            raise AnalysisError(f"Peto's method pools odds ratios; measure {measure.value} does not fit it")
        if "ri" in data and not np.isnan(np.asarray(data["ri"], dtype=float)).all():
            raise AnalysisError(f"method {method.value} pools the 2x2 counts themselves, so a crossover trial "
                                "cannot be analysed as paired (ri) with it; use an inverse-variance method")
        complete, labels, missing = _complete_tables(data, study)
        if method is Method.MH:
            r = pool_mh(complete, labels, measure, zero_cells, level)
        else:
            r = pool_peto(complete, labels, zero_cells, level)
        if not missing:
            return r
        n = len(labels) + len(missing)
        position: dict[str, int] = {}
        for i, label in enumerate([str(s) for s in study] if study is not None else [str(i + 1) for i in range(n)]):
            position.setdefault(label, i)
        return replace(r, excluded=tuple(sorted(missing + r.excluded, key=lambda e: position.get(e.study, 0))))
    effects = compute_effects(measure, data, study, zero_cells)
    return pool(effects, method, test, PredictionType(pi_type), level, tau2_ci)


def _complete_tables(data: Mapping[str, Sequence[float]], study: Sequence[str] | None):
    """The 2x2 tables without a missing cell, their labels, and an Exclusion (reason MISSING) for each other one:
    the Mantel-Haenszel and Peto sums run over the raw cells, so a missing one must not reach them."""
    cols = {name: np.asarray(values, dtype=float) for name, values in data.items()}
    n = len(next(iter(cols.values()))) if cols else 0
    labels = [str(s) for s in study] if study is not None else [str(i + 1) for i in range(n)]
    missing = missing_rows(cols)
    if not missing.any():
        return cols, labels, ()
    if missing.all():
        raise AnalysisError(f"no study can be pooled (every study has a missing value: {', '.join(labels)})")
    kept = ~missing
    return ({name: v[kept] for name, v in cols.items()}, [l for l, k in zip(labels, kept) if k],
            tuple(Exclusion(l, MISSING) for l, m in zip(labels, missing) if m))


def _require_fixed_test(method: Method, test: Test) -> None:
    if test is not Test.Z:
        raise AnalysisError(f"method {method.value} uses the z test; --test {test.value} does not apply")


def pool(
    effects: Effects,
    method: Method | str = Method.REML,
    test: Test | str = Test.Z,
    pi_type: PredictionType | str = PredictionType.METAFOR,
    level: float = 0.95,
    tau2_ci: bool = True,
) -> MetaResult:
    """Inverse-variance pooling (fixed effect or random effects) of precomputed effect sizes; `tau2_ci=False`
    skips the Q-profile CI of tau^2 (None in the result).

    Parameters
    ----------
    effects : Effects
        Effect sizes and sampling variances, analysis scale.
    method : Method or str
        The tau^2 estimator, or FE.
    test : Test or str
        z, knha or adhoc.
    pi_type : PredictionType or str
        How the prediction interval's critical value is chosen.
    level : float
        Confidence level as a proportion (0.95).
    tau2_ci : bool
        Whether to compute the Q-profile CI of tau^2 (and of I^2, H^2).

    Returns
    -------
    MetaResult
        Estimate, CI and PI on the analysis scale, back-transformed in ``back`` unless the scale is the identity.

    Raises
    ------
    AnalysisError
        Method MH or PETO (they need the 2x2 counts: use pool_table); no study to pool (every one excluded).
    ValueError
        An unknown method, test or prediction type name.
    """
    method, test, pi_type = Method(method), Test(test), PredictionType(pi_type)
    if method in (Method.MH, Method.PETO):
        raise AnalysisError(f"method {method.value} needs the 2x2 counts; use pool_table")
    if effects.k == 0:
        raise no_study_error(effects)
    y = effects.yi[None, :]
    v = effects.vi[None, :]
    mask = np.ones_like(y, dtype=bool)
    fit = fit_batch(y, v, mask, None, method, test, pi_type, level, tau2_ci=tau2_ci)
    return result_from_batch(fit, 0, effects, method, test, pi_type)


def no_study_error(effects: Effects, group=None) -> AnalysisError:
    """Why an analysis (or the group `group` of a batch) has nothing to pool.

    Parameters
    ----------
    effects : Effects
        The analysis with no usable study; its ``excluded`` give the reasons.
    group : object, optional
        The group's key in a batch (None for a single analysis).

    Returns
    -------
    AnalysisError
        The error to raise (or to return in a batch), naming each excluded study and its reason.
    """
    reasons = "; ".join(f"{e.study}: {e.reason}" for e in effects.excluded) or "the table is empty"
    message = f"no study can be pooled ({reasons})"
    return AnalysisError(message if group is None else f"group {group!r}: {message}")


class _Rows:
    """A BatchFit's arrays as Python lists (indexing lists is far cheaper than numpy scalars)."""

    SCALARS = ("k", "df", "tau2", "tau2_se", "tau2_ci_low", "tau2_ci_high", "i2", "i2_ci_low", "i2_ci_high", "h2",
               "h2_ci_low", "h2_ci_high", "q", "q_df", "q_pvalue", "pi_low", "pi_high", "iterations", "converged",
               "s2w", "other_max")
    FIRST = ("beta", "se", "statistic", "pvalue", "ci_low", "ci_high")

    def __init__(self, fit: BatchFit):
        for name in self.SCALARS:
            setattr(self, name, getattr(fit, name).tolist())
        for name in self.FIRST:
            setattr(self, name, getattr(fit, name)[:, 0].tolist())
        self.weights = fit.weights.tolist()


def result_from_batch(
    fit: BatchFit | _Rows, i: int, effects: Effects, method: Method, test: Test, pi_type: PredictionType, group=None
) -> MetaResult:
    """Read row i of a batched fit into a MetaResult, with the notes a user needs to read it right.

    Parameters
    ----------
    fit : BatchFit or _Rows
        The batched fit (or its rows as lists, to read many rows cheaply).
    i : int
        The row to read.
    effects : Effects
        The effect sizes fitted in that row (labels, scale, exclusions, notes).
    method : Method
        The method fitted.
    test : Test
        The test used (reported as z when k = 1, as metafor does).
    pi_type : PredictionType
        How the prediction interval's critical value was chosen.
    group : object, optional
        The group's key in a batch, stored in the result.

    Returns
    -------
    MetaResult
        NaN in the fit becomes None; the prediction interval only for random effects with k > 1; the tau^2, I^2 and
        H^2 CIs only for random effects; back-transformed values unless the scale is the identity (a bound beyond the
        floating-point range is inf there, with a note).
    """
    r = fit if isinstance(fit, _Rows) else _Rows(fit)
    k = int(r.k[i])
    notes = list(effects.notes) + fit_notes(k, r.converged[i], r.iterations[i], r.s2w[i], r.tau2[i], method, test,
                                            pi_type, r.other_max[i])

    def opt(values):
        x = values[i]
        return None if x != x else x

    random = method.is_random
    het = random and k > 1
    pi_low, pi_high = (opt(r.pi_low), opt(r.pi_high)) if het else (None, None)
    est, lo, hi = r.beta[i], r.ci_low[i], r.ci_high[i]
    back = None
    if effects.scale != "identity":
        vals = [est, lo, hi] + ([pi_low, pi_high] if pi_low is not None else [])
        bt = back_transform(effects.scale, vals, effects.ni).tolist()
        back = BackTransformed(bt[0], bt[1], bt[2], bt[3] if pi_low is not None else None,
                               bt[4] if pi_low is not None else None)
        if not all(math.isfinite(x) for x in bt):
            notes.append("a back-transformed bound lies beyond the floating-point range (about 1.8e308) and is "
                         "shown as null; the analysis-scale values are exact")
    return MetaResult(
        k=k, measure=effects.measure.value, method=method.value, test=test.value if k > 1 else "z",
        scale=effects.scale, estimate=est, se=r.se[i], statistic=r.statistic[i], pvalue=r.pvalue[i],
        ci_low=lo, ci_high=hi, df=opt(r.df), pi_low=pi_low, pi_high=pi_high,
        pi_method=pi_type.value if het else None,
        tau2=r.tau2[i], tau2_se=opt(r.tau2_se) if het else None,
        tau2_ci_low=opt(r.tau2_ci_low) if random else None, tau2_ci_high=opt(r.tau2_ci_high) if random else None,
        tau=r.tau2[i] ** 0.5,
        i2=r.i2[i], i2_ci_low=opt(r.i2_ci_low) if random else None, i2_ci_high=opt(r.i2_ci_high) if random else None,
        h2=r.h2[i], h2_ci_low=opt(r.h2_ci_low) if random else None, h2_ci_high=opt(r.h2_ci_high) if random else None,
        q=r.q[i], q_df=int(r.q_df[i]), q_pvalue=r.q_pvalue[i],
        back=back, iterations=int(r.iterations[i]), converged=bool(r.converged[i]),
        studies=effects.study, weights=tuple(r.weights[i][:k]),
        excluded=effects.excluded, adjusted=effects.adjusted,
        zero_cells=effects.zero_cells.to_dict() if effects.zero_cells else None,
        notes=tuple(notes), group=group,
    )


def fit_notes(k: int, converged: bool, iterations: int, s2w: float, tau2: float, method: Method, test: Test,
              pi_type: PredictionType, other_max: float = float("nan")) -> list[str]:
    """What a reader of one fitted analysis must be told (k = 1, boundary tau^2, non-convergence ...).

    Parameters
    ----------
    k : int
        Studies pooled.
    converged : bool
        Whether the tau^2 estimator converged.
    iterations : int
        Its iterations.
    s2w : float
        The Hartung-Knapp scale factor (1 under z).
    tau2 : float
        The estimated tau^2.
    method : Method
        The method fitted.
    test : Test
        The test used.
    pi_type : PredictionType
        How the prediction interval's critical value was chosen.
    other_max : float
        ML/REML: tau^2 at a second local maximum of the likelihood (NaN: none found).

    Returns
    -------
    list of str
        The notes, possibly empty.
    """
    notes = []
    random = method.is_random
    if k == 1:
        notes.append("k = 1: the pooled estimate is the single study's; heterogeneity cannot be assessed")
        if test is not Test.Z:
            notes.append("k = 1: the z test is used, as metafor does")
    if not random and test is not Test.Z:
        notes.append("Hartung-Knapp is meant for random-effects models (metafor warns likewise)")
    if not converged:
        notes.append(f"tau^2 estimator {method.value} did not converge after {iterations} iterations; the "
                     "DerSimonian-Laird estimate is used instead (metafor stops with an error and suggests another "
                     "estimator)")
    if test is not Test.Z and k > 1 and s2w == 0:
        notes.append("the Hartung-Knapp scale is 0 (the estimates agree exactly), so the CI has zero width; "
                     "test 'adhoc' avoids this")
    if other_max == other_max:
        kind = "restricted likelihood" if method is Method.REML else "likelihood"
        notes.append(f"the {kind} has two local maxima, at tau^2 = {tau2:.6g} and {other_max:.6g}: the higher, "
                     f"{tau2:.6g}, is reported (Fisher scoring, as in metafor, can stop at either)")
    if random and k >= 2 and tau2 == 0:
        notes.append("tau^2 estimated at its boundary 0")
    if random and k >= 2 and pi_type is PredictionType.HIGGINS and k < 3:
        notes.append("the t(k-2) prediction interval needs k >= 3")
    return notes
