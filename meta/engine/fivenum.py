"""A mean and SD from a median with the quartiles and/or the range: metafor's ``conv.fivenum`` (dist = "norm").

Part of the conversions (meta/engine/conversions.py re-exports `fivenum_to_mean_sd`); pure Python, as they are.
With a = minimum, b = maximum, m = median, xi = 2 Phi^-1((n - 0.375)/(n + 0.25)) and
eta = 2 Phi^-1((0.75 n - 0.125)/(n + 0.25)), method "luo/wan/shi" (conv.fivenum's default) is:

=====  ===========================================================  ============================================
S      mean, Luo et al. (2018)                                      SD
=====  ===========================================================  ============================================
S1     w (a + b)/2 + (1 - w) m,  w = 4 / (4 + n^0.75)                (b - a) / xi                       (Wan)
S2     w (q1 + q3)/2 + (1 - w) m,  w = 0.7 + 0.39 / n                 (q3 - q1) / eta                    (Wan)
S3     w1 (a + b)/2 + w2 (q1 + q3)/2 + (1 - w1 - w2) m,              w (b - a)/xi + (1 - w)(q3 - q1)/eta,
       w1 = 2.2 / (2.2 + n^0.75), w2 = 0.7 - 0.72 / n^0.55            w = 1 / (1 + 0.07 n^0.6)          (Shi)
=====  ===========================================================  ============================================

and method "wan" (conv.fivenum's "wan2014") takes Wan et al. (2014)'s means, (a + 2m + b)/4 (S1), (q1 + m + q3)/3
(S2) and (a + 2 q1 + 2m + 2 q3 + b)/8 (S3), with the S3 SD (b - a)/(2 xi) + (q3 - q1)/(2 eta). Shi et al. (2023)'s
test of skewness: T = |a + b - 2m| / (b - a) against 1/log(n + 9) + 2.5/(n + 1) (S1); |q1 + q3 - 2m| / (q3 - q1)
against 2.65/sqrt(n) - 6/n^2 (S2); the larger of 2.65 log(0.6 n)/sqrt(n) times the first and the second against
3/sqrt(n) - 40/n^3 (S3).

Sources: Wan X, Wang W, Liu J, Tong T. BMC Med Res Methodol 2014;14:135. Luo D, Wan X, Liu J, Tong T. Stat Methods
Med Res 2018;27:1785-1805. Shi J, Luo D, Weng H, et al. Res Synth Methods 2020;11:641-654. Shi J, Luo D, Wan X,
et al. Stat Methods Med Res 2023;32:1338-1360. metafor ``conv.fivenum()``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import AnalysisError
from ..jsonable import Jsonable
from .argchecks import ArgumentChecks
from .puredist import norm_upper_quantile

MIN_N = 5  # conv.fivenum leaves out studies with fewer participants
METHODS = ("luo/wan/shi", "wan")


@dataclass(frozen=True)
class MeanSdEstimate(Jsonable):
    """A mean and SD estimated from a median with quartiles and/or range."""

    mean: float | None  # None when no median was given (the SD needs none)
    sd: float
    scenario: str     # "S1" min/median/max, "S2" q1/median/q3, "S3" all five (Wan et al. 2014's names)
    mean_method: str
    sd_method: str
    skew_statistic: float | None  # Shi et al. 2023's T (conv.fivenum's "tval"); None when undefined or no median
    skew_critical: float          # its critical value ("crit")
    skewed: bool                  # T >= critical ("sig")


def _xi(n: int) -> float:
    """Wan et al. (2014): 2 Phi^-1((n - 0.375) / (n + 0.25)), the expected range of n standard normals."""
    return 2 * norm_upper_quantile(0.625 / (n + 0.25))  # 1 - (n - 0.375)/(n + 0.25), without cancellation


def _eta(n: int) -> float:
    """Wan et al. (2014): 2 Phi^-1((0.75 n - 0.125) / (n + 0.25)), the expected IQR of n standard normals."""
    return 2 * norm_upper_quantile((0.25 * n + 0.375) / (n + 0.25))


def _ratio(num: float, den: float) -> float | None:
    """|num / den|, or None for 0/0 (a summary with a zero range or IQR; conv.fivenum's NaN)."""
    return None if den == 0 else abs(num / den)


def _skewness(scenario: str, n: int, a, lo, m, hi, b) -> tuple[float | None, float]:
    """Shi et al. (2023)'s test of skewness from the summary, as conv.fivenum computes it: (T, critical value)."""
    if scenario == "S1":
        crit = 1 / math.log(n + 9) + 2.5 / (n + 1)
        return (None if m is None else _ratio(a + b - 2 * m, b - a)), crit
    if scenario == "S2":
        crit = 2.65 / math.sqrt(n) - 6 / n**2
        return (None if m is None else _ratio(lo + hi - 2 * m, hi - lo)), crit
    crit = 3 / math.sqrt(n) - 40 / n**3
    if m is None:
        return None, crit
    t_range, t_iqr = _ratio(a + b - 2 * m, b - a), _ratio(lo + hi - 2 * m, hi - lo)
    if t_range is None or t_iqr is None:  # R's max() of NaN and a number is NaN
        return None, crit
    return max(2.65 * math.log(0.6 * n) / math.sqrt(n) * t_range, t_iqr), crit


def _check(n, median, q1, q3, minimum, maximum, method) -> tuple[int, dict]:
    """The checked arguments: n, and the values given by name (median included when given)."""
    ck = ArgumentChecks()
    nn = ck.number("n", n, low=MIN_N, integer=True)
    vals = {"minimum": minimum, "q1": q1, "median": median, "q3": q3, "maximum": maximum}
    got = {k: ck.number(k, v) for k, v in vals.items() if v is not None}
    if method not in METHODS:
        ck.bad("method", f"{method!r} must be 'luo/wan/shi' or 'wan'")
    if (minimum is None) != (maximum is None):
        ck.bad("minimum" if minimum is None else "maximum", "give both the minimum and the maximum, or neither")
    if (q1 is None) != (q3 is None):
        ck.bad("q1" if q1 is None else "q3", "give both quartiles, or neither")
    if minimum is None and q1 is None and not ck.problems:
        ck.bad("median", "give the range (minimum, maximum), the quartiles (q1, q3), or both, with the median")
    if None not in got.values():
        order = list(got.items())  # in the order minimum, q1, median, q3, maximum
        for (k1, v1), (k2, v2) in zip(order, order[1:]):
            if v1 > v2:
                ck.bad(k2, f"{v2:g} is below the {k1} ({v1:g}); the summary must be ordered")
    ck.done()
    return nn, got


def fivenum_to_mean_sd(n: int, median: float | None, q1: float | None = None, q3: float | None = None,
                       minimum: float | None = None, maximum: float | None = None,
                       method: str = "luo/wan/shi", test: bool = True) -> MeanSdEstimate:
    """A mean and SD from the median with the range (S1), the quartiles (S2), or both (S3), assuming normality.

    Exactly metafor's ``conv.fivenum`` with dist = "norm": method "luo/wan/shi" (its default) takes the mean from
    Luo et al. (2018) and the SD from Wan et al. (2014) in S1 and S2 and from Shi et al. (2020) in S3; method "wan"
    (its "wan2014") both from Wan et al. (2014); the formulas are in this module's docstring. The SD needs no
    median: without one, the mean is None (conv.fivenum's NA) and no test is done. Like conv.fivenum, this needs
    n >= 5 and, with `test`, refuses a summary that Shi et al. (2023)'s test finds skewed (T >= its critical value,
    both reported), since the formulas assume normal data (Cochrane Handbook 6.5.2.5). Not implemented: the
    log-normal variant (dist = "lnorm") and the other packages' methods that conv.fivenum can call.

    Parameters
    ----------
    n : int
        Participants in the group (>= 5).
    median : float or None
        The median; None when only the SD is wanted.
    q1, q3 : float, optional
        The quartiles (both or neither).
    minimum, maximum : float, optional
        The range (both or neither).
    method : {"luo/wan/shi", "wan"}
        The estimators (see above).
    test : bool
        Refuse a summary that the test of skewness rejects (conv.fivenum's default).

    Returns
    -------
    MeanSdEstimate
        The mean (None without a median) and SD, the scenario, the methods, and the test of skewness.

    Raises
    ------
    SchemaError
        n not a whole number >= 5; a value not finite; a quartile or range bound without its partner; neither a
        range nor quartiles; values out of order; an unknown method.
    AnalysisError
        `test` is on and the summary is skewed.
    """
    nn, got = _check(n, median, q1, q3, minimum, maximum, method)
    a, b, m = got.get("minimum"), got.get("maximum"), got.get("median")
    lo, hi = got.get("q1"), got.get("q3")
    scenario = "S3" if a is not None and lo is not None else ("S1" if a is not None else "S2")
    stat, crit = _skewness(scenario, nn, a, lo, m, hi, b)
    skewed = stat is not None and stat >= crit
    if test and skewed:
        raise AnalysisError(
            f"median: the summary looks skewed (Shi et al. 2023 test, {scenario}: T = {stat:.4g} >= {crit:.4g} "
            f"for n = {nn}); a normal-theory mean and SD would mislead (metafor's conv.fivenum gives none). Use "
            f"test=False to compute them anyway")
    wan = method == "wan"
    mean = None
    if scenario == "S1":
        w = 4 / (4 + nn**0.75)
        if m is not None:
            mean = (a + 2 * m + b) / 4 if wan else w * (a + b) / 2 + (1 - w) * m
        sd = (b - a) / _xi(nn)
    elif scenario == "S2":
        w = 0.7 + 0.39 / nn
        if m is not None:
            mean = (lo + m + hi) / 3 if wan else w * (lo + hi) / 2 + (1 - w) * m
        sd = (hi - lo) / _eta(nn)
    else:
        w1, w2 = 2.2 / (2.2 + nn**0.75), 0.7 - 0.72 / nn**0.55
        if m is not None:
            mean = ((a + 2 * lo + 2 * m + 2 * hi + b) / 8 if wan
                    else w1 * (a + b) / 2 + w2 * (lo + hi) / 2 + (1 - w1 - w2) * m)
        w = 0.5 if wan else 1 / (1 + 0.07 * nn**0.6)
        sd = w * (b - a) / _xi(nn) + (1 - w) * (hi - lo) / _eta(nn)
    return MeanSdEstimate(mean, sd, scenario, "Wan et al. 2014" if wan else "Luo et al. 2018",
                          "Shi et al. 2020" if scenario == "S3" and not wan else "Wan et al. 2014", stat, crit, skewed)
