"""Trial sequential analysis (TSA) of a cumulative meta-analysis.

Sources:
- Wetterslev J, Thorlund K, Brok J, Gluud C. Trial sequential analysis may establish when firm evidence is
  reached in cumulative meta-analysis. J Clin Epidemiol 2008;61:64-75 (required information size, monitoring
  boundaries on the cumulative Z curve).
- Wetterslev J, Thorlund K, Brok J, Gluud C. Estimating required information size by quantifying diversity in
  random-effects model meta-analyses. BMC Med Res Methodol 2009;9:86 (diversity D^2).
- Thorlund K, Engstrom J, Wetterslev J, Brok J, Imberger G, Gluud C. User manual for trial sequential analysis
  (TSA). Copenhagen Trial Unit, 2011/2017; and its R port, RTSA (CRAN; R/ris.R and the vignette
  "required-sample-size", which states the TSA formulas RIS = 4 (z_{1-alpha/2} + z_{1-beta})^2 nu / theta^2 and
  RIS_{D^2} = RIS / (1 - D^2)).
- Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika 1983;70:659-663;
  DeMets DL, Lan KKG. Interim analysis: the alpha spending function approach. Stat Med 1994;13:1341-1352.
- Armitage P, McPherson CK, Rowe BC. Repeated significance tests on accumulating data. JRSS A 1969;132:235-244;
  Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical Trials, 2000, ch. 7 and 19
  (the recursive numerical integration).

Statistics only: numpy and the normal tail functions of `.distributions` (norm_sf, norm_isf); scipy.special's
log_ndtr / ndtri_exp are used only in the far tail (probabilities below 1e-300) where those underflow.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import log_ndtr, ndtri_exp

from ..engine.distributions import norm_isf, norm_sf
from ..errors import AnalysisError
from ..jsonable import Jsonable

GRID_STEP = 0.05  # largest spacing of the integration grid on the Z scale
Z_MAX = 40.0  # the grid covers |Z| <= 40
MAX_INTERVALS = 100_000  # cap on grid size (with |Z| <= 3 kept: spacing >= 6e-5; see _grid_step)
KERNEL_FRACTION = 0.25  # grid spacing <= this fraction of the narrowest transition-kernel sd
KERNEL_REACH = 40.0  # kernel sds beyond which exp(-x^2/2) underflows: those grid nodes are skipped
TINY = 1e-300  # below this a tail probability is handled on the log scale
_BISECTION_TOL = 1e-10


# ----------------------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------------------

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


def _check_diversity(value: float) -> float:
    v = _number("diversity", value)
    if not (0.0 <= v < 1.0):
        raise AnalysisError(f"diversity D^2 must lie in [0, 1), got {value!r}")
    return v


def _check_tau2(tau2: float | None) -> float:
    if tau2 is None:
        return 0.0
    t = _number("tau2", tau2)
    if not (math.isfinite(t) and t >= 0.0):
        raise AnalysisError(f"tau2 must be a finite number >= 0, got {tau2!r}")
    return t


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

def _z_sum_squared(alpha: float, power: float) -> float:
    return float(norm_isf(alpha / 2.0) + norm_isf(1.0 - power)) ** 2


def required_information_size_binary(control_risk: float, rrr: float, alpha: float = 0.05, power: float = 0.90,
                                     diversity: float = 0.0) -> float:
    """Total participants (both arms, 1:1) a meta-analysis of a binary outcome needs, two-sided alpha.

    IS = 4 (z_{1-alpha/2} + z_{1-beta})^2 pbar (1 - pbar) / delta^2, with pc = control_risk,
    pe = pc (1 - rrr), delta = pc - pe and pbar = (pc + pe) / 2 (Wetterslev et al. 2008, J Clin Epidemiol
    61:64-75, eq. for the required information size; the same formula in the TSA manual and in RTSA's `ris()`,
    which writes it as 4 (z_{1-alpha/side} + z_{1-beta})^2 nu / theta^2, nu = pbar (1 - pbar), theta = pc - pe).
    The diversity-adjusted size (DARIS) is IS / (1 - D^2) (Wetterslev et al. 2009, BMC Med Res Methodol 9:86).
    `rrr` may be negative (an anticipated increase in risk, as for harms) but not 0; pe must lie in (0, 1).
    No rounding is applied (RTSA rounds up to the next even number; TSA reports whole participants).
    """
    pc = _check_open_unit("control_risk", control_risk)
    r = _number("rrr", rrr)
    if not math.isfinite(r) or r == 0.0:
        raise AnalysisError(f"rrr (relative risk reduction) must be a finite non-zero number, got {rrr!r}")
    pe = pc * (1.0 - r)
    if not (0.0 < pe < 1.0):
        raise AnalysisError(f"rrr = {rrr!r} gives an intervention risk of {pe:g}, outside (0, 1)")
    a = _check_open_unit("alpha", alpha)
    p = _check_open_unit("power", power)
    d2 = _check_diversity(diversity)
    pbar = 0.5 * (pc + pe)
    size = 4.0 * _z_sum_squared(a, p) * pbar * (1.0 - pbar) / (pc - pe) ** 2
    return size / (1.0 - d2)


def required_information_size_continuous(mean_difference: float, sd: float, alpha: float = 0.05,
                                         power: float = 0.90, diversity: float = 0.0) -> float:
    """Total participants (both arms, 1:1) for a continuous outcome, two-sided alpha.

    IS = 4 (z_{1-alpha/2} + z_{1-beta})^2 sd^2 / delta^2, divided by (1 - D^2) for diversity (TSA manual;
    RTSA's `ris(outcome = "MD")`; the Copenhagen Trial Unit's note that TSA versions before 0.9.5.5 doubled this
    number for continuous outcomes).
    """
    delta = _number("mean_difference", mean_difference)
    if not math.isfinite(delta) or delta == 0.0:
        raise AnalysisError(f"mean_difference must be a finite non-zero number, got {mean_difference!r}")
    s = _check_positive("sd", sd)
    a = _check_open_unit("alpha", alpha)
    p = _check_open_unit("power", power)
    d2 = _check_diversity(diversity)
    return 4.0 * _z_sum_squared(a, p) * s * s / (delta * delta) / (1.0 - d2)


def diversity(vi, tau2: float) -> float:
    """D^2 = (V_R - V_F) / V_R = 1 - V_F / V_R (Wetterslev et al. 2009, BMC Med Res Methodol 9:86), where
    V_F = 1 / sum(1/vi) and V_R = 1 / sum(1/(vi + tau2)) are the variances of the pooled fixed-effect and
    random-effects estimates. 0 when tau2 = 0; increases with tau2 towards 1."""
    v = _as_vector("vi", vi, positive=True)
    t = _check_tau2(tau2)
    if t == 0.0:
        return 0.0
    v_fixed = 1.0 / np.sum(1.0 / v)
    v_random = 1.0 / np.sum(1.0 / (v + t))
    return float(1.0 - v_fixed / v_random)


# ----------------------------------------------------------------------------------------------------------
# Lan-DeMets O'Brien-Fleming boundaries by recursive numerical integration
# ----------------------------------------------------------------------------------------------------------

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
    """Two-sided alpha spent by information fraction t under the Lan-DeMets O'Brien-Fleming-type function."""
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
    wherever rpact is itself accurate (see tests/test_tsa.py). A first look has the closed form c_1 = Phi^-1(1 - alpha*(t_1) / 2);
    tiny fractions give large boundaries, reported as they are (no cap; e.g. 9.96 at t = 0.05). Where the
    alpha to spend at a look is below 1e-300 the boundary is the unconditional two-sided quantile of that amount
    (the probability of having crossed before is then negligible).

    Fractions beyond 1 (information past the required size): the spending function is capped at alpha, so the
    first look with t >= 1 spends all the alpha that is left, with its boundary computed at its actual
    information (Jennison & Turnbull 2000, sec. 7.2.2, on information over-runs). No alpha is left for later
    looks; their boundary is held at the value of that first look with t >= 1 (the monitoring boundary is
    continued flat past the required information size, as TSA's graphs continue the final boundary). Those
    later tests are not covered by the alpha spending. (RTSA instead rescales all fractions by the largest
    one; we keep earlier boundaries unchanged by later data.)
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

@dataclass(frozen=True)
class TSAResult(Jsonable):
    """A trial sequential analysis: one entry per look (after each study, in the order given).

    `crossing_look` is the 1-based look (number of studies pooled) at which |Z| first reached the monitoring
    boundary, or None. Z, estimate and se use inverse-variance weights 1/(vi + tau2) with the one tau2 given
    (that of the final, all-study model) at every look.
    """

    kind: str  # "binary" or "continuous"
    alpha: float
    power: float
    assumptions: dict  # control_risk and rrr, or mean_difference and sd
    tau2: float
    diversity: float  # D^2 of the final model
    required_information: float  # without heterogeneity adjustment
    adjusted_required_information: float  # divided by (1 - D^2): the DARIS
    information: tuple[float, ...]  # cumulative participants
    fractions: tuple[float, ...]  # cumulative information / adjusted_required_information
    estimate: tuple[float, ...]  # cumulative pooled estimate
    se: tuple[float, ...]
    z: tuple[float, ...]  # estimate / se
    boundaries: tuple[float, ...]  # two-sided monitoring boundary for |Z|
    crossed: bool
    crossing_look: int | None
    information_reached: bool
    fraction_reached: float  # final cumulative information / adjusted_required_information
    notes: tuple[str, ...] = ()


def cumulative_z(yi, vi, tau2: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative inverse-variance pooled estimate, its se and Z after each study (weights 1/(vi + tau2))."""
    y = _as_vector("yi", yi, positive=False)
    v = _as_vector("vi", vi, positive=True)
    if y.size != v.size:
        raise AnalysisError(f"yi has {y.size} values but vi has {v.size}")
    w = 1.0 / (v + _check_tau2(tau2))
    total = np.cumsum(w)
    estimate = np.cumsum(w * y) / total
    se = 1.0 / np.sqrt(total)
    return estimate, se, estimate / se


def _design(control_risk, rrr, mean_difference, sd) -> tuple[str, dict]:
    binary = control_risk is not None or rrr is not None
    continuous = mean_difference is not None or sd is not None
    if binary and continuous:
        raise AnalysisError("give either control_risk and rrr (binary) or mean_difference and sd (continuous), "
                            "not both")
    if binary:
        if control_risk is None or rrr is None:
            raise AnalysisError(f"a binary outcome needs both control_risk and rrr, got control_risk="
                                f"{control_risk!r}, rrr={rrr!r}")
        return "binary", {"control_risk": _number("control_risk", control_risk), "rrr": _number("rrr", rrr)}
    if continuous:
        if mean_difference is None or sd is None:
            raise AnalysisError(f"a continuous outcome needs both mean_difference and sd, got mean_difference="
                                f"{mean_difference!r}, sd={sd!r}")
        return "continuous", {"mean_difference": _number("mean_difference", mean_difference),
                              "sd": _number("sd", sd)}
    raise AnalysisError("no anticipated effect: give control_risk and rrr (binary) or mean_difference and sd "
                        "(continuous)")


def _first_crossing(z: np.ndarray, bounds: np.ndarray) -> int | None:
    hit = np.flatnonzero(np.abs(z) >= bounds)
    return int(hit[0]) + 1 if hit.size else None


def trial_sequential(yi, vi, information, *, tau2: float | None = None,
                     control_risk: float | None = None, rrr: float | None = None,
                     mean_difference: float | None = None, sd: float | None = None,
                     alpha: float = 0.05, power: float = 0.90) -> TSAResult:
    """Trial sequential analysis of studies given in their order of accumulation (e.g. by year).

    yi, vi: effect sizes and sampling variances; information: participants per study (> 0); tau2: between-study
    variance of the final pooled model (None or 0: fixed effect). The anticipated effect is either
    (control_risk, rrr) for a binary outcome or (mean_difference, sd) for a continuous one; it sets the required
    information size, adjusted by the diversity D^2 of the final model (`diversity(vi, tau2)`), as TSA does.

    At look k (after study k) the cumulative Z is the inverse-variance pooled estimate of studies 1..k over its
    se, weights 1/(vi + tau2) with the final tau2 at every look. (The TSA program re-fits its chosen model to the
    studies available at each look; holding tau2 fixed keeps the Z curve a function of the data alone and matches
    the random-effects weights of the final analysis.) The monitoring boundary at look k is `obf_boundaries` at
    the information fractions cumulative participants / DARIS; the Z curve crosses at the first look with
    |Z| >= boundary.
    """
    kind, assumptions = _design(control_risk, rrr, mean_difference, sd)
    estimate, se, z = cumulative_z(yi, vi, tau2)
    n = _as_vector("information", information, positive=True)
    if n.size != z.size:
        raise AnalysisError(f"information has {n.size} values but there are {z.size} studies")
    t2 = _check_tau2(tau2)
    d2 = diversity(vi, t2)
    if kind == "binary":
        ris = required_information_size_binary(assumptions["control_risk"], assumptions["rrr"], alpha, power)
    else:
        ris = required_information_size_continuous(assumptions["mean_difference"], assumptions["sd"], alpha, power)
    daris = ris / (1.0 - d2)
    cumulative = np.cumsum(n)
    fractions = cumulative / daris
    bounds = obf_boundaries(fractions, alpha)
    look = _first_crossing(z, bounds)
    notes = []
    if fractions[-1] > 1.0:
        notes.append("information beyond the required size: the remaining alpha is spent at the first look "
                     "past it and that boundary is held for later looks")
    return TSAResult(
        kind=kind, alpha=float(alpha), power=float(power), assumptions=assumptions, tau2=t2, diversity=d2,
        required_information=ris, adjusted_required_information=daris,
        information=tuple(float(x) for x in cumulative), fractions=tuple(float(x) for x in fractions),
        estimate=tuple(float(x) for x in estimate), se=tuple(float(x) for x in se),
        z=tuple(float(x) for x in z), boundaries=tuple(float(x) for x in bounds),
        crossed=look is not None, crossing_look=look,
        information_reached=bool(cumulative[-1] >= daris), fraction_reached=float(fractions[-1]),
        notes=tuple(notes),
    )
