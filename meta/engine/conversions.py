"""Conversions between the statistics trials report and the ones a meta-analysis needs (issue 16, item 3).

Numbers in, typed results out; no files. Each function checks its inputs and raises `SchemaError` listing every
bad value (a `CellProblem` per argument, named as the argument) or `AnalysisError` when the numbers are valid but
the conversion is impossible (a p-value of 1 gives no standard error, say). Distribution functions come from the
scipy.special (ndtr, ndtri, stdtrit).

    percent_to_count        a percentage of n back to a count, and whether the printed percentage fits any count
    ratio_to_log            OR / RR / HR with its CI (or a p-value) to the log scale and its SE (metafor conv.wald)
    se_to_sd, ci_to_sd      the SE or the CI of a mean to an SD (Cochrane Handbook 6.5.2.2)
    fivenum_to_mean_sd      median, quartiles and/or range to a mean and SD (Luo 2018, Wan 2014, Shi 2020)
    statistic_to_smd        t, F(1, .), chi-square(1) or a two-sided p with the group sizes to Hedges' g
    statistic_to_log_or     the same to a log odds ratio (logistic distributions; Chinn 2000)
    one_sided_pvalue        a two-sided p with the direction of the effect to a one-sided p
    table_from_margins      a 2x2 table from its margins and an odds ratio, phi or chi-square (metafor conv.2x2)

Reference values: tests/reference/make_conversions_reference.R (see tests/test_conversions.py for what was
checked against which R function).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np

from ..errors import AnalysisError, CellProblem, SchemaError
from ..jsonable import Jsonable
from scipy import special
from .escalc import cmi

HANDBOOK_T_BELOW = 60  # Cochrane Handbook 6.5.2.2: use t, not z, when a group has fewer than 60 participants
ASYMMETRY_LIMIT = 0.1  # ratio_to_log: |d_high - d_low| / (d_high + d_low) on the log scale above this is flagged


# ---------------------------------------------------------------------------------------------------- checks
class _Checks:
    """Collects one problem per bad argument; `done()` raises them all at once."""

    def __init__(self):
        self.problems: list[CellProblem] = []

    def bad(self, name: str, reason: str) -> None:
        self.problems.append(CellProblem(name, None, None, reason))

    def number(self, name: str, x, low=None, high=None, low_open=False, high_open=False, integer=False):
        """A finite number (within the bounds given); returns it as float (or int), or None when it is bad."""
        try:
            v = float(x)
        except (TypeError, ValueError):
            self.bad(name, f"{x!r} is not a number")
            return None
        if not math.isfinite(v):
            self.bad(name, f"{v} is not a finite number")
            return None
        if integer and not v.is_integer():
            self.bad(name, f"{v:g} is not a whole number")
            return None
        if low is not None and (v <= low if low_open else v < low):
            self.bad(name, f"{v:g} must be {'>' if low_open else '>='} {low:g}")
            return None
        if high is not None and (v >= high if high_open else v > high):
            self.bad(name, f"{v:g} must be {'<' if high_open else '<='} {high:g}")
            return None
        return int(v) if integer else v

    def direction(self, name: str, d):
        if d not in (1, -1, 1.0, -1.0):
            self.bad(name, f"{d!r} must be +1 or -1")
            return None
        return int(d)

    def done(self) -> None:
        if self.problems:
            raise SchemaError(self.problems)


def _level_crit(level: float, df: float | None = None) -> float:
    """The two-sided critical value of a `level`% CI: z, or t with `df` degrees of freedom."""
    alpha2 = (1 - level / 100) / 2
    if df is None:
        return float(-special.ndtri(alpha2))
    return float(-special.stdtrit(df, alpha2))


def _z_from_p(p: float) -> float:
    """|z| of a two-sided normal p-value: Phi^-1(1 - p/2), computed from the small tail."""
    return float(-special.ndtri(p / 2))


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

    Parameters
    ----------
    percent : float or str
        The printed percentage, 0 to 100. Give it as text ("12.50") to keep its precision; a float loses trailing
        zeros (12.50 reads as 1 decimal) unless `decimals` is given.
    n : int
        The denominator (>= 1).
    decimals : int, optional
        Digits after the decimal point as printed; default: those of `percent`.

    Examples
    --------
    >>> percent_to_count("33.3", 30).count, percent_to_count("33.3", 30).consistent
    (10, True)
    >>> percent_to_count("33.3", 31).consistent  # 10/31 = 32.26%, 11/31 = 35.48%
    False
    """
    ck = _Checks()
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
    x = p * nn / 100
    count = math.floor(x + Fraction(1, 2))  # x >= 0: half away from zero
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
    source: str  # "ci" or "pvalue"
    level: float
    zval: float  # yi / sei
    pvalue: float  # two-sided, from yi / sei (equals the given p when the SE came from it)
    asymmetry: float | None  # |(log hi - yi) - (yi - log lo)| / (log hi - log lo); None without a CI
    symmetric: bool | None   # asymmetry <= ASYMMETRY_LIMIT; None without a CI


def ratio_to_log(estimate: float, ci_low: float | None = None, ci_high: float | None = None,
                 pvalue: float | None = None, level: float = 95) -> LogRatio:
    """A ratio with its CI (or its two-sided p-value) to the log scale and its SE, as metafor's ``conv.wald``.

    yi = log(estimate). From a CI: sei = (log ci_high - log ci_low) / (2 z), z = Phi^-1(1 - (1 - level/100)/2)
    (1.959964 for 95%). Without a CI, from a two-sided Wald p-value: sei = |yi| / Phi^-1(1 - p/2). A CI is used when
    both are given (as conv.wald does), and `pvalue` in the result is then the one the CI implies, to compare with
    the reported one. A Wald CI is symmetric about yi on the log scale; `asymmetry` measures how far the printed
    one is from that (rounding alone gives a few percent for narrow CIs; more than 10% suggests a CI of another
    kind, such as an exact or profile-likelihood CI, or a misprint).

    Sources: metafor ``conv.wald()`` (out, ci.lb, ci.ub, pval, level, transf = log); Cochrane Handbook 6.3.2
    (obtaining SEs from CIs and P values: ratio measures).

    Raises
    ------
    SchemaError
        A non-positive or non-finite ratio or bound, a CI that does not contain the estimate, a p outside (0, 1],
        a level outside (0, 100), or neither a CI nor a p-value.
    AnalysisError
        A p-value of 1, or an estimate of exactly 1 with only a p-value: the SE cannot be recovered.
    """
    ck = _Checks()
    est = ck.number("estimate", estimate, low=0, low_open=True)
    lev = ck.number("level", level, low=0, high=100, low_open=True, high_open=True)
    lo = None if ci_low is None else ck.number("ci_low", ci_low, low=0, low_open=True)
    hi = None if ci_high is None else ck.number("ci_high", ci_high, low=0, low_open=True)
    p = None if pvalue is None else ck.number("pvalue", pvalue, low=0, high=1, low_open=True)
    if (ci_low is None) != (ci_high is None):
        ck.bad("ci_low" if ci_low is None else "ci_high", "give both CI bounds, or neither")
    elif ci_low is None and pvalue is None:
        ck.bad("estimate", "give its CI (ci_low and ci_high) or its two-sided p-value")
    if est is not None and lo is not None and hi is not None:
        if not lo < hi:
            ck.bad("ci_high", f"the CI ({lo:g} to {hi:g}) must have ci_low < ci_high")
        elif not lo <= est <= hi:
            ck.bad("estimate", f"{est:g} lies outside its CI ({lo:g} to {hi:g})")
    ck.done()
    yi = math.log(est)
    asym = sym = None
    if lo is not None:
        llo, lhi = math.log(lo), math.log(hi)
        sei = (lhi - llo) / (2 * _level_crit(lev))
        asym = abs((lhi - yi) - (yi - llo)) / (lhi - llo)
        sym = asym <= ASYMMETRY_LIMIT
        source = "ci"
    else:
        if p == 1:
            raise AnalysisError("pvalue: p = 1 means z = 0, which gives no standard error; report the CI instead")
        if yi == 0:
            raise AnalysisError("estimate: a ratio of exactly 1 (log 0) gives no standard error from a p-value; "
                                "report the CI instead")
        sei = abs(yi) / _z_from_p(p)
        source = "pvalue"
    z = yi / sei
    return LogRatio(yi, sei, sei**2, source, lev, z, float(2 * special.ndtr(-abs(z))), asym, sym)


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
    """The SD of one group from the standard error of its mean: SD = SE * sqrt(n).

    Source: Cochrane Handbook 6.5.2.2. Raises SchemaError for a negative or non-finite SE or n < 2.
    """
    ck = _Checks()
    s = ck.number("se", se, low=0)
    nn = ck.number("n", n, low=2, integer=True)
    ck.done()
    return s * math.sqrt(nn)


def ci_to_sd(ci_low: float, ci_high: float, n: int, level: float = 95, dist: str = "handbook") -> SdFromCI:
    """The SD of one group from the CI of its mean: SD = sqrt(n) (ci_high - ci_low) / (2 crit).

    crit is Phi^-1(1 - alpha/2) (1.96 for 95%, so the divisor 3.92 of the Handbook) or, for small samples, the t
    quantile with n - 1 degrees of freedom (2.064 for n = 25), since such CIs should have been computed from a t
    distribution. `dist`: "handbook" (t when n < 60, z otherwise: the Handbook's rule), "t" or "z".

    Source: Cochrane Handbook for Systematic Reviews of Interventions, 6.5.2.2 (obtaining standard deviations
    from standard errors and confidence intervals for group means).
    """
    ck = _Checks()
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
    crit = _level_crit(lev, df)
    se = (hi - lo) / (2 * crit)
    return SdFromCI(se * math.sqrt(nn), se, crit, "t" if use_t else "z", df, lev)


# ------------------------------------------------------------------------------------- 4. five-number summary
@dataclass(frozen=True)
class MeanSdEstimate(Jsonable):
    """A mean and SD estimated from a median with quartiles and/or range."""

    mean: float
    sd: float
    scenario: str     # "S1" min/median/max, "S2" q1/median/q3, "S3" all five (Wan et al. 2014's names)
    mean_method: str
    sd_method: str


def _xi(n: int) -> float:
    """Wan et al. (2014): 2 Phi^-1((n - 0.375) / (n + 0.25)), the expected range of n standard normals."""
    return float(2 * special.ndtri((n - 0.375) / (n + 0.25)))


def _eta(n: int) -> float:
    """Wan et al. (2014): 2 Phi^-1((0.75 n - 0.125) / (n + 0.25)), the expected IQR of n standard normals."""
    return float(2 * special.ndtri((0.75 * n - 0.125) / (n + 0.25)))


def fivenum_to_mean_sd(n: int, median: float, q1: float | None = None, q3: float | None = None,
                       minimum: float | None = None, maximum: float | None = None,
                       method: str = "luo/wan/shi") -> MeanSdEstimate:
    """A mean and SD from the median with the range (S1), the quartiles (S2), or both (S3), assuming normality.

    method="luo/wan/shi" (metafor ``conv.fivenum``'s default) takes the mean from Luo et al. (2018) and the SD from
    Wan et al. (2014) in S1 and S2 and from Shi et al. (2020) in S3; method="wan" takes both from Wan et al.
    (2014). With a = minimum, b = maximum, m = median, xi = 2 Phi^-1((n - 0.375)/(n + 0.25)) and
    eta = 2 Phi^-1((0.75 n - 0.125)/(n + 0.25)):

    =====  ===========================================================  ============================================
    S      mean, Luo et al. (2018)                                      SD
    =====  ===========================================================  ============================================
    S1     w (a + b)/2 + (1 - w) m,  w = 4 / (4 + n^0.75)                (b - a) / xi                       (Wan)
    S2     w (q1 + q3)/2 + (1 - w) m,  w = 0.7 + 0.39 / n                 (q3 - q1) / eta                    (Wan)
    S3     w1 (a + b)/2 + w2 (q1 + q3)/2 + (1 - w1 - w2) m,              w (b - a)/xi + (1 - w)(q3 - q1)/eta,
           w1 = 2.2 / (2.2 + n^0.75), w2 = 0.7 - 0.72 / n^0.55            w = 1 / (1 + 0.07 n^0.6)          (Shi)
    =====  ===========================================================  ============================================

    Wan et al. (2014) means: (a + 2m + b)/4 (S1), (q1 + m + q3)/3 (S2), (a + 2 q1 + 2m + 2 q3 + b)/8 (S3); its S3
    SD is (b - a)/(2 xi) + (q3 - q1)/(2 eta). These assume roughly normal data: a markedly skewed summary (the
    median far from the middle of the range or IQR) makes them poor (Cochrane Handbook 6.5.2.5); no test of
    skewness is done here. metafor 4 could not be installed to run ``conv.fivenum`` itself (see the tests).

    Sources: Wan X, Wang W, Liu J, Tong T. BMC Med Res Methodol 2014;14:135. Luo D, Wan X, Liu J, Tong T. Stat
    Methods Med Res 2018;27:1785-1805. Shi J, Luo D, Weng H, et al. Res Synth Methods 2020;11:641-654. metafor
    ``conv.fivenum()``.
    """
    ck = _Checks()
    nn = ck.number("n", n, low=2, integer=True)
    m = ck.number("median", median)
    vals = {"minimum": minimum, "q1": q1, "q3": q3, "maximum": maximum}
    got = {k: ck.number(k, v) for k, v in vals.items() if v is not None}
    if method not in ("luo/wan/shi", "wan"):
        ck.bad("method", f"{method!r} must be 'luo/wan/shi' or 'wan'")
    has_range = minimum is not None and maximum is not None
    has_iqr = q1 is not None and q3 is not None
    if (minimum is None) != (maximum is None):
        ck.bad("minimum" if minimum is None else "maximum", "give both the minimum and the maximum, or neither")
    if (q1 is None) != (q3 is None):
        ck.bad("q1" if q1 is None else "q3", "give both quartiles, or neither")
    if not (has_range or has_iqr) and not ck.problems:
        ck.bad("median", "give the range (minimum, maximum), the quartiles (q1, q3), or both, with the median")
    if m is not None and None not in got.values():
        order = [(k, got[k]) for k in ("minimum", "q1") if k in got] + [("median", m)]
        order += [(k, got[k]) for k in ("q3", "maximum") if k in got]
        for (k1, v1), (k2, v2) in zip(order, order[1:]):
            if v1 > v2:
                ck.bad(k2, f"{v2:g} is below the {k1} ({v1:g}); the summary must be ordered")
    ck.done()
    a, b = got.get("minimum"), got.get("maximum")
    lo, hi = got.get("q1"), got.get("q3")
    if has_range and has_iqr:
        scenario = "S3"
        if method == "wan":
            mean = (a + 2 * lo + 2 * m + 2 * hi + b) / 8
            sd = (b - a) / (2 * _xi(nn)) + (hi - lo) / (2 * _eta(nn))
        else:
            w1, w2 = 2.2 / (2.2 + nn**0.75), 0.7 - 0.72 / nn**0.55
            mean = w1 * (a + b) / 2 + w2 * (lo + hi) / 2 + (1 - w1 - w2) * m
            w = 1 / (1 + 0.07 * nn**0.6)
            sd = w * (b - a) / _xi(nn) + (1 - w) * (hi - lo) / _eta(nn)
    elif has_range:
        scenario = "S1"
        if method == "wan":
            mean = (a + 2 * m + b) / 4
        else:
            w = 4 / (4 + nn**0.75)
            mean = w * (a + b) / 2 + (1 - w) * m
        sd = (b - a) / _xi(nn)
    else:
        scenario = "S2"
        if method == "wan":
            mean = (lo + m + hi) / 3
        else:
            w = 0.7 + 0.39 / nn
            mean = w * (lo + hi) / 2 + (1 - w) * m
        sd = (hi - lo) / _eta(nn)
    luo = method == "luo/wan/shi"
    return MeanSdEstimate(mean, sd, scenario, "Luo et al. 2018" if luo else "Wan et al. 2014",
                          "Shi et al. 2020" if luo and scenario == "S3" else "Wan et al. 2014")


# ---------------------------------------------------------------------------- 5. test statistics to SMD, log OR
@dataclass(frozen=True)
class SmdFromStatistic(Jsonable):
    """Hedges' g (metafor escalc "SMD") from a test statistic and the group sizes."""

    yi: float    # Hedges' g = c(n1 + n2 - 2) d
    vi: float    # 1/n1 + 1/n2 + g^2 / (2 (n1 + n2)) (metafor's vtype "LS")
    sei: float
    d: float     # Cohen's d = t sqrt(1/n1 + 1/n2)
    t: float     # the signed t statistic used
    source: str  # "t", "f", "chisq" or "pvalue"


@dataclass(frozen=True)
class LogOddsFromStatistic(Jsonable):
    """A log odds ratio from a standardized mean difference (metafor escalc "D2ORL")."""

    yi: float  # pi / sqrt(3) * d
    vi: float  # pi^2 / 3 * (1/n1 + 1/n2 + d^2 / (2 (n1 + n2)))
    sei: float
    d: float
    t: float
    source: str


def _signed_t(n1, n2, t, f, chisq, pvalue, direction) -> tuple[float, str, int, int]:
    ck = _Checks()
    a = ck.number("n1", n1, low=2, integer=True)
    b = ck.number("n2", n2, low=2, integer=True)
    given = [k for k, v in (("t", t), ("f", f), ("chisq", chisq), ("pvalue", pvalue)) if v is not None]
    if len(given) != 1:
        ck.bad("t", "give exactly one of t, f, chisq or pvalue" + (f" (got {', '.join(given)})" if given else ""))
        ck.done()
    source = given[0]
    if source == "t":
        x = ck.number("t", t)
        if direction is not None:
            ck.bad("direction", "t carries its own sign; give direction only with f, chisq or pvalue")
        ck.done()
        return x, source, a, b
    x = ck.number(source, {"f": f, "chisq": chisq, "pvalue": pvalue}[source], low=0,
                  high=1 if source == "pvalue" else None, low_open=source == "pvalue")
    sign = ck.direction("direction", direction) if direction is not None else None
    if direction is None:
        ck.bad("direction", f"{source} has no sign: give direction +1 (group 1 higher) or -1 (group 1 lower)")
    ck.done()
    if source == "pvalue":
        mag = float(-special.stdtrit(a + b - 2, x / 2))  # two-sided p of a pooled-variance t test
    else:
        mag = math.sqrt(x)  # t^2 = F(1, n1 + n2 - 2); chi-square(1) = z^2, treated as t
    return sign * mag, source, a, b


def statistic_to_smd(n1: int, n2: int, t: float | None = None, f: float | None = None, chisq: float | None = None,
                     pvalue: float | None = None, direction: int | None = None) -> SmdFromStatistic:
    """A two-group test statistic (or its exact two-sided p) and the group sizes to Hedges' g and its variance.

    The statistic becomes a signed t: t as given; sqrt(F) for an F with 1 numerator df (a two-group ANOVA,
    t^2 = F); sqrt(chi-square) for a chi-square with 1 df (z^2, a large-sample statistic used as t); and for a
    two-sided p of a pooled-variance t test, t = F_t^-1(1 - p/2; n1 + n2 - 2). F, chi-square and p have no sign:
    `direction` +1 means group 1 scored higher. Then d = t sqrt(1/n1 + 1/n2) (Cochrane Handbook 6.5.2.3;
    Borenstein et al. 2009, 12.2), g = c(m) d with metafor's exact correction c(m) = Gamma(m/2) /
    (sqrt(m/2) Gamma((m-1)/2)), m = n1 + n2 - 2, and vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2)): exactly metafor's
    ``escalc("SMD", ti = t, n1i, n2i)``. (The esc package, ``esc_t`` and kin, could not be installed to compare.)
    """
    tt, source, a, b = _signed_t(n1, n2, t, f, chisq, pvalue, direction)
    d = tt * math.sqrt(1 / a + 1 / b)
    g = float(cmi(np.float64(a + b - 2))) * d
    vi = 1 / a + 1 / b + g**2 / (2 * (a + b))
    return SmdFromStatistic(g, vi, math.sqrt(vi), d, tt, source)


def statistic_to_log_or(n1: int, n2: int, t: float | None = None, f: float | None = None,
                        chisq: float | None = None, pvalue: float | None = None,
                        direction: int | None = None) -> LogOddsFromStatistic:
    """The same statistics to a log odds ratio: log OR = pi / sqrt(3) * d, var = pi^2 / 3 * var(d).

    d is Cohen's d from the signed t (see `statistic_to_smd`), with the large-sample variance
    1/n1 + 1/n2 + d^2 / (2 (n1 + n2)); this assumes logistic distributions in the two groups (Chinn 2000; Hasselblad
    & Hedges 1995; Cochrane Handbook 10.6), and is exactly metafor's ``escalc("D2ORL")``, which uses d without the
    small-sample correction. Source: Chinn S. Stat Med 2000;19:3127-3131.
    """
    tt, source, a, b = _signed_t(n1, n2, t, f, chisq, pvalue, direction)
    d = tt * math.sqrt(1 / a + 1 / b)
    k = math.pi / math.sqrt(3)
    vi = k**2 * (1 / a + 1 / b + d**2 / (2 * (a + b)))
    return LogOddsFromStatistic(k * d, vi, math.sqrt(vi), d, tt, source)


# ------------------------------------------------------------------------------------------ 6. one-sided p
def one_sided_pvalue(pvalue: float, direction: int) -> float:
    """A two-sided p with the direction of the observed effect to the one-sided p of the alternative.

    p1 = p / 2 when the effect lies in the direction of the alternative (direction +1), 1 - p / 2 when it lies
    against it (-1). This holds for a symmetric test statistic (z, t). Cochrane Handbook 12.2.1 (combining P
    values), which needs one-sided p-values in a common direction.
    """
    ck = _Checks()
    p = ck.number("pvalue", pvalue, low=0, high=1, low_open=True)
    d = ck.direction("direction", direction)
    ck.done()
    return p / 2 if d > 0 else 1 - p / 2


# --------------------------------------------------------------------------------------- 7. 2x2 (conv.2x2)
@dataclass(frozen=True)
class TableFromMargins(Jsonable):
    """A 2x2 table [[a, b], [c, d]] (rows: group 1, group 2; columns: event, no event) from its margins."""

    a: float
    b: float
    c: float
    d: float
    ai: int  # the cells rounded to whole counts (a rounded half away from zero; the others from the margins)
    bi: int
    ci: int
    di: int
    odds_ratio: float        # of the exact cells
    phi: float
    odds_ratio_rounded: float | None  # of the rounded cells (None with a zero cell)
    source: str


def table_from_margins(n: int, n1: int, m1: int, odds_ratio: float | None = None, phi: float | None = None,
                       chisq: float | None = None, direction: int | None = None,
                       correct: bool = False) -> TableFromMargins:
    """The 2x2 table with total n, group 1 size n1 (a + b) and events m1 (a + c), from one association measure.

    With n2 = n - n1 and m2 = n - m1, every cell follows from a: b = n1 - a, c = m1 - a, d = n2 - m1 + a, and
    ad - bc = a n - n1 m1. So:

    - odds ratio: a (n2 - m1 + a) = OR (n1 - a)(m1 - a), the root of (1 - OR) a^2 + (n2 - m1 + OR (n1 + m1)) a -
      OR n1 m1 = 0 inside [max(0, n1 + m1 - n), min(n1, m1)] (a = n1 m1 / n when OR = 1);
    - phi: a = (n1 m1 + phi sqrt(n1 n2 m1 m2)) / n, since phi = (ad - bc) / sqrt(n1 n2 m1 m2);
    - chi-square (1 df): |ad - bc| = sqrt(chisq n1 n2 m1 m2 / n), plus n / 2 with Yates' correction (`correct`),
      with the sign of ad - bc from `direction` (+1: group 1 has the higher event risk).

    The exact cells are generally not whole; `ai` .. `di` round a and take the rest from the margins, and the odds
    ratio of that table is given to compare with the reported one. Source: metafor ``conv.2x2()`` (ori, ri, x2i,
    ni, n1i, n2i, correct); Bonett 2007 (Stat Med 26:4165) for the odds-ratio quadratic.
    """
    ck = _Checks()
    nn = ck.number("n", n, low=2, integer=True)
    a1 = ck.number("n1", n1, low=1, integer=True)
    e1 = ck.number("m1", m1, low=1, integer=True)
    for name, v in (("n1", a1), ("m1", e1)):
        if v is not None and nn is not None and v >= nn:
            ck.bad(name, f"{v} must be below n ({nn}): both groups (and both outcomes) need participants")
    given = [k for k, v in (("odds_ratio", odds_ratio), ("phi", phi), ("chisq", chisq)) if v is not None]
    if len(given) != 1:
        ck.bad("odds_ratio", "give exactly one of odds_ratio, phi or chisq" + (f" (got {', '.join(given)})"
                                                                              if given else ""))
        ck.done()
    source = given[0]
    if source == "odds_ratio":
        x = ck.number("odds_ratio", odds_ratio, low=0, low_open=True)
    elif source == "phi":
        x = ck.number("phi", phi, low=-1, high=1)
    else:
        x = ck.number("chisq", chisq, low=0)
        sign = ck.direction("direction", direction) if direction is not None else None
        if direction is None:
            ck.bad("direction", "a chi-square has no sign: give direction +1 or -1")
    if source != "chisq" and direction is not None:
        ck.bad("direction", f"{source} carries its own sign; give direction only with chisq")
    ck.done()
    n2, m2 = nn - a1, nn - e1
    low, high = max(0, a1 + e1 - nn), min(a1, e1)
    spread = math.sqrt(a1 * n2 * e1 * m2)
    if source == "odds_ratio":
        if x == 1:
            a = a1 * e1 / nn
        else:
            qa, qb, qc = 1 - x, n2 - e1 + x * (a1 + e1), -x * a1 * e1
            disc = math.sqrt(qb * qb - 4 * qa * qc)
            # the numerically stable pair of roots; the one inside [low, high] is the table
            q = -(qb + math.copysign(disc, qb)) / 2
            roots = [q / qa, qc / q] if q != 0 else [-qb / qa]
            a = min(roots, key=lambda r: 0 if low <= r <= high else min(abs(r - low), abs(r - high)))
    else:
        if source == "phi":
            diff = x * spread
        else:
            diff = sign * (math.sqrt(x * a1 * n2 * e1 * m2 / nn) + (nn / 2 if correct and x > 0 else 0))
        a = (a1 * e1 + diff) / nn
        if not low - 1e-9 * nn <= a <= high + 1e-9 * nn:
            what = f"phi = {x:g}" if source == "phi" else f"chi-square = {x:g}"
            raise AnalysisError(f"{source}: no 2x2 table with n = {nn}, n1 = {a1}, m1 = {e1} has {what} (the "
                                f"margins allow {_phi(low, a1, e1, nn):.4g} <= phi <= {_phi(high, a1, e1, nn):.4g})")
        a = min(max(a, low), high)
    b, c, d = a1 - a, e1 - a, n2 - e1 + a
    ai = min(max(math.floor(a + 0.5), low), high)
    bi, ci, di = a1 - ai, e1 - ai, n2 - e1 + ai
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(np.float64(a * d) / np.float64(b * c))
    rounded = ai * di / (bi * ci) if min(ai, bi, ci, di) > 0 else None
    return TableFromMargins(a, b, c, d, ai, bi, ci, di, ratio, (a * nn - a1 * e1) / spread, rounded, source)


def _phi(a: float, n1: int, m1: int, n: int) -> float:
    return (a * n - n1 * m1) / math.sqrt(n1 * (n - n1) * m1 * (n - m1))
