"""A two-group test statistic (t, F, chi-square) or its p-value, with the group sizes, to Hedges' g or a log odds
ratio: metafor's ``escalc("SMD" / "D2ORL", ti = , pi = , n1i, n2i)``.

Part of the conversions (meta/engine/conversions.py re-exports both functions); pure Python, as they are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..jsonable import Jsonable
from .argchecks import ArgumentChecks
from .puredist import t_two_sided_quantile


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
    """The signed t of `statistic_to_smd`, with the checked group sizes."""
    ck = ArgumentChecks()
    a = ck.number("n1", n1, low=2, integer=True)
    b = ck.number("n2", n2, low=2, integer=True)
    source = ck.one_of({"t": t, "f": f, "chisq": chisq, "pvalue": pvalue})
    if source is None:
        ck.done()
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
        mag = t_two_sided_quantile(x, a + b - 2)  # two-sided p of a pooled-variance t test
    else:
        mag = math.sqrt(x)  # t^2 = F(1, n1 + n2 - 2); chi-square(1) = z^2, treated as t
    return sign * mag, source, a, b


def _hedges_c(m: int) -> float:
    """metafor's exact small-sample correction (.cmicalc): Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))."""
    return math.exp(math.lgamma(m / 2) - math.log(math.sqrt(m / 2)) - math.lgamma((m - 1) / 2))


def statistic_to_smd(n1: int, n2: int, t: float | None = None, f: float | None = None, chisq: float | None = None,
                     pvalue: float | None = None, direction: int | None = None) -> SmdFromStatistic:
    """A two-group test statistic (or its exact two-sided p) and the group sizes to Hedges' g and its variance.

    The statistic becomes a signed t: t as given; sqrt(F) for an F with 1 numerator df (a two-group ANOVA,
    t^2 = F); sqrt(chi-square) for a chi-square with 1 df (a z^2, from a large-sample test of the two groups'
    difference, used as t); and for a two-sided p of a pooled-variance t test, t = F_t^-1(1 - p/2; n1 + n2 - 2).
    Then d = t sqrt(1/n1 + 1/n2) (Cochrane Handbook 6.5.2.3; Borenstein et al. 2009, 12.2), g = c(m) d with
    metafor's exact correction c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), m = n1 + n2 - 2, and
    vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2)): exactly metafor's ``escalc("SMD", ti = , pi = , n1i, n2i)``.

    The esc package agrees on d (``esc_t``, ``esc_f``); its Hedges' g uses the approximation c = 1 - 3/(4N - 9)
    and keeps the variance of d. A chi-square means something else to ``esc_chisq``: the Pearson chi-square of a
    2x2 table, converted through phi = sqrt(chisq / N) to d = 2 phi / sqrt(1 - phi^2) (Lipsey & Wilson 2001), which
    with equal groups is this d times sqrt(N / (N - chisq)). For a binary outcome use `table_from_margins` (with the
    events) instead.

    Parameters
    ----------
    n1, n2 : int
        Participants in groups 1 and 2 (each >= 2).
    t : float, optional
        The signed two-sample t statistic (group 1 minus group 2).
    f : float, optional
        An F statistic with 1 numerator degree of freedom (>= 0).
    chisq : float, optional
        A chi-square statistic with 1 degree of freedom (>= 0).
    pvalue : float, optional
        The exact two-sided p-value of a pooled-variance two-sample t test, in (0, 1].
    direction : {+1, -1}, optional
        With f, chisq or pvalue (which have no sign): +1 if group 1 scored higher, -1 if lower.

    Returns
    -------
    SmdFromStatistic
        Hedges' g, its variance and SE, Cohen's d, the signed t used and which statistic it came from.

    Raises
    ------
    SchemaError
        Not exactly one of t, f, chisq and pvalue; a negative F or chi-square; a p outside (0, 1]; a missing or bad
        direction (or one given with t); group sizes not whole numbers >= 2.
    """
    tt, source, a, b = _signed_t(n1, n2, t, f, chisq, pvalue, direction)
    d = tt * math.sqrt(1 / a + 1 / b)
    g = _hedges_c(a + b - 2) * d
    vi = 1 / a + 1 / b + g**2 / (2 * (a + b))
    return SmdFromStatistic(g, vi, math.sqrt(vi), d, tt, source)


def statistic_to_log_or(n1: int, n2: int, t: float | None = None, f: float | None = None,
                        chisq: float | None = None, pvalue: float | None = None,
                        direction: int | None = None) -> LogOddsFromStatistic:
    """The same statistics to a log odds ratio: log OR = pi / sqrt(3) * d, var = pi^2 / 3 * var(d).

    d is Cohen's d from the signed t (see `statistic_to_smd`), with the large-sample variance
    1/n1 + 1/n2 + d^2 / (2 (n1 + n2)); this assumes logistic distributions in the two groups (Chinn 2000; Hasselblad
    & Hedges 1995; Cochrane Handbook 10.6), and is exactly metafor's ``escalc("D2ORL")`` (which uses d without the
    small-sample correction) and esc's ``esc_t(es.type = "logit")``. Source: Chinn S. Stat Med 2000;19:3127-3131.

    Parameters
    ----------
    n1, n2 : int
        Participants in groups 1 and 2 (each >= 2).
    t : float, optional
        The signed two-sample t statistic (group 1 minus group 2).
    f : float, optional
        An F statistic with 1 numerator degree of freedom (>= 0).
    chisq : float, optional
        A chi-square statistic with 1 degree of freedom (>= 0).
    pvalue : float, optional
        The exact two-sided p-value of a pooled-variance two-sample t test, in (0, 1].
    direction : {+1, -1}, optional
        With f, chisq or pvalue (which have no sign): +1 if group 1 scored higher, -1 if lower.

    Returns
    -------
    LogOddsFromStatistic
        The log odds ratio, its variance and SE, Cohen's d, the signed t used and which statistic it came from.

    Raises
    ------
    SchemaError
        As `statistic_to_smd`.
    """
    tt, source, a, b = _signed_t(n1, n2, t, f, chisq, pvalue, direction)
    d = tt * math.sqrt(1 / a + 1 / b)
    k = math.pi / math.sqrt(3)
    vi = k**2 * (1 / a + 1 / b + d**2 / (2 * (a + b)))
    return LogOddsFromStatistic(k * d, vi, math.sqrt(vi), d, tt, source)
