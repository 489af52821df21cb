"""Between-study variance (tau^2) estimators, batched, with metafor's definitions and standard errors.

DL, HE and SJ are closed forms; ML, REML, PM and EB are roots of their estimating equations, found by a
bracketing solver (solver.py) instead of Fisher scoring, so they converge where metafor's iterations fail.
All estimates are truncated at 0, as metafor does.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import wls
from .choices import Method
from .solver import find_decreasing_root


@dataclass(frozen=True)
class Tau2Fit:
    tau2: np.ndarray
    se: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    other_max: np.ndarray | None = None  # ML/REML: a lower local maximum of the likelihood found too (NaN: none)


def _p_matrix(w: np.ndarray, X: np.ndarray, vb: np.ndarray) -> np.ndarray:
    """P = W - W X vb X'W, explicitly (B, K, K); only for the standard errors of HE and SJ."""
    Xw = X * w[:, :, None]
    return np.einsum("bk,kl->bkl", w, np.eye(w.shape[1])) - np.einsum("bkp,bpq,blq->bkl", Xw, vb, Xw)


def _ols_p(mask: np.ndarray, X: np.ndarray) -> np.ndarray:
    w1 = mask.astype(float)
    return _p_matrix(w1, X, wls.fit(np.zeros_like(w1), w1, X).vb)


MAX_ITER = 300  # iterations of the root finder before an estimator is declared not converged


def estimate(method: Method, y: np.ndarray, v: np.ndarray, mask: np.ndarray, X: np.ndarray) -> Tau2Fit:
    """tau^2 and its standard error for B padded analyses (y, v, mask: (B, K); X: (B, K, p))."""
    B = y.shape[0]
    k = mask.sum(axis=1)
    p = X.shape[2]
    dfree = k - p
    zeros = np.zeros(B)
    ones_it = np.zeros(B, dtype=int)
    conv = np.ones(B, dtype=bool)
    vv = np.where(mask, v, 1.0)
    if method in (Method.FE, Method.MH, Method.PETO):
        return Tau2Fit(zeros, np.full(B, np.nan), ones_it, conv)
    safe_df = np.where(dfree > 0, dfree, 1)

    def weights(t2):
        return mask / (vv + t2[:, None])

    if method is Method.DL:
        w = weights(zeros)
        f = wls.fit(y, w, X)
        t2 = np.maximum(0.0, (f.rss - dfree) / f.tr_p)
        _, tr_pp = wls.reml_terms(y, w, X, f)
        se = np.sqrt((2 * dfree + 4 * t2 * f.tr_p + 2 * t2**2 * tr_pp) / f.tr_p**2)
        return _done(t2, se, dfree, ones_it, conv)
    if method is Method.HE:
        rss, tr_pv = wls.ols_terms(y, np.where(mask, v, 0.0), X, mask)
        t2 = np.maximum(0.0, (rss - tr_pv) / safe_df)
        P = _ols_p(mask, X)
        PV = P * np.where(mask, v, 0.0)[:, None, :]
        tr_pvpv = np.einsum("bkl,blk->b", PV, PV)
        se = np.sqrt((2 * tr_pvpv + 4 * t2 * tr_pv + 2 * t2**2 * dfree) / safe_df**2)
        return _done(t2, se, dfree, ones_it, conv)
    if method is Method.SJ:
        ybar = np.sum(y * mask, axis=1) / k
        ybar = ybar + np.sum(mask * (y - ybar[:, None]), axis=1) / k  # corrected two-pass mean, as R's var()
        t0 = np.sum(mask * (y - ybar[:, None]) ** 2, axis=1) / k
        w = weights(t0)
        f = wls.fit(y, w, X)
        t2 = np.maximum(0.0, t0 * f.rss / safe_df)
        P = _p_matrix(w, X, f.vb)
        PV = P * np.where(mask, v, 0.0)[:, None, :]
        tr_pvpv = np.einsum("bkl,blk->b", PV, PV)
        tr_pvp = np.einsum("bkl,bkl->b", PV, P)
        tr_pp = np.einsum("bkl,bkl->b", P, P)
        se = np.sqrt(t0**2 / safe_df**2 * (2 * tr_pvpv + 4 * t2 * tr_pvp + 2 * t2**2 * tr_pp))
        return _done(t2, se, dfree, ones_it, conv)

    # iterative estimators: f(tau2) decreasing through its root
    def equation(t2, rows):
        """The estimating equation and its derivative in tau^2 (P' = -PP)."""
        w = weights_rows(t2, rows)
        Xr = X[rows]
        f = wls.fit(y[rows], w, Xr)
        py = w * f.resid  # P y
        ypp = np.sum(py**2, axis=1)
        if method in (Method.PM, Method.EB):
            return f.rss - dfree[rows], -ypp
        ppy = wls.p_times(w, Xr, f.vb, py)
        yppp = np.sum(py * ppy, axis=1)
        if method is Method.ML:
            return ypp - w.sum(axis=1), -2 * yppp + np.sum(w**2, axis=1)
        _, tr_pp = wls.reml_terms(y[rows], w, Xr, f)
        return ypp - f.tr_p, -2 * yppp + tr_pp

    def weights_rows(t2, rows):
        return mask[rows] / (vv[rows] + t2[:, None])

    all_rows = np.ones(B, dtype=bool)
    f0, slope0 = equation(zeros, all_rows)
    active = (f0 > 0) & (dfree > 0)
    ybar = np.sum(y * mask, axis=1) / np.maximum(k, 1)
    spread = np.sum(mask * (y - ybar[:, None]) ** 2, axis=1) / np.maximum(k, 1)
    hi = np.maximum(spread, np.sum(mask * vv, axis=1) / np.maximum(k, 1))
    roots = find_decreasing_root(equation, hi, active, f0, newton=True, slope_lo=slope0, max_iter=MAX_ITER)
    t2 = np.where(active, roots.x, 0.0)
    iterations, other = roots.iterations, None
    if method in (Method.ML, Method.REML):
        t2, other, extra = _highest_maximum(method, equation, y, v, vv, mask, X, dfree, t2, f0, slope0)
        iterations = iterations + extra
    failed = active & ~roots.converged
    if failed.any():  # never a half-converged value: DerSimonian-Laird instead, and the note says so
        t2 = np.where(failed, estimate(Method.DL, y, v, mask, X).tau2, t2)
        if other is not None:
            other = np.where(failed, np.nan, other)
    w = weights(t2)
    f = wls.fit(y, w, X)
    if method is Method.ML:
        se = np.sqrt(2 / np.sum(w**2, axis=1))
    elif method is Method.REML:
        _, tr_pp = wls.reml_terms(y, w, X, f)
        se = np.sqrt(2 / tr_pp)
    else:
        se = np.sqrt(2 * k**2 / safe_df / w.sum(axis=1) ** 2)
    fit = _done(t2, se, dfree, iterations, roots.converged)
    return fit if other is None else Tau2Fit(fit.tau2, fit.se, fit.iterations, fit.converged,
                                             np.where(dfree > 0, other, np.nan))


def _highest_maximum(method, equation, y, v, vv, mask, X, dfree, t2, f0, slope0):
    """The ML/REML likelihood can have two local maxima (one at the boundary 0, say, and one inside).

    The root found from 0 is one local maximum (or 0 itself). metafor climbs by Fisher scoring from the
    Hedges (HE) estimate and then keeps 0 if its likelihood is higher (`ll0check`). We also look from HE: where
    the equation's sign there shows that a different local maximum lies uphill of it, we find that one too and
    keep whichever of the two has the higher likelihood. Returns (tau^2, the other maximum or NaN, evaluations).
    """
    B = len(t2)
    extra = np.zeros(B, dtype=int)
    other = np.full(B, np.nan)
    rss, tr_pv = wls.ols_terms(y, np.where(mask, v, 0.0), X, mask)
    start = np.where(dfree > 0, np.maximum(0.0, (rss - tr_pv) / np.where(dfree > 0, dfree, 1)), 0.0)
    look = (dfree > 0) & (start > 0) & (np.abs(start - t2) > 1e-8 * np.maximum(start, t2))
    if not look.any():
        return t2, other, extra
    fs = np.zeros(B)
    ss = np.zeros(B)
    fs[look], ss[look] = equation(start[look], look)
    extra[look] += 1
    # a bracket [base, base + width] with the equation > 0 at base (f_base) and a maximum inside or above it
    up = look & (fs > 0) & (t2 < start)  # a maximum lies above the start, past the one found
    down = look & (fs < 0) & (t2 > start)  # one lies below the start (the equation is > 0 at 0, < 0 there)
    base, width, f_base, s_base = np.zeros(B), start.copy(), f0.copy(), slope0.copy()
    base[up], f_base[up], s_base[up] = start[up], fs[up], ss[up]
    # the equation is < 0 at the start and the maximum found lies below it: descend from the start, as Fisher
    # scoring would, halving the distance to the maximum found, until the equation turns positive (another
    # maximum lies between there and the previous point); at most 8 halvings (to 1/256 of the distance)
    seek = look & (fs < 0) & (t2 < start)
    x = start.copy()
    for _ in range(8):
        if not seek.any():
            break
        x = np.where(seek, t2 + (x - t2) / 2, x)
        fx, sx = np.zeros(B), np.zeros(B)
        fx[seek], sx[seek] = equation(x[seek], seek)
        extra[seek] += 1
        hit = seek & (fx > 0)
        base[hit], width[hit], f_base[hit], s_base[hit] = x[hit], x[hit] - t2[hit], fx[hit], sx[hit]
        down |= hit
        seek &= ~hit
    solve = up | down
    cand = np.where(look & (fs == 0), start, np.nan)
    if solve.any():
        def shifted(u, rows):
            return equation(base[rows] + u, rows)
        r = find_decreasing_root(shifted, np.where(solve, width, 1.0), solve, f_base, newton=True, slope_lo=s_base)
        cand = np.where(solve, base + r.x, cand)
        extra += np.where(solve, r.iterations, 0)
    both = np.isfinite(cand)
    if not both.any():
        return t2, other, extra
    ll_found = _loglik(method, y, vv, mask, X, t2, both)
    ll_cand = _loglik(method, y, vv, mask, X, np.where(both, cand, 0.0), both)
    better = both & (ll_cand > ll_found)
    other = np.where(better, t2, np.where(both, cand, np.nan))
    return np.where(better, cand, t2), other, extra


def _loglik(method, y, vv, mask, X, t2, rows):
    """The ML or REML log-likelihood up to a constant (NaN outside `rows`)."""
    w = np.where(rows[:, None], mask / (vv + t2[:, None]), mask.astype(float))
    f = wls.fit(y, w, X)
    ll = -0.5 * np.sum(np.where(mask, np.log(vv + t2[:, None]), 0.0), axis=1) - 0.5 * f.rss
    if method is Method.REML:
        ll = ll + 0.5 * np.linalg.slogdet(f.vb)[1]  # -1/2 log det(X'WX)
    return np.where(rows, ll, np.nan)


def _done(t2, se, dfree, iters, conv) -> Tau2Fit:
    none = dfree <= 0
    t2 = np.where(none, 0.0, t2)
    se = np.where(none, np.nan, se)
    return Tau2Fit(t2, se, iters, conv)
