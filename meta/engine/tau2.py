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


@dataclass(frozen=True)
class _Batch:
    """B padded analyses (y, v, mask: (B, K); X: (B, K, p)) and what every estimator derives from them."""

    y: np.ndarray
    v: np.ndarray
    mask: np.ndarray
    X: np.ndarray

    @property
    def B(self) -> int:
        return self.y.shape[0]

    @property
    def k(self) -> np.ndarray:
        return self.mask.sum(axis=1)

    @property
    def dfree(self) -> np.ndarray:
        return self.k - self.X.shape[2]

    @property
    def safe_df(self) -> np.ndarray:
        return np.where(self.dfree > 0, self.dfree, 1)

    @property
    def vv(self) -> np.ndarray:
        return np.where(self.mask, self.v, 1.0)

    def weights(self, t2: np.ndarray, rows=slice(None)) -> np.ndarray:
        return self.mask[rows] / (self.vv[rows] + t2[:, None])


def estimate(method: Method, y: np.ndarray, v: np.ndarray, mask: np.ndarray, X: np.ndarray) -> Tau2Fit:
    """tau^2 and its standard error for B padded analyses (y, v, mask: (B, K); X: (B, K, p)), by the estimator
    registered for `method` (ESTIMATORS).

    Parameters
    ----------
    method : Method
        The estimator: FE, MH or PETO give tau^2 = 0; DL, HE, SJ, ML, REML, PM, EB.
    y : numpy.ndarray
        (B, K) effect sizes, analysis scale.
    v : numpy.ndarray
        (B, K) sampling variances.
    mask : numpy.ndarray
        (B, K) bool, True for a study's cell.
    X : numpy.ndarray
        (B, K, p) model matrix.

    Returns
    -------
    Tau2Fit
        tau^2 (analysis scale squared, truncated at 0; 0 where k - p < 1) and its standard error (NaN for fixed
        methods and where k - p < 1), the iterations, convergence (where an iterative estimator failed, tau^2 is the
        DerSimonian-Laird estimate) and, for ML/REML, a second local maximum (NaN: none).
    """
    return ESTIMATORS[method](method, _Batch(y, v, mask, X))


def _fixed(method: Method, b: _Batch) -> Tau2Fit:
    return Tau2Fit(np.zeros(b.B), np.full(b.B, np.nan), np.zeros(b.B, dtype=int), np.ones(b.B, dtype=bool))


def _closed(t2, se, b: _Batch) -> Tau2Fit:
    return _done(t2, se, b.dfree, np.zeros(b.B, dtype=int), np.ones(b.B, dtype=bool))


def _dersimonian_laird(method: Method, b: _Batch) -> Tau2Fit:
    dfree = b.dfree
    w = b.weights(np.zeros(b.B))
    f = wls.fit(b.y, w, b.X)
    t2 = np.maximum(0.0, (f.rss - dfree) / f.tr_p)
    _, tr_pp = wls.reml_terms(b.y, w, b.X, f)
    se = np.sqrt((2 * dfree + 4 * t2 * f.tr_p + 2 * t2**2 * tr_pp) / f.tr_p**2)
    return _closed(t2, se, b)


def _hedges(method: Method, b: _Batch) -> Tau2Fit:
    rss, tr_pv = wls.ols_terms(b.y, np.where(b.mask, b.v, 0.0), b.X, b.mask)
    t2 = np.maximum(0.0, (rss - tr_pv) / b.safe_df)
    P = _ols_p(b.mask, b.X)
    PV = P * np.where(b.mask, b.v, 0.0)[:, None, :]
    tr_pvpv = np.einsum("bkl,blk->b", PV, PV)
    se = np.sqrt((2 * tr_pvpv + 4 * t2 * tr_pv + 2 * t2**2 * b.dfree) / b.safe_df**2)
    return _closed(t2, se, b)


def _sidik_jonkman(method: Method, b: _Batch) -> Tau2Fit:
    y, mask, k = b.y, b.mask, b.k
    ybar = np.sum(y * mask, axis=1) / k
    ybar = ybar + np.sum(mask * (y - ybar[:, None]), axis=1) / k  # corrected two-pass mean, as R's var()
    t0 = np.sum(mask * (y - ybar[:, None]) ** 2, axis=1) / k
    w = b.weights(t0)
    f = wls.fit(y, w, b.X)
    t2 = np.maximum(0.0, t0 * f.rss / b.safe_df)
    P = _p_matrix(w, b.X, f.vb)
    PV = P * np.where(mask, b.v, 0.0)[:, None, :]
    tr_pvpv = np.einsum("bkl,blk->b", PV, PV)
    tr_pvp = np.einsum("bkl,bkl->b", PV, P)
    tr_pp = np.einsum("bkl,bkl->b", P, P)
    se = np.sqrt(t0**2 / b.safe_df**2 * (2 * tr_pvpv + 4 * t2 * tr_pvp + 2 * t2**2 * tr_pp))
    return _closed(t2, se, b)


def _equation(method: Method, b: _Batch):
    """The estimating equation of an iterative estimator and its derivative in tau^2 (P' = -PP), decreasing
    through its root: evaluated at tau^2 values for the analyses `rows`."""
    def equation(t2, rows):
        w = b.weights(t2, rows)
        Xr = b.X[rows]
        f = wls.fit(b.y[rows], w, Xr)
        py = w * f.resid  # P y
        ypp = np.sum(py**2, axis=1)
        if method in (Method.PM, Method.EB):
            return f.rss - b.dfree[rows], -ypp
        ppy = wls.p_times(w, Xr, f.vb, py)
        yppp = np.sum(py * ppy, axis=1)
        if method is Method.ML:
            return ypp - w.sum(axis=1), -2 * yppp + np.sum(w**2, axis=1)
        _, tr_pp = wls.reml_terms(b.y[rows], w, Xr, f)
        return ypp - f.tr_p, -2 * yppp + tr_pp
    return equation


def _iterative(method: Method, b: _Batch) -> Tau2Fit:
    """ML, REML, PM and EB: the root of the estimating equation, by the bracketing solver (solver.py)."""
    y, mask, vv, k, dfree = b.y, b.mask, b.vv, b.k, b.dfree
    equation = _equation(method, b)
    f0, slope0 = equation(np.zeros(b.B), np.ones(b.B, dtype=bool))
    active = (f0 > 0) & (dfree > 0)
    ybar = np.sum(y * mask, axis=1) / np.maximum(k, 1)
    spread = np.sum(mask * (y - ybar[:, None]) ** 2, axis=1) / np.maximum(k, 1)
    hi = np.maximum(spread, np.sum(mask * vv, axis=1) / np.maximum(k, 1))
    roots = find_decreasing_root(equation, hi, active, f0, newton=True, slope_lo=slope0, max_iter=MAX_ITER)
    t2 = np.where(active, roots.x, 0.0)
    iterations, other = roots.iterations, None
    if method in (Method.ML, Method.REML):
        t2, other, extra = _highest_maximum(method, equation, y, b.v, vv, mask, b.X, dfree, t2, f0, slope0)
        iterations = iterations + extra
    failed = active & ~roots.converged
    if failed.any():  # never a half-converged value: DerSimonian-Laird instead, and the note says so
        t2 = np.where(failed, _dersimonian_laird(Method.DL, b).tau2, t2)
        if other is not None:
            other = np.where(failed, np.nan, other)
    fit = _done(t2, _iterative_se(method, b, t2), dfree, iterations, roots.converged)
    return fit if other is None else Tau2Fit(fit.tau2, fit.se, fit.iterations, fit.converged,
                                             np.where(dfree > 0, other, np.nan))


def _iterative_se(method: Method, b: _Batch, t2: np.ndarray) -> np.ndarray:
    w = b.weights(t2)
    if method is Method.ML:
        return np.sqrt(2 / np.sum(w**2, axis=1))
    if method is Method.REML:
        _, tr_pp = wls.reml_terms(b.y, w, b.X, wls.fit(b.y, w, b.X))
        return np.sqrt(2 / tr_pp)
    return np.sqrt(2 * b.k**2 / b.safe_df / w.sum(axis=1) ** 2)


ESTIMATORS = {
    Method.FE: _fixed, Method.MH: _fixed, Method.PETO: _fixed,
    Method.DL: _dersimonian_laird, Method.HE: _hedges, Method.SJ: _sidik_jonkman,
    Method.ML: _iterative, Method.REML: _iterative, Method.PM: _iterative, Method.EB: _iterative,
}


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
