"""Conversions between the statistics trials report and the ones a meta-analysis needs (issue 16, item 3).

Numbers in, typed results out; no files. Each function checks its inputs and raises `SchemaError` listing every
bad value (a `CellProblem` per argument, named as the argument) or `AnalysisError` when the numbers are valid but
the conversion is impossible (a p-value of 1 gives no standard error, say).

    percent_to_count        a percentage of n back to a count, and whether the printed percentage fits any count
    ratio_to_log            OR / RR / HR with its CI, z or p to the log scale and its SE (metafor conv.wald)
    se_to_sd, ci_to_sd      the SE or the CI of a mean to an SD (Cochrane Handbook 6.5.2.2)
    fivenum_to_mean_sd      median, quartiles and/or range to a mean and SD (metafor conv.fivenum; fivenum.py)
    statistic_to_smd        t, F(1, .), chi-square(1) or a two-sided p with the group sizes to Hedges' g (teststats.py)
    statistic_to_log_or     the same to a log odds ratio (metafor escalc "D2ORL"; teststats.py)
    one_sided_pvalue        a two-sided p with the direction of the effect to a one-sided p
    table_from_margins      a 2x2 table from its margins and an odds ratio, phi or chi-square (conv.2x2; twobytwo.py)

Pure Python (math, statistics and meta/engine/puredist.py): `evsynth validate` runs these to recompute the
`derived` cells of an evidence base, and validate must not load numpy or scipy (tests/test_layers.py).

Reference values: tests/reference/make_conversions_reference.R runs metafor's conv.wald, conv.fivenum, conv.2x2 and
escalc, and the esc package, on grids of inputs; tests/test_conversions.py compares (1e-8 relative).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from ..errors import AnalysisError
from ..jsonable import Jsonable
from .argchecks import ArgumentChecks
from .fivenum import MeanSdEstimate, fivenum_to_mean_sd
from .puredist import norm_two_sided_p, norm_upper_quantile, t_two_sided_quantile
from .teststats import LogOddsFromStatistic, SmdFromStatistic, statistic_to_log_or, statistic_to_smd
from .twobytwo import TableFromMargins, table_from_margins

__all__ = ["ASYMMETRY_LIMIT", "HANDBOOK_T_BELOW", "CountFromPercent", "LogRatio", "SdFromCI", "MeanSdEstimate",
           "SmdFromStatistic", "LogOddsFromStatistic", "TableFromMargins", "percent_to_count", "ratio_to_log",
           "se_to_sd", "ci_to_sd", "fivenum_to_mean_sd", "statistic_to_smd", "statistic_to_log_or",
           "one_sided_pvalue", "table_from_margins"]

HANDBOOK_T_BELOW = 60  # Cochrane Handbook 6.5.2.2: use t, not z, when a group has fewer than 60 participants
ASYMMETRY_LIMIT = 0.1  # metafor conv.wald's check (cifac): |midpoint of the log CI - yi| / its width above this


def _critical(level: float, df: float | None = None) -> float:
    """The two-sided critical value of a `level`% CI: z, or t with `df` degrees of freedom."""
    alpha = 1 - level / 100
    return norm_upper_quantile(alpha / 2) if df is None else t_two_sided_quantile(alpha, df)


# ------------------------------------------------------------------------------------------ 1. percentages
@dataclass(frozen=True)
class CountFromPercent(Jsonable):
    """A count recovered from a printed percentage of n."""

    percent: float
    n: int
    decimals: int          # the printed precision of `percent`
    count: int             # round half away from zero of percent / 100 * n
    percent_of_count: float  # 100 * count / n
    consistent: bool       # some count out of n, rounded to `decimals`, prints as `percent`
    count_low: int | None  # the consistent counts are count_low..count_high (None when there is none)
    count_high: int | None
    rule: str


def percent_to_count(percent: float | str, n: int, decimals: int | None = None) -> CountFromPercent:
    """A percentage of n back to a count, with a check that the printed percentage fits a whole count.

    count = round(percent / 100 * n), rounding half away from zero (so 12.5 of 100 gives 13, never 12 as Python's
    `round` would: a tie is the count whose percentage printed with one more digit ends in 5, and reports round it
    up). The percentage was printed with `decimals` digits after the point, so the true value lies in
    [percent - h, percent + h] with h = 0.5 * 10**-decimals (closed at both ends, so half-up and half-even
    rounding are both accepted). The counts k with 100 k / n in that interval are consistent with the report; when
    there is none (`consistent` False, as in the GRIM test of Brown & Heathers 2017), the percentage cannot be of
    n: a typo, a different denominator (the randomised, the analysed, the responders) or a truncated value.
    Checked against the counts whose percentage R's sprintf prints as the reported one.

    Parameters
    ----------
    percent : float or str
        The printed percentage, 0 to 100. Give it as text ("12.50") to keep its precision; a float loses trailing
        zeros (12.50 reads as 1 decimal) unless `decimals` is given.
    n : int
        The denominator (>= 1).
    decimals : int, optional
        Digits after the decimal point as printed; default: those of `percent`.

    Returns
    -------
    CountFromPercent
        The count, the percentage it gives, whether any count fits the printed percentage and the range of those
        that do.

    Raises
    ------
    SchemaError
        A percentage that is not a number in [0, 100], n not a whole number >= 1, decimals not in 0..15.

    Examples
    --------
    >>> percent_to_count("33.3", 30).count, percent_to_count("33.3", 30).consistent
    (10, True)
    >>> percent_to_count("33.3", 31).consistent  # 10/31 = 32.26%, 11/31 = 35.48%
    False
    """
    ck = ArgumentChecks()
    text = str(percent).strip()
    try:
        exact = Decimal(text)
        if not exact.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        ck.bad("percent", f"{percent!r} is not a finite number")
        exact = None
    if exact is not None and not 0 <= exact <= 100:
        ck.bad("percent", f"{text} must lie in [0, 100]")
    nn = ck.number("n", n, low=1, integer=True)
    if decimals is not None:
        decimals = ck.number("decimals", decimals, low=0, high=15, integer=True)
    ck.done()
    if decimals is None:
        decimals = max(0, -exact.as_tuple().exponent)
    p = Fraction(exact)
    half = Fraction(1, 2 * 10**decimals)
    count = math.floor(p * nn / 100 + Fraction(1, 2))  # >= 0: half away from zero
    low = max(0, math.ceil((p - half) * nn / 100))
    high = min(nn, math.floor((p + half) * nn / 100))
    ok = low <= high
    return CountFromPercent(
        float(exact), nn, decimals, count, 100 * count / nn, ok, low if ok else None, high if ok else None,
        f"count = round(percent/100 * n), half away from zero; consistent when 100*count/n lies within "
        f"+-{float(half):g} of the printed percentage ({decimals} decimal(s))")


# ------------------------------------------------------------------------------------- 2. ratios (conv.wald)
@dataclass(frozen=True)
class LogRatio(Jsonable):
    """A ratio (OR, RR, HR) on the log scale with its standard error."""

    yi: float    # log(estimate)
    sei: float
    vi: float    # sei^2
    source: str  # "ci", "zval" or "pvalue": what the SE came from
    level: float
    zval: float  # yi / sei
    pvalue: float  # two-sided, from yi / sei (equals the given p when the SE came from it)
    asymmetry: float | None  # |(log lo + log hi)/2 - yi| / (log hi - log lo) (conv.wald's check); None without CI
    symmetric: bool | None   # asymmetry <= ASYMMETRY_LIMIT; None without a CI


def _ratio_arguments(estimate, ci_low, ci_high, pvalue, level, zval) -> tuple:
    """The checked arguments of `ratio_to_log`: estimate, ci_low, ci_high, pvalue, zval, level."""
    ck = ArgumentChecks()
    est = ck.number("estimate", estimate, low=0, low_open=True)
    lev = ck.number("level", level, low=0, high=100, low_open=True, high_open=True)
    lo = None if ci_low is None else ck.number("ci_low", ci_low, low=0, low_open=True)
    hi = None if ci_high is None else ck.number("ci_high", ci_high, low=0, low_open=True)
    p = None if pvalue is None else ck.number("pvalue", pvalue, low=0, high=1, low_open=True)
    z = None if zval is None else ck.number("zval", zval)
    if (ci_low is None) != (ci_high is None):
        ck.bad("ci_low" if ci_low is None else "ci_high", "give both CI bounds, or neither")
    elif ci_low is None and pvalue is None and zval is None:
        ck.bad("estimate", "give its CI (ci_low and ci_high), its z statistic or its two-sided p-value")
    if est is not None and lo is not None and hi is not None:
        if not lo < hi:
            ck.bad("ci_high", f"the CI ({lo:g} to {hi:g}) must have ci_low < ci_high")
        elif not lo <= est <= hi:
            ck.bad("estimate", f"{est:g} lies outside its CI ({lo:g} to {hi:g})")
    ck.done()
    return est, lo, hi, p, z, lev


def ratio_to_log(estimate: float, ci_low: float | None = None, ci_high: float | None = None,
                 pvalue: float | None = None, level: float = 95, zval: float | None = None) -> LogRatio:
    """A ratio with its CI (or its Wald z, or its two-sided p) to the log scale and its SE: metafor's ``conv.wald``.

    yi = log(estimate). From a CI: sei = (log ci_high - log ci_low) / (2 z), z = Phi^-1(1 - (1 - level/100)/2)
    (1.959964 for 95%). Without a CI, from the Wald statistic: sei = |yi / zval|; without either, from a two-sided
    Wald p-value: zval = Phi^-1(1 - p/2). As in conv.wald, the CI comes first, then zval, then the p-value; the
    result's `pvalue` is the one the SE implies, to compare with a reported one. `asymmetry` is conv.wald's check
    that yi is halfway between the log bounds, |midpoint - yi| / width: above 0.1 (conv.wald warns) the CI may be of
    another kind (exact, profile likelihood) or misprinted.

    Deliberate differences from conv.wald: a p-value of 1 (or zval 0) raises AnalysisError where conv.wald returns
    an infinite variance, and so does a ratio of exactly 1 with only zval or a p-value, where conv.wald returns a
    variance of 0 (which would give the study infinite weight); both CI bounds are required (conv.wald also takes
    the upper bound alone).

    Sources: metafor ``conv.wald(out, ci.lb, ci.ub, zval, pval, level, transf = log)``; Cochrane Handbook 6.3.2.

    Parameters
    ----------
    estimate : float
        The ratio (> 0).
    ci_low, ci_high : float, optional
        Its CI (both or neither), on the ratio scale.
    pvalue : float, optional
        Its two-sided Wald p-value, in (0, 1].
    level : float
        The CI's confidence level in percent.
    zval : float, optional
        Its Wald statistic (log ratio / SE; the sign is not used).

    Returns
    -------
    LogRatio
        The log ratio, its SE and variance, what they came from, the z and p they imply and the CI's asymmetry.

    Raises
    ------
    SchemaError
        A non-positive or non-finite ratio or bound, a CI that does not contain the estimate, a p outside (0, 1],
        a level outside (0, 100), or none of a CI, zval or p-value.
    AnalysisError
        A p-value of 1 or zval 0, or an estimate of exactly 1 with only zval or a p-value: no SE can be recovered.
    """
    est, lo, hi, p, z, lev = _ratio_arguments(estimate, ci_low, ci_high, pvalue, level, zval)
    yi = math.log(est)
    asym = sym = None
    if lo is not None:
        llo, lhi = math.log(lo), math.log(hi)
        sei = (lhi - llo) / (2 * _critical(lev))
        asym = abs((lhi + llo) / 2 - yi) / (lhi - llo)
        sym = asym <= ASYMMETRY_LIMIT
        source = "ci"
    else:
        source = "zval" if z is not None else "pvalue"
        if z is None:
            if p == 1:
                raise AnalysisError("pvalue: p = 1 means z = 0, which gives no standard error; report the CI instead")
            z = norm_upper_quantile(p / 2)
        if z == 0:
            raise AnalysisError("zval: z = 0 gives no standard error; report the CI instead")
        if yi == 0:
            raise AnalysisError(f"estimate: a ratio of exactly 1 (log 0) gives no standard error from a {source}; "
                                "report the CI instead")
        sei = abs(yi / z)
    zi = yi / sei
    return LogRatio(yi, sei, sei**2, source, lev, zi, norm_two_sided_p(zi), asym, sym)


# ------------------------------------------------------------------------------------------ 3. SE/CI to SD
@dataclass(frozen=True)
class SdFromCI(Jsonable):
    """The SD of one group from the CI of its mean."""

    sd: float
    se: float    # (ci_high - ci_low) / (2 crit)
    crit: float  # the t or z multiplier
    dist: str    # "t" (df = n - 1) or "z"
    df: int | None
    level: float


def se_to_sd(se: float, n: int) -> float:
    """The SD of one group from the standard error of its mean: SD = SE * sqrt(n) (Cochrane Handbook 6.5.2.2).

    Parameters
    ----------
    se : float
        The standard error of the group's mean (>= 0).
    n : int
        Participants in the group (>= 2).

    Returns
    -------
    float
        The standard deviation.

    Raises
    ------
    SchemaError
        A negative or non-finite SE, or n not a whole number >= 2.
    """
    ck = ArgumentChecks()
    s = ck.number("se", se, low=0)
    nn = ck.number("n", n, low=2, integer=True)
    ck.done()
    return s * math.sqrt(nn)


def ci_to_sd(ci_low: float, ci_high: float, n: int, level: float = 95, dist: str = "handbook") -> SdFromCI:
    """The SD of one group from the CI of its mean: SD = sqrt(n) (ci_high - ci_low) / (2 crit).

    crit is Phi^-1(1 - alpha/2) (1.96 for 95%, so the divisor 3.92 of the Handbook) or, for small samples, the t
    quantile with n - 1 degrees of freedom (2.0639 for n = 25, the Handbook's example), since such CIs should have
    been computed from a t distribution. `dist`: "handbook" (t when n < 60, z otherwise: the Handbook's rule), "t"
    or "z". metafor has no such function; checked against the SD of data whose CI R's t.test gives.

    Source: Cochrane Handbook for Systematic Reviews of Interventions, 6.5.2.2 (obtaining standard deviations
    from standard errors and confidence intervals for group means).

    Parameters
    ----------
    ci_low, ci_high : float
        The CI of the group's mean.
    n : int
        Participants in the group (>= 2).
    level : float
        The CI's confidence level in percent.
    dist : {"handbook", "t", "z"}
        Which multiplier.

    Returns
    -------
    SdFromCI
        The SD, the SE, the multiplier and its distribution.

    Raises
    ------
    SchemaError
        Bounds not finite or not increasing, n not a whole number >= 2, a level outside (0, 100), an unknown dist.
    """
    ck = ArgumentChecks()
    lo = ck.number("ci_low", ci_low)
    hi = ck.number("ci_high", ci_high)
    nn = ck.number("n", n, low=2, integer=True)
    lev = ck.number("level", level, low=0, high=100, low_open=True, high_open=True)
    if dist not in ("handbook", "t", "z"):
        ck.bad("dist", f"{dist!r} must be 'handbook', 't' or 'z'")
    if lo is not None and hi is not None and not lo < hi:
        ck.bad("ci_high", f"the CI ({lo:g} to {hi:g}) must have ci_low < ci_high")
    ck.done()
    use_t = dist == "t" or (dist == "handbook" and nn < HANDBOOK_T_BELOW)
    df = nn - 1 if use_t else None
    crit = _critical(lev, df)
    se = (hi - lo) / (2 * crit)
    return SdFromCI(se * math.sqrt(nn), se, crit, "t" if use_t else "z", df, lev)


# ------------------------------------------------------------------------------------------ 4. one-sided p
def one_sided_pvalue(pvalue: float, direction: int) -> float:
    """A two-sided p with the direction of the observed effect to the one-sided p of the alternative.

    p1 = p / 2 when the effect lies in the direction of the alternative (direction +1), 1 - p / 2 when it lies
    against it (-1). This holds for a symmetric test statistic (z, t). Cochrane Handbook 12.2.1 (combining P
    values), which needs one-sided p-values in a common direction. The one implementation: meta/engine/pvalues.py's
    `one_sided` applies it elementwise. Checked against R's t.test(alternative = "greater" / "less").

    Parameters
    ----------
    pvalue : float
        The two-sided p-value, in (0, 1].
    direction : {+1, -1}
        +1: the effect lies in the direction of the alternative; -1: against it.

    Returns
    -------
    float
        The one-sided p-value.

    Raises
    ------
    SchemaError
        A p outside (0, 1] or a direction other than +1 or -1.
    """
    ck = ArgumentChecks()
    p = ck.number("pvalue", pvalue, low=0, high=1, low_open=True)
    d = ck.direction("direction", direction)
    ck.done()
    return p / 2 if d > 0 else 1 - p / 2
