"""A vectorised bracketing root finder (Illinois-modified regula falsi) for many equations at once.

Used for every iterative tau^2 estimator and the Q-profile CI: it cannot diverge the way Fisher scoring
can, and it records the iterations each equation needed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Roots:
    x: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def find_decreasing_root(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray | tuple[np.ndarray, np.ndarray]],
    hi_start: np.ndarray,
    active: np.ndarray,
    f_lo: np.ndarray,
    rtol: float = 1e-12,
    max_iter: int = 300,
    max_doublings: int = 200,
    newton: bool = False,
    slope_lo: np.ndarray | None = None,
) -> Roots:
    """Find x > 0 with f(x) = 0 for each row where `active`, given f(0) = f_lo > 0.

    f(x, rows) evaluates the function for the rows selected by the boolean mask `rows`, at x (same length as the
    selected rows). The bracket's upper end starts at hi_start and doubles until f < 0.

    With `newton=True`, f returns (value, derivative) and each step is Newton's from the low end of the bracket
    (else from the high end) whenever that lands strictly inside the bracket (Illinois otherwise), so the
    bracket keeps it safe and Newton makes it quick. A row has converged when the bracket, or the last Newton step, is below rtol * x.
    """
    def call(xs, rows):
        out = f(xs, rows)
        return out if newton else (out, np.full(len(xs), np.nan))

    n = len(hi_start)
    x = np.zeros(n)
    iters = np.zeros(n, dtype=int)
    conv = np.ones(n, dtype=bool)
    if not active.any():
        return Roots(x, iters, conv)
    idx = np.flatnonzero(active)
    lo = np.zeros(len(idx))
    flo = np.asarray(f_lo, dtype=float)[idx].copy()
    slo = np.full(len(idx), np.nan) if slope_lo is None else np.asarray(slope_lo, dtype=float)[idx].copy()
    hi = np.maximum(np.asarray(hi_start, dtype=float)[idx], 1e-8)
    fhi, shi = call(hi, active)
    todo = fhi >= 0
    count = 0
    doublings = np.zeros(len(idx), dtype=int)  # each row's own, so a row's count does not depend on its batch
    while todo.any() and count < max_doublings:
        doublings[todo] += 1
        lo[todo], flo[todo], slo[todo] = hi[todo], fhi[todo], shi[todo]
        hi[todo] *= 2
        sub = active.copy()
        sub[idx[~todo]] = False
        fhi[todo], shi[todo] = call(hi[todo], sub)
        todo = fhi >= 0
        count += 1
    ok = ~todo
    it = np.zeros(len(idx), dtype=int)
    last = np.zeros(len(idx), dtype=int)  # which end moved last: -1 low, +1 high
    final = np.full(len(idx), np.nan)  # the root where a Newton step converged
    cur = ok & ((hi - lo) > rtol * hi)
    for _ in range(max_iter):
        if not cur.any():
            break
        l, h, fl, fh = lo[cur], hi[cur], flo[cur], fhi[cur]
        m = l + (h - l) * fl / (fl - fh)
        bad = ~np.isfinite(m) | (m <= l) | (m >= h)
        m = np.where(bad, 0.5 * (l + h), m)
        if newton:
            # from the low end first: on a convex decreasing f it approaches the root from below, monotonically
            for xn in (h - fh / shi[cur], l - fl / slo[cur]):
                m = np.where(np.isfinite(xn) & (xn > l) & (xn < h), xn, m)
        sub = active.copy()
        sub[idx[~cur]] = False
        fm, sm = call(m, sub)
        it[cur] += 1
        ci = np.flatnonzero(cur)
        pos = fm > 0
        # move the end with the same sign; Illinois: halve the stagnant end's value
        lp, hp = ci[pos], ci[~pos]
        stagnant_hi = lp[last[lp] == -1]
        fhi[stagnant_hi] *= 0.5
        stagnant_lo = hp[last[hp] == 1]
        flo[stagnant_lo] *= 0.5
        lo[lp], flo[lp], slo[lp], last[lp] = m[pos], fm[pos], sm[pos], -1
        hi[hp], fhi[hp], shi[hp], last[hp] = m[~pos], fm[~pos], sm[~pos], 1
        exact = ci[fm == 0]
        lo[exact] = hi[exact] = m[fm == 0]
        if newton:
            step = -fm / sm
            small = np.isfinite(step) & (np.abs(step) <= rtol * m) & (sm < 0)
            final[ci[small]] = np.clip(m[small] + step[small], lo[ci[small]], hi[ci[small]])
        cur = ok & ((hi - lo) > rtol * np.maximum(hi, 1e-300)) & np.isnan(final)
    root = np.where(np.isnan(final), 0.5 * (lo + hi), final)
    x[idx] = root
    iters[idx] = it + doublings
    conv[idx] = ok & ~cur
    return Roots(x, iters, conv)
