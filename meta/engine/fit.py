"""The inverse-variance model (metafor's rma.uni), batched over many analyses at once.

Everything is computed on padded (B, K) arrays, so pooling one analysis and pooling ten thousand run
the same code and give the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from . import distributions as stats

from . import wls
from .choices import Method, PredictionType, Test
from .qprofile import qprofile_ci, typical_variance
from .tau2 import estimate as estimate_tau2



@dataclass(frozen=True)
class BatchFit:
    """Arrays of shape (B,) (or (B, p) for coefficients) for B analyses fitted together."""

    k: np.ndarray
    beta: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: np.ndarray  # NaN under the z test
    vb: np.ndarray
    tau2: np.ndarray
    tau2_se: np.ndarray
    tau2_ci_low: np.ndarray
    tau2_ci_high: np.ndarray
    i2: np.ndarray
    i2_ci_low: np.ndarray
    i2_ci_high: np.ndarray
    h2: np.ndarray
    h2_ci_low: np.ndarray
    h2_ci_high: np.ndarray
    q: np.ndarray
    q_df: np.ndarray
    q_pvalue: np.ndarray
    pi_low: np.ndarray
    pi_high: np.ndarray
    weights: np.ndarray  # (B, K), percent
    iterations: np.ndarray
    converged: np.ndarray
    s2w: np.ndarray  # the Hartung-Knapp scale factor (1 under z)
    other_max: np.ndarray  # ML/REML: tau^2 at a second, lower local maximum of the likelihood (NaN: none found)
    qm: np.ndarray
    qm_df: np.ndarray
    qm_pvalue: np.ndarray


def fit_batch(*args, **kwargs) -> BatchFit:
    """Fit B random- or fixed-effect models. y, v, mask are (B, K); X is (B, K, p) (default: intercept).

    Rows with k <= p (e.g. k = 1) divide by zero in quantities that np.where then replaces; those cases are
    reported in each result's notes, so the floating-point warnings are silenced here.

    Parameters
    ----------
    *args, **kwargs
        Positionally or by name, in this order: `y`, `v`, `mask` ((B, K) arrays: effect sizes on the analysis scale,
        sampling variances, True for a study's cell and False for padding); `X` ((B, K, p) model matrix, default None:
        an intercept); `method` (Method, default REML); `test` (Test, default z); `pi_type` (PredictionType, default
        metafor's); `level` (confidence level as a proportion, default 0.95); `tau2_ci` (bool, default True: the
        Q-profile CI of tau^2, I^2 and H^2 for random-effects methods).

    Returns
    -------
    BatchFit
        One row per analysis: coefficients, their tests and intervals (analysis scale), tau^2 and heterogeneity
        statistics (I^2 in percent), weights in percent; NaN where a quantity does not exist (df under z, the
        prediction interval of a fixed-effect model or a meta-regression, the tau^2 CI when not asked for).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _fit_batch(*args, **kwargs)


def _fit_batch(
    y: np.ndarray,
    v: np.ndarray,
    mask: np.ndarray,
    X: np.ndarray | None = None,
    method: Method = Method.REML,
    test: Test = Test.Z,
    pi_type: PredictionType = PredictionType.METAFOR,
    level: float = 0.95,
    tau2_ci: bool = True,
) -> BatchFit:
    B, K = y.shape
    if X is None:
        X = np.ones((B, K, 1))
    X = X * mask[:, :, None]
    y = np.where(mask, y, 0.0)
    k = mask.sum(axis=1)
    dfree = k - X.shape[2]
    vv = np.where(mask, v, 1.0)
    t2fit = estimate_tau2(method, y, v, mask, X)
    tau2 = t2fit.tau2
    w = mask / (vv + tau2[:, None])
    f = wls.fit(y, w, X)
    c = _coefficients(f, test, k, dfree, level)
    qm, qm_df, qm_p = _omnibus(f.beta, c.vb, c.use_t, c.df_safe)
    q, q_p, i2, h2 = _heterogeneity(y, vv, mask, X, dfree, tau2, method)
    nan = np.full(B, np.nan)
    t2lo = t2hi = i2lo = i2hi = h2lo = h2hi = nan
    if method.is_random and tau2_ci:
        t2lo, t2hi = qprofile_ci(y, v, mask, X, level)
        vt_ci = typical_variance(v, mask, X)
        i2lo, i2hi = 100 * t2lo / (vt_ci + t2lo), 100 * t2hi / (vt_ci + t2hi)
        h2lo, h2hi = t2lo / vt_ci + 1, t2hi / vt_ci + 1
    pi_low, pi_high = _prediction(f.beta, c, tau2, k, method, pi_type, level, X.shape[2])
    return BatchFit(
        k=k, beta=f.beta, se=c.se, statistic=c.stat, pvalue=c.pval, ci_low=c.ci_low, ci_high=c.ci_high, df=c.df,
        vb=c.vb, tau2=tau2, tau2_se=t2fit.se if method.is_random else nan, tau2_ci_low=t2lo, tau2_ci_high=t2hi,
        i2=i2, i2_ci_low=i2lo, i2_ci_high=i2hi, h2=h2, h2_ci_low=h2lo, h2_ci_high=h2hi,
        q=q, q_df=dfree, q_pvalue=q_p, pi_low=pi_low, pi_high=pi_high, weights=100 * w / w.sum(axis=1, keepdims=True),
        iterations=t2fit.iterations, converged=t2fit.converged, s2w=c.s2w,
        other_max=t2fit.other_max if t2fit.other_max is not None else np.full(len(k), np.nan), qm=qm, qm_df=qm_df,
        qm_pvalue=qm_p,
    )


@dataclass(frozen=True)
class _Coefficients:
    """The coefficients' covariance (scaled by Hartung-Knapp's s^2 where used), tests and confidence limits."""

    vb: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    pval: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: np.ndarray
    df_safe: np.ndarray
    crit: np.ndarray
    use_t: np.ndarray
    s2w: np.ndarray


def _coefficients(f, test: Test, k, dfree, level: float) -> _Coefficients:
    vb = f.vb
    s2w = np.ones(len(k))
    use_t = (test in (Test.KNHA, Test.ADHOC)) & (k > 1)  # metafor forces the z test when k = 1
    if test in (Test.KNHA, Test.ADHOC):
        s2 = np.where(f.rss <= np.finfo(float).eps, 0.0, f.rss / np.maximum(dfree, 1))
        if test is Test.ADHOC:
            s2 = np.maximum(s2, 1.0)
        s2w = np.where(use_t, s2, 1.0)
        vb = vb * s2w[:, None, None]
    se = np.sqrt(np.einsum("bpp->bp", vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = f.beta / se
    alpha = 1 - level
    df = np.where(use_t, dfree, np.nan).astype(float)
    df_safe = np.where(use_t, np.maximum(dfree, 1), 1)
    crit = np.where(use_t, stats.t_isf(alpha / 2, df_safe), stats.norm_isf(alpha / 2))
    pval = np.where(use_t[:, None], 2 * stats.t_sf(np.abs(stat), df_safe[:, None]), 2 * stats.norm_sf(np.abs(stat)))
    return _Coefficients(vb, se, stat, pval, f.beta - crit[:, None] * se, f.beta + crit[:, None] * se, df,
                         df_safe, crit, use_t, s2w)


def _omnibus(beta, vb, use_t, df_safe):
    """The omnibus test of all coefficients but the intercept (or of the intercept in an intercept-only model):
    QM, its degrees of freedom and p-value (F under Hartung-Knapp, chi-square otherwise)."""
    p = beta.shape[1]
    btt = slice(1, p) if p > 1 else slice(0, 1)
    m = p - 1 if p > 1 else 1
    bsub = beta[:, btt]
    vsub = vb[:, btt, btt]
    singular = ~(np.abs(np.linalg.det(vsub)) > 0)
    vsub = np.where(singular[:, None, None], np.eye(vsub.shape[1]), vsub)
    qm = np.where(singular, np.nan, np.einsum("bp,bpq,bq->b", bsub, np.linalg.inv(vsub), bsub))
    qm_p = np.where(use_t, stats.f_sf(qm / m, m, df_safe), stats.chi2_sf(qm, m))
    return np.where(use_t, qm / m, qm), np.full(len(beta), float(m)), qm_p


def _heterogeneity(y, vv, mask, X, dfree, tau2, method: Method):
    """Q and its p-value (always with fixed-effect weights), I^2 and H^2 (from tau^2 for random effects, from Q
    for fixed effects, as metafor)."""
    f0 = wls.fit(y, mask / vv, X)
    has_df = dfree > 0
    q = np.where(has_df, np.maximum(0.0, f0.rss), 0.0)
    q_p = np.where(has_df, stats.chi2_sf(q, np.maximum(dfree, 1)), 1.0)
    vt = np.where(has_df, dfree / f0.tr_p, 0.0)
    if method.is_random:
        i2 = np.where(has_df, 100 * tau2 / (vt + tau2), 0.0)
        h2 = np.where(has_df, tau2 / np.where(has_df, vt, 1) + 1, 1.0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            i2 = np.where(has_df & (q > 0), np.maximum(0.0, 100 * (q - dfree) / q), 0.0)
            h2 = np.where(has_df, q / np.maximum(dfree, 1), 1.0)
    return q, q_p, i2, h2


def _prediction(beta, c: _Coefficients, tau2, k, method: Method, pi_type: PredictionType, level: float, p: int):
    """The prediction interval of intercept-only random-effects models (else NaN)."""
    nan = np.full(len(k), np.nan)
    if not (method.is_random and p == 1):
        return nan, nan
    if pi_type is PredictionType.HIGGINS:
        pcrit = np.where(k >= 3, stats.t_isf((1 - level) / 2, np.maximum(k - 2, 1)), np.nan)
    else:
        pcrit = c.crit
    half = pcrit * np.sqrt(c.se[:, 0] ** 2 + tau2)
    return beta[:, 0] - half, beta[:, 0] + half
