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
    bracket keeps it safe and Newton makes it quick. A row has converged when the bracket, or the last Newton step,
    is below rtol * x.

    Parameters
    ----------
    f : callable
        ``f(x, rows)``: the values at `x` (or, with `newton`, the values and derivatives) for the rows `rows` selects.
    hi_start : numpy.ndarray
        A first upper end of the bracket per row (at least 1e-8 is used).
    active : numpy.ndarray
        bool per row: the rows to solve.
    f_lo : numpy.ndarray
        f(0) per row (positive for the active rows).
    rtol : float
        Relative tolerance of the root.
    max_iter : int
        Narrowing steps before a row is declared not converged.
    max_doublings : int
        Doublings of the upper end before a row is declared not converged (no sign change found).
    newton : bool
        Whether `f` also returns the derivative, for Newton steps.
    slope_lo : numpy.ndarray, optional
        The derivative at 0 per row (with `newton`).

    Returns
    -------
    Roots
        Per row: the root (0 for inactive rows), the evaluations it took (doublings included) and whether it
        converged (True for inactive rows).
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
    b = _Bracket.start(call, hi_start, active, f_lo, slope_lo)
    doublings = b.widen(call, max_doublings)
    ok = b.fhi < 0
    root, it, cur = b.narrow(call, ok, rtol, max_iter, newton)
    x[b.idx] = root
    iters[b.idx] = it + doublings
    conv[b.idx] = ok & ~cur
    return Roots(x, iters, conv)


@dataclass
class _Bracket:
    """[lo, hi] around each active row's root, with f and its slope at both ends (mutated in place)."""

    active: np.ndarray
    idx: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    flo: np.ndarray
    fhi: np.ndarray
    slo: np.ndarray
    shi: np.ndarray

    @classmethod
    def start(cls, call, hi_start, active, f_lo, slope_lo) -> "_Bracket":
        idx = np.flatnonzero(active)
        flo = np.asarray(f_lo, dtype=float)[idx].copy()
        slo = np.full(len(idx), np.nan) if slope_lo is None else np.asarray(slope_lo, dtype=float)[idx].copy()
        hi = np.maximum(np.asarray(hi_start, dtype=float)[idx], 1e-8)
        fhi, shi = call(hi, active)
        return cls(active, idx, np.zeros(len(idx)), hi, flo, fhi, slo, shi)

    def rows(self, which: np.ndarray) -> np.ndarray:
        """The full-length row mask of the bracketed rows selected by `which`."""
        sub = self.active.copy()
        sub[self.idx[~which]] = False
        return sub

    def widen(self, call, max_doublings: int) -> np.ndarray:
        """Double the upper ends until f < 0 there; each row's own count (so a row's count does not depend on
        its batch)."""
        todo = self.fhi >= 0
        doublings = np.zeros(len(self.idx), dtype=int)
        count = 0
        while todo.any() and count < max_doublings:
            doublings[todo] += 1
            self.lo[todo], self.flo[todo], self.slo[todo] = self.hi[todo], self.fhi[todo], self.shi[todo]
            self.hi[todo] *= 2
            self.fhi[todo], self.shi[todo] = call(self.hi[todo], self.rows(todo))
            todo = self.fhi >= 0
            count += 1
        return doublings

    def narrow(self, call, ok, rtol: float, max_iter: int, newton: bool):
        """Illinois-modified regula falsi (with Newton steps that land inside the bracket): (roots, iterations,
        rows still not converged)."""
        lo, hi, flo, fhi, slo, shi = self.lo, self.hi, self.flo, self.fhi, self.slo, self.shi
        it = np.zeros(len(self.idx), dtype=int)
        last = np.zeros(len(self.idx), dtype=int)  # which end moved last: -1 low, +1 high
        final = np.full(len(self.idx), np.nan)  # the root where a Newton step converged
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
            fm, sm = call(m, self.rows(cur))
            it[cur] += 1
            ci = np.flatnonzero(cur)
            pos = fm > 0
            # move the end with the same sign; Illinois: halve the stagnant end's value
            lp, hp = ci[pos], ci[~pos]
            fhi[lp[last[lp] == -1]] *= 0.5
            flo[hp[last[hp] == 1]] *= 0.5
            lo[lp], flo[lp], slo[lp], last[lp] = m[pos], fm[pos], sm[pos], -1
            hi[hp], fhi[hp], shi[hp], last[hp] = m[~pos], fm[~pos], sm[~pos], 1
            exact = ci[fm == 0]
            lo[exact] = hi[exact] = m[fm == 0]
            if newton:
                step = -fm / sm
                small = np.isfinite(step) & (np.abs(step) <= rtol * m) & (sm < 0)
                final[ci[small]] = np.clip(m[small] + step[small], lo[ci[small]], hi[ci[small]])
            cur = ok & ((hi - lo) > rtol * np.maximum(hi, 1e-300)) & np.isnan(final)
        return np.where(np.isnan(final), 0.5 * (lo + hi), final), it, cur
