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

Statistics only: numpy, the normal quantile of `..engine.distributions` and the boundaries of `.boundaries`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ..engine.distributions import norm_isf
from ..errors import AnalysisError
from .boundaries import _as_vector, _check_open_unit, _check_positive, _number, obf_boundaries
from .boundaries import obf_spent  # noqa: F401 - part of this module's interface
from ..jsonable import Jsonable



# ----------------------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------------------

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

    Parameters
    ----------
    control_risk : float
        Risk in the control arm, a proportion in (0, 1) (not percent).
    rrr : float
        Relative risk reduction to detect, a proportion (0.2 for 20%); non-zero.
    alpha : float
        Two-sided type I error, in (0, 1).
    power : float
        Power, in (0, 1).
    diversity : float
        D^2, in [0, 1).

    Returns
    -------
    float
        Participants, both arms together (the DARIS when `diversity` > 0).

    Raises
    ------
    AnalysisError
        An argument that is not a number or outside its range; rrr = 0; an intervention risk outside (0, 1).
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

    Parameters
    ----------
    mean_difference : float
        The difference to detect, non-zero, in the unit of `sd`.
    sd : float
        The outcome's standard deviation, > 0.
    alpha : float
        Two-sided type I error, in (0, 1).
    power : float
        Power, in (0, 1).
    diversity : float
        D^2, in [0, 1).

    Returns
    -------
    float
        Participants, both arms together, not rounded.

    Raises
    ------
    AnalysisError
        An argument that is not a number or outside its range; mean_difference = 0.
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
    random-effects estimates. 0 when tau2 = 0; increases with tau2 towards 1.

    Parameters
    ----------
    vi : array_like
        Sampling variances, finite and > 0.
    tau2 : float
        Between-study variance, >= 0 (None counts as 0).

    Returns
    -------
    float
        D^2, a proportion in [0, 1).

    Raises
    ------
    AnalysisError
        `vi` empty, not finite or not positive; `tau2` negative or not finite.
    """
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

@dataclass(frozen=True)
class TSAResult(Jsonable):
    """A trial sequential analysis: one entry per look (after each study, in the order given).

    `crossing_look` is the 1-based look (number of studies pooled) at which |Z| first reached the monitoring
    boundary, or None. Z, estimate and se use inverse-variance weights 1/(vi + tau2) with the one tau2 given
    (that of the final, all-study model) at every look.

    Attributes
    ----------
    kind : str
        binary or continuous.
    alpha : float
        Two-sided type I error.
    power : float
        Power to detect the assumed effect.
    assumptions : dict
        The effect to detect: control_risk and rrr (binary), or mean_difference and sd (continuous).
    tau2 : float
        tau^2 of the final, all-study model.
    diversity : float
        Diversity D^2 of the final model (a proportion).
    required_information : float
        Required information size in participants, without the heterogeneity adjustment.
    adjusted_required_information : float
        The same divided by (1 - D^2): the diversity-adjusted required information size (DARIS).
    information : tuple[float, ...]
        Cumulative participants at each look.
    fractions : tuple[float, ...]
        Cumulative information / adjusted_required_information at each look.
    estimate : tuple[float, ...]
        Cumulative pooled estimate at each look, analysis scale.
    se : tuple[float, ...]
        Its standard error at each look.
    z : tuple[float, ...]
        The cumulative Z statistic (estimate / se).
    boundaries : tuple[float, ...]
        Two-sided Lan-DeMets O'Brien-Fleming monitoring boundary for |Z| at each look.
    crossed : bool
        |Z| reached the boundary at some look.
    crossing_look : int | None
        The first look (1-based) at which it did.
    information_reached : bool
        The accrued information reached the DARIS.
    fraction_reached : float
        Final cumulative information / adjusted_required_information.
    notes : tuple[str, ...]
        Assumptions taken from the data, and warnings.
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
    """Cumulative inverse-variance pooled estimate, its se and Z after each study (weights 1/(vi + tau2)).

    Parameters
    ----------
    yi : array_like
        Effect sizes in order of accumulation, analysis scale.
    vi : array_like
        Their sampling variances, > 0.
    tau2 : float, optional
        Between-study variance used at every look (None: 0, fixed effect).

    Returns
    -------
    estimate, se, z : numpy.ndarray
        One value per look.

    Raises
    ------
    AnalysisError
        Empty, non-finite or non-positive inputs; yi and vi of different lengths; a negative tau2.
    """
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

    Parameters
    ----------
    yi : array_like
        Effect sizes in order of accumulation, analysis scale (log for ratio measures).
    vi : array_like
        Their sampling variances, > 0.
    information : array_like
        Participants per study, > 0.
    tau2 : float, optional
        Between-study variance of the final model.
    control_risk, rrr : float, optional
        Binary outcome: control-arm risk (proportion in (0, 1)) and relative risk reduction (proportion).
    mean_difference, sd : float, optional
        Continuous outcome: the difference to detect and the outcome's SD, in the same unit.
    alpha : float
        Two-sided type I error, in (0, 1).
    power : float
        Power, in (0, 1).

    Returns
    -------
    TSAResult
        Required information sizes in participants, fractions, the cumulative estimate, se and Z per look, the
        boundaries and the first crossing.

    Raises
    ------
    AnalysisError
        Both or neither of the two anticipated effects, or half of one; invalid numbers (see the functions above);
        `information` not one positive value per study.
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
