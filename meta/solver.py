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
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    hi_start: np.ndarray,
    active: np.ndarray,
    f_lo: np.ndarray,
    rtol: float = 1e-12,
    max_iter: int = 300,
    max_doublings: int = 200,
) -> Roots:
    """Find x > 0 with f(x) = 0 for each row where `active`, given f(0) = f_lo > 0.

    f(x, rows) evaluates the function for the rows selected by the boolean mask `rows`, at x (same length as the
    selected rows). The bracket's upper end starts at hi_start and doubles until f < 0.
    """
    n = len(hi_start)
    x = np.zeros(n)
    iters = np.zeros(n, dtype=int)
    conv = np.ones(n, dtype=bool)
    if not active.any():
        return Roots(x, iters, conv)
    idx = np.flatnonzero(active)
    lo = np.zeros(len(idx))
    flo = np.asarray(f_lo, dtype=float)[idx].copy()
    hi = np.maximum(np.asarray(hi_start, dtype=float)[idx], 1e-8)
    fhi = f(hi, active)
    todo = fhi >= 0
    count = 0
    while todo.any() and count < max_doublings:
        lo[todo] = hi[todo]
        flo[todo] = fhi[todo]
        hi[todo] *= 2
        sub = active.copy()
        sub[idx[~todo]] = False
        fhi[todo] = f(hi[todo], sub)
        todo = fhi >= 0
        count += 1
    ok = ~todo
    it = np.zeros(len(idx), dtype=int)
    last = np.zeros(len(idx), dtype=int)  # which end moved last: -1 low, +1 high
    cur = ok & ((hi - lo) > rtol * hi)
    for _ in range(max_iter):
        if not cur.any():
            break
        denom = flo[cur] - fhi[cur]
        m = lo[cur] + (hi[cur] - lo[cur]) * flo[cur] / denom
        bad = ~np.isfinite(m) | (m <= lo[cur]) | (m >= hi[cur])
        m = np.where(bad, 0.5 * (lo[cur] + hi[cur]), m)
        sub = active.copy()
        sub[idx[~cur]] = False
        fm = f(m, sub)
        it[cur] += 1
        ci = np.flatnonzero(cur)
        pos = fm > 0
        # move the end with the same sign; Illinois: halve the stagnant end's value
        lp, hp = ci[pos], ci[~pos]
        stagnant_hi = lp[last[lp] == -1]
        fhi[stagnant_hi] *= 0.5
        stagnant_lo = hp[last[hp] == 1]
        flo[stagnant_lo] *= 0.5
        lo[lp], flo[lp], last[lp] = m[pos], fm[pos], -1
        hi[hp], fhi[hp], last[hp] = m[~pos], fm[~pos], 1
        exact = ci[fm == 0]
        lo[exact] = hi[exact] = m[fm == 0]
        cur = ok & ((hi - lo) > rtol * np.maximum(hi, 1e-300))
    root = 0.5 * (lo + hi)
    x[idx] = root
    iters[idx] = it + count
    conv[idx] = ok & ~cur
    return Roots(x, iters, conv)
