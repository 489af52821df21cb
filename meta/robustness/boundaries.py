"""Two-sided Lan-DeMets O'Brien-Fleming monitoring boundaries, by recursive numerical integration.

Sources: Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika 1983;70:659-663;
DeMets DL, Lan KKG. Interim analysis: the alpha spending function approach. Stat Med 1994;13:1341-1352;
Armitage P, McPherson CK, Rowe BC. Repeated significance tests on accumulating data. JRSS A 1969;132:235-244;
Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical Trials, 2000, ch. 7 and 19.
Checked against rpact 3.3.4 (tests/reference/make_tsa_reference.R). scipy.special's log_ndtr / ndtri_exp are used
only in the far tail (probabilities below 1e-300).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import log_ndtr, ndtri_exp

from ..engine.distributions import norm_isf, norm_sf
from ..errors import AnalysisError

def _number(name: str, value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} must be a number, got {value!r}") from None


def _check_open_unit(name: str, value: float) -> float:
    v = _number(name, value)
    if not (0.0 < v < 1.0):
        raise AnalysisError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return v


def _check_positive(name: str, value: float) -> float:
    v = _number(name, value)
    if not (math.isfinite(v) and v > 0.0):
        raise AnalysisError(f"{name} must be a finite positive number, got {value!r}")
    return v


def _as_vector(name: str, values, positive: bool) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise AnalysisError(f"{name} must be numbers: {exc}") from None
    if x.size < 1:
        raise AnalysisError(f"{name} is empty: trial sequential analysis needs at least 1 study")
    bad = ~np.isfinite(x) | ((x <= 0.0) if positive else False)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        need = "finite and > 0" if positive else "finite"
        raise AnalysisError(f"{name}[{i}] = {float(x[i])!r} is not {need}")
    return x


# ----------------------------------------------------------------------------------------------------------
# Required information size and diversity
# ----------------------------------------------------------------------------------------------------------


GRID_STEP = 0.05  # largest spacing of the integration grid on the Z scale
Z_MAX = 40.0  # the grid covers |Z| <= 40
MAX_INTERVALS = 100_000  # cap on grid size (with |Z| <= 3 kept: spacing >= 6e-5; see _grid_step)
KERNEL_FRACTION = 0.25  # grid spacing <= this fraction of the narrowest transition-kernel sd
KERNEL_REACH = 40.0  # kernel sds beyond which exp(-x^2/2) underflows: those grid nodes are skipped
TINY = 1e-300  # below this a tail probability is handled on the log scale
_BISECTION_TOL = 1e-10


def _log_obf_spent(t: float, alpha: float) -> float:
    """log of the two-sided alpha spent by information fraction t: alpha*(t) = 4 (1 - Phi(z_{1-alpha/4} / sqrt t))
    for 0 < t < 1 (alpha/2 per side, each side spending 2 (1 - Phi(z_{1-(alpha/2)/2} / sqrt t))), alpha for t >= 1."""
    if t >= 1.0:
        return math.log(alpha)
    x = float(norm_isf(alpha / 4.0)) / math.sqrt(t)
    if x < 35.0:  # Phi(-35) ~ 1e-268: the normal tail is still relatively accurate there
        return math.log(4.0) + math.log(float(norm_sf(x)))
    return math.log(4.0) + float(log_ndtr(-x))


def obf_spent(t: float, alpha: float = 0.05) -> float:
    """Two-sided alpha spent by information fraction t under the Lan-DeMets O'Brien-Fleming-type function.

    Parameters
    ----------
    t : float
        Information fraction (cumulative information / required information), > 0; values from 1 on spend all alpha.
    alpha : float
        Two-sided type I error, in (0, 1).

    Returns
    -------
    float
        The cumulative two-sided alpha spent by t (a probability, at most `alpha`).

    Raises
    ------
    AnalysisError
        `t` not a finite positive number; `alpha` not strictly between 0 and 1.
    """
    return math.exp(_log_obf_spent(_check_positive("t", t), _check_open_unit("alpha", alpha)))


def _log_increment(log_now: float, log_before: float | None) -> float:
    if log_before is None:
        return log_now
    if log_before >= log_now:
        return -math.inf
    return log_now + math.log1p(-math.exp(log_before - log_now))


def _two_sided_quantile(log_p: float) -> float:
    """c with P(|Z| >= c) = exp(log_p) for Z ~ N(0, 1); exact in the far tail too."""
    if log_p > math.log(TINY):
        return float(norm_isf(math.exp(log_p) / 2.0))
    return float(-ndtri_exp(log_p - math.log(2.0)))


def _simpson_grid(c: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and Simpson weights on the continuation region (-c, c) of one look, truncated at +-Z_MAX (the
    sub-density there is below phi(40) ~ 1e-348), with spacing at most `step`."""
    half = min(c, Z_MAX)
    intervals = 2 * max(1, math.ceil(half / step))
    intervals = min(intervals, MAX_INTERVALS)
    nodes = np.linspace(-half, half, intervals + 1)
    h = 2.0 * half / intervals
    weights = np.full(intervals + 1, 2.0 * h / 3.0)
    weights[1::2] = 4.0 * h / 3.0
    weights[0] = weights[-1] = h / 3.0
    return nodes, weights


def _grid_step(t: np.ndarray, k: int, c: float) -> float:
    """Grid spacing for look k: at most GRID_STEP and at most KERNEL_FRACTION of the narrowest normal transition
    kernel the grid meets, on the standardized scale: sqrt((t_{k+1} - t_k) / t_k) for the integral to look k+1
    and sqrt((t_k - t_{k-1}) / t_k) for the shoulders of the sub-density at look k. Simpson's rule on a normal
    kernel of sd s is accurate to ~1e-9 with spacing s/2 but only ~5e-3 with spacing s, so looks that add little
    information get a finer grid. A look adding so little that even MAX_INTERVALS cannot resolve it (relative
    increase below ~1e-8) is an error: merge it with its neighbour."""
    sds = [math.sqrt((t[k + 1] - t[k]) / t[k])]
    if k > 0:
        sds.append(math.sqrt((t[k] - t[k - 1]) / t[k]))
    narrowest = min(sds)
    finest = 2.0 * min(c, Z_MAX) / MAX_INTERVALS
    if finest > narrowest:
        j = k + 1 if sds[0] == narrowest else k
        raise AnalysisError(f"fractions[{j}] = {float(t[j])!r} adds too little information to fractions[{j - 1}]"
                            f" = {float(t[j - 1])!r} (relative increase {(t[j] - t[j - 1]) / t[j - 1]:.2g}) for the "
                            "numerical integration: merge these looks")
    return max(finest, min(GRID_STEP, KERNEL_FRACTION * narrowest))


@dataclass(frozen=True)
class _Look:
    nodes: np.ndarray  # grid of Z at this look, inside (-c, c)
    mass: np.ndarray  # Simpson weight x sub-density of Z (paths that have not crossed so far)
    info: float


def _first_look(c: float, info: float, step: float) -> _Look:
    nodes, weights = _simpson_grid(c, step)
    density = np.exp(-0.5 * nodes**2) / math.sqrt(2.0 * math.pi)
    return _Look(nodes, weights * density, info)


def _exit_probability(prev: _Look, c: float, info: float) -> float:
    """P(no crossing before, |Z_k| >= c) with Z_k sqrt(I_k) = Z_{k-1} sqrt(I_{k-1}) + N(0, I_k - I_{k-1})."""
    sd = math.sqrt(info - prev.info)
    shift = prev.nodes * math.sqrt(prev.info)
    level = c * math.sqrt(info)
    tails = norm_sf((level - shift) / sd) + norm_sf((level + shift) / sd)
    return float(np.dot(prev.mass, tails))


def _next_look(prev: _Look, c: float, info: float, step: float, chunk: int = 512) -> _Look:
    """Sub-density of Z_k on the grid of (-c, c), by integrating the previous sub-density against the normal
    transition kernel (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, sec. 19.2). Only previous
    nodes within KERNEL_REACH kernel sds of each new node are summed (the rest underflow), so a fine grid
    costs time in proportion to its size."""
    nodes, weights = _simpson_grid(c, step)
    sd = math.sqrt(info - prev.info)
    root_prev, root_now = math.sqrt(prev.info), math.sqrt(info)
    scale = root_now / (sd * math.sqrt(2.0 * math.pi))
    reach = KERNEL_REACH * sd / root_prev
    density = np.empty_like(nodes)
    for start in range(0, nodes.size, chunk):
        z = nodes[start:start + chunk]
        centre = z * (root_now / root_prev)
        lo, hi = np.searchsorted(prev.nodes, [centre[0] - reach, centre[-1] + reach])
        shift = prev.nodes[lo:hi] * root_prev
        kernel = np.exp(-0.5 * ((z[:, None] * root_now - shift[None, :]) / sd) ** 2)
        density[start:start + chunk] = scale * (kernel @ prev.mass[lo:hi])
    return _Look(nodes, weights * density, info)


def _solve_boundary(prev: _Look, info: float, target: float, start: float) -> float:
    """The c with _exit_probability(prev, c, info) == target (the probability is decreasing in c)."""
    lo, hi = 0.0, max(start, 1.0)
    while _exit_probability(prev, hi, info) > target:
        lo, hi = hi, 2.0 * hi
    while hi - lo > _BISECTION_TOL * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        if _exit_probability(prev, mid, info) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _check_fractions(fractions) -> np.ndarray:
    t = _as_vector("fractions", fractions, positive=True)
    steps = np.diff(t)
    if np.any(steps <= 0.0):
        i = int(np.flatnonzero(steps <= 0.0)[0]) + 1
        raise AnalysisError(f"fractions must be strictly increasing: fractions[{i}] = {float(t[i])!r} "
                            f"does not exceed fractions[{i - 1}] = {float(t[i - 1])!r}")
    return t


def obf_boundaries(fractions: Sequence[float], alpha: float = 0.05) -> np.ndarray:
    """Two-sided, symmetric Lan-DeMets O'Brien-Fleming-type monitoring boundaries c_1..c_K for |Z| at the given
    information fractions (strictly increasing, > 0).

    Spending function: alpha*(t) = 4 (1 - Phi(z_{1-alpha/4} / sqrt t)) for t < 1, alpha for t >= 1, i.e.
    alpha/2 per side with the one-sided Lan-DeMets O'Brien-Fleming function 2 (1 - Phi(z_{1-a/2} / sqrt t)),
    a = alpha/2 (DeMets & Lan 1994; the convention of ldbounds, gsDesign, rpact's "asOF" with sided = 2, and of
    the Copenhagen Trial Unit's RTSA, which calls esOF(alpha/side, t)). For 5 equally spaced looks and
    alpha = 0.05 this gives 4.877, 3.357, 2.680, 2.290, 2.031. (The function 2 (1 - Phi(z_{1-alpha/2} / sqrt t))
    with the two-sided alpha inside also spends alpha by t = 1 but is a different, less conservative function:
    4.383 at t = 0.2.)

    c_k solves P(|Z_j| < c_j for j < k, |Z_k| >= c_k) = alpha*(t_k) - alpha*(t_{k-1}) under H0, with the
    canonical joint distribution cov(Z_j, Z_k) = sqrt(t_j / t_k), computed by the recursive numerical
    integration of Armitage, McPherson & Rowe / Jennison & Turnbull (ch. 19) with Simpson's rule on a uniform
    grid over |Z| <= min(c, 40), spacing 0.05 or finer where a look adds little information (see _grid_step;
    Jennison & Turnbull's r = 18 grid is coarse in its tails, where O'Brien-Fleming boundaries lie, and lost
    6e-4 on a look adding 1% of the information), and bisection to 1e-10. Accuracy: within 2e-5 of rpact
    wherever rpact is itself accurate (see tests/test_tsa.py). A first look has the closed form
    c_1 = Phi^-1(1 - alpha*(t_1) / 2); tiny fractions give large boundaries, reported as they are (no cap; e.g. 9.96
    at t = 0.05). Where the alpha to spend at a look is below 1e-300 the boundary is the unconditional two-sided
    quantile of that amount (the probability of having crossed before is then negligible).

    Fractions beyond 1 (information past the required size): the spending function is capped at alpha, so the
    first look with t >= 1 spends all the alpha that is left, with its boundary computed at its actual
    information (Jennison & Turnbull 2000, sec. 7.2.2, on information over-runs). No alpha is left for later
    looks; their boundary is held at the value of that first look with t >= 1 (the monitoring boundary is
    continued flat past the required information size, as TSA's graphs continue the final boundary). Those
    later tests are not covered by the alpha spending. (RTSA instead rescales all fractions by the largest
    one; we keep earlier boundaries unchanged by later data.)

    Parameters
    ----------
    fractions : sequence of float
        Information fractions of the looks, strictly increasing and > 0 (values above 1 allowed, see above).
    alpha : float
        Two-sided type I error, in (0, 1).

    Returns
    -------
    numpy.ndarray
        The boundary for |Z| at each look (Z scale), one per fraction.

    Raises
    ------
    AnalysisError
        `fractions` empty, not finite, not positive or not strictly increasing; `alpha` outside (0, 1); a look adding
        too little information to its predecessor for the numerical integration.
    """
    t = _check_fractions(fractions)
    a = _check_open_unit("alpha", alpha)
    bounds = np.empty(t.size)
    log_before: float | None = None
    prev: _Look | None = None
    for k, tk in enumerate(t):
        log_now = _log_obf_spent(tk, a)
        log_inc = _log_increment(log_now, log_before)
        if log_inc == -math.inf:  # nothing left to spend: hold the boundary of the first look past t = 1
            bounds[k:] = bounds[k - 1]
            break
        if prev is None or log_inc < math.log(TINY):
            c = _two_sided_quantile(log_inc)
        else:
            c = _solve_boundary(prev, tk, math.exp(log_inc), bounds[k - 1])
        bounds[k] = c
        if k + 1 < t.size:
            step = _grid_step(t, k, c)
            prev = _first_look(c, tk, step) if prev is None else _next_look(prev, c, tk, step)
        log_before = log_now
    return bounds


# ----------------------------------------------------------------------------------------------------------
# Trial sequential analysis of studies in order of accumulation
# ----------------------------------------------------------------------------------------------------------
