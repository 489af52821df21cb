"""Q-profile confidence interval for tau^2 (Viechtbauer 2007; metafor's confint(type="QP")),
and the I^2 and H^2 intervals that follow from it."""
from __future__ import annotations

import numpy as np
from . import distributions as stats

from . import wls
from .solver import find_decreasing_root


def qprofile_ci(y, v, mask, X, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds for tau^2 per analysis (NaN where k - p < 1).

    Parameters
    ----------
    y : numpy.ndarray
        (B, K) effect sizes, analysis scale (padding cells are ignored).
    v : numpy.ndarray
        (B, K) sampling variances.
    mask : numpy.ndarray
        (B, K) bool, True for a study's cell.
    X : numpy.ndarray
        (B, K, p) model matrix.
    level : float
        Confidence level as a proportion (0.95).

    Returns
    -------
    lower, upper : numpy.ndarray
        (B,) bounds for tau^2, analysis scale squared; a bound is 0 where Q at tau^2 = 0 does not exceed its critical
        value, NaN where k - p < 1.
    """
    B = y.shape[0]
    k = mask.sum(axis=1)
    dfree = k - X.shape[2]
    vv = np.where(mask, v, 1.0)
    ok = dfree > 0
    safe = np.where(ok, dfree, 1)
    alpha = 1 - level
    crit_lb = stats.chi2_isf(alpha / 2, safe)  # Q at the lower bound equals the upper quantile
    crit_ub = stats.chi2_ppf(alpha / 2, safe)

    def q_and_slope(t2, rows):
        w = mask[rows] / (vv[rows] + t2[:, None])
        f = wls.fit(y[rows], w, X[rows])
        return f.rss, -np.sum((w * f.resid) ** 2, axis=1)  # dQ/dtau2 = -y'PPy

    all_rows = np.ones(B, dtype=bool)
    q0, slope0 = q_and_slope(np.zeros(B), all_rows)
    hi = np.maximum(np.sum(mask * vv, axis=1) / np.maximum(k, 1), 1e-4)
    out = []
    for crit in (crit_lb, crit_ub):
        active = ok & (q0 > crit)

        def f(t2, rows, crit=crit):
            q, slope = q_and_slope(t2, rows)
            return q - crit[rows], slope

        roots = find_decreasing_root(f, hi, active, q0 - crit, newton=True, slope_lo=slope0)
        bound = np.where(active, roots.x, 0.0)
        out.append(np.where(ok, bound, np.nan))
    return out[0], out[1]


def typical_variance(v, mask, X) -> np.ndarray:
    """metafor's 'typical' within-study variance vt = (k - p) / tr(P) with fixed-effect weights.

    Parameters
    ----------
    v : numpy.ndarray
        (B, K) sampling variances.
    mask : numpy.ndarray
        (B, K) bool, True for a study's cell.
    X : numpy.ndarray
        (B, K, p) model matrix.

    Returns
    -------
    numpy.ndarray
        (B,) typical variances, analysis scale squared.
    """
    w = mask / np.where(mask, v, 1.0)
    f = wls.fit(np.zeros_like(w), w, X)
    dfree = mask.sum(axis=1) - X.shape[2]
    return dfree / f.tr_p
