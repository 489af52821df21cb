"""The functions a `derived` cell may call (issue 16, item 3): name -> parameters, implementation and documentation.

Each implementation takes its arguments already resolved (a number as the `Decimal` it was written as, so its
printed precision is kept; a direction as +1 or -1; a blank `_` as None) and the row's quote, and returns the
result: a `Fraction` when the function is exact (sums, differences, counts from percentages), a float otherwise.
Where meta/engine/conversions.py has the conversion, it is called, not re-implemented; that module is imported
only when such a function is evaluated (it is pure Python, so `evsynth validate` stays free of numpy and scipy).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import NormalDist
from typing import Callable

from ..errors import AnalysisError, SchemaError
from .quoted import states_none

Z95 = NormalDist().inv_cdf(0.975)  # 1.959964: the two-sided 95% normal critical value
MAX_CANDIDATES = 50  # count_over_percent: more whole n than this that fit is "several", without listing them
Arg = Decimal | int | None
Value = Fraction | float
Z975 = 1.959963984540054  # the 97.5% normal quantile


class DerivationError(Exception):
    """A derivation that cannot be computed from its arguments (the message says why, for a reviewer)."""


@dataclass(frozen=True)
class Param:
    """One parameter of a derived function."""

    name: str
    kind: str = "number"  # "number"; "optional" (a number, or `_` when not reported); "direction" (+1 or -1)


@dataclass(frozen=True)
class DerivedFunction:
    """A function a `derived` cell may call."""

    name: str
    params: tuple[Param, ...]
    variadic: bool  # the last parameter repeats: sum(a, b, c, ...)
    exact: bool     # the result is a Fraction, computed without rounding
    compute: Callable[[tuple[Arg, ...], str], Value]
    result: str     # what it computes, for the documentation
    notes: str      # its rule and source

    @property
    def signature(self) -> str:
        """The call as documented, e.g. ``percent_of(percent, n)``.

        Returns
        -------
        str
        """
        names = [p.name for p in self.params] + (["..."] if self.variadic else [])
        return f"{self.name}({', '.join(names)})"


def _conv():
    from ..engine import conversions  # only when a conversion is evaluated

    return conversions


def _engine(call: Callable[[], object]):
    """The engine's result, or its SchemaError / AnalysisError as a DerivationError naming the bad argument."""
    try:
        return call()
    except SchemaError as exc:
        raise DerivationError("; ".join(f"{p.file}: {p.reason}" for p in exc.problems)) from None
    except AnalysisError as exc:
        raise DerivationError(str(exc)) from None


def _whole(name: str, x: Decimal, low: int = 0) -> int:
    if x != x.to_integral_value() or x < low:
        raise DerivationError(f"{name} = {x} must be a whole number of at least {low}")
    return int(x)


def _pct(count: int, n: int) -> str:
    return f"{count}/{n} = {100 * count / n:.2f}%"


def _sum(a: tuple[Arg, ...], quote: str) -> Value:
    return sum((Fraction(x) for x in a), Fraction(0))


def _difference(a: tuple[Arg, ...], quote: str) -> Value:
    return Fraction(a[0]) - Fraction(a[1])


def _percent_of(a: tuple[Arg, ...], quote: str) -> Value:
    percent, n = a[0], _whole("n", a[1], 1)
    r = _engine(lambda: _conv().percent_to_count(str(percent), n))
    if not r.consistent:
        below = math.floor(Fraction(percent) * n / 100)
        near = " and ".join(_pct(k, n) for k in (below, below + 1) if 0 <= k <= n)
        raise DerivationError(f"{percent}% of {n} fits no whole count ({near}; none prints as {percent}% at "
                              f"{r.decimals} decimal(s)): a typo, another denominator, or a truncated percentage")
    return Fraction(r.count)


def _count_over_percent(a: tuple[Arg, ...], quote: str) -> Value:
    count, percent = _whole("count", a[0]), a[1]
    decimals = max(0, -percent.as_tuple().exponent)
    p, half = Fraction(percent), Fraction(1, 2 * 10**decimals)
    if count == 0 or p <= half:
        raise DerivationError(f"a count of {count} at {percent}% does not fix the total: quote n")
    low, high = max(1, count, math.ceil(100 * count / (p + half))), math.floor(100 * count / (p - half))
    if high - low >= MAX_CANDIDATES:
        raise DerivationError(f"{count} is {percent}% of every n from {low} to {high}: quote n")
    fits = []
    for n in range(low, high + 1):
        r = _engine(lambda n=n: _conv().percent_to_count(str(percent), n))
        if r.consistent and r.count_low <= count <= r.count_high:
            fits.append(n)
    if not fits:
        raise DerivationError(f"no whole n has {count}/n print as {percent}% at {decimals} decimal(s)")
    if len(fits) > 1:
        raise DerivationError(f"{count}/n prints as {percent}% for n = {', '.join(map(str, fits))}: quote n")
    return Fraction(fits[0])


def _proportion_to_percent(a: tuple[Arg, ...], quote: str) -> Value:
    events, n = a
    if n <= 0 or events < 0:
        raise DerivationError(f"events = {events} and n = {n}: n must be above 0 and events not negative")
    return 100 * Fraction(events) / Fraction(n)


def _ci_to_se(a: tuple[Arg, ...], quote: str) -> Value:
    low, high = a
    if not low < high:
        raise DerivationError(f"the CI ({low} to {high}) must have low < high")
    return float(high - low) / (2 * Z95)


def _fivenum(part: str) -> Callable[[tuple[Arg, ...], str], Value]:
    def compute(a: tuple[Arg, ...], quote: str) -> Value:
        n, median, q1, q3, lo, hi = (None if x is None else float(x) for x in a)
        r = _engine(lambda: _conv().fivenum_to_mean_sd(n, median, q1, q3, lo, hi))
        return getattr(r, part)

    return compute


def _smd_se(a: tuple[Arg, ...], quote: str) -> Value:
    g, n1, n2 = float(a[0]), _whole("n1", a[1], 2), _whole("n2", a[2], 2)
    return math.sqrt(1 / n1 + 1 / n2 + g * g / (2 * (n1 + n2)))


def _odds_ratio(part: str) -> Callable[[tuple[Arg, ...], str], Value]:
    """The odds ratio of a 2x2 table (events and totals per arm), or an end of its Wald 95% CI (as metafor's
    escalc("OR") with confint on the log scale); a zero cell is an error (no correction is assumed here)."""
    def compute(a: tuple[Arg, ...], quote: str) -> Value:
        e1, n1, e2, n2 = (_whole(name, x) for name, x in zip(("events1", "n1", "events2", "n2"), a))
        for e, n, which in ((e1, n1, "1"), (e2, n2, "2")):
            if e > n:
                raise DerivationError(f"events{which} ({e}) is more than n{which} ({n}): check the order "
                                      "(events1, n1, events2, n2)")
        cells = (e1, n1 - e1, e2, n2 - e2)
        if min(cells) <= 0:
            raise DerivationError("a 2x2 table with an empty cell has no Wald odds ratio without a correction: "
                                  "enter the published odds ratio, or leave the row out of odds-ratio analyses")
        log_or = math.log(cells[0] * cells[3] / (cells[1] * cells[2]))
        se = math.sqrt(sum(1 / c for c in cells))
        shift = {"estimate": 0.0, "low": -Z975, "high": Z975}[part] * se
        return math.exp(log_or + shift)
    return compute


def _none_reported(a: tuple[Arg, ...], quote: str) -> Value:
    if not states_none(quote):
        raise DerivationError("the quote does not say there were none (no, none, zero, neither, nor, without, "
                              "did not ...): quote the sentence that does")
    return Fraction(0)


def _f(*xs: Arg) -> list:
    return [float(x) for x in xs]


def _fn(name: str, params: str, exact: bool, compute, result: str, notes: str,
        variadic: bool = False) -> DerivedFunction:
    ps = tuple(Param(*p.split(":")) for p in params.split()) if params else ()
    return DerivedFunction(name, ps, variadic, exact, compute, result, notes)


_N = "n1 n2"
FUNCTIONS: dict[str, DerivedFunction] = {f.name: f for f in (
    _fn("sum", "a b", True, _sum, "a + b + ...", "exact; two or more arguments", variadic=True),
    _fn("difference", "a b", True, _difference, "a - b", "exact"),
    _fn("percent_of", "percent n", True, _percent_of, "round(percent/100 * n), half away from zero",
        "the count must also print as the percent at its printed precision (GRIM-style: 33.3% of 31 fits no "
        "count, an error); conversions.percent_to_count"),
    _fn("count_over_percent", "count percent", True, _count_over_percent,
        "the one whole n for which count/n prints as percent", "an error when no n, or several, fit"),
    _fn("proportion_to_percent", "events n", True, _proportion_to_percent, "100 * events / n", "exact"),
    _fn("percent_to_proportion", "percent", True, lambda a, q: Fraction(a[0]) / 100, "percent / 100",
        "exact: a percentage as a proportion (a `proportion` estimate)"),
    _fn("se_to_sd", "se n", False, lambda a, q: _engine(lambda: _conv().se_to_sd(*_f(*a))), "se * sqrt(n)",
        "Cochrane Handbook 6.5.2.2; conversions.se_to_sd"),
    _fn("ci_to_sd", "low high n", False, lambda a, q: _engine(lambda: _conv().ci_to_sd(*_f(*a)).sd),
        "sqrt(n) * (high - low) / (2 * crit)", "crit: t with n - 1 df when n < 60, else z (Cochrane Handbook "
        "6.5.2.2); conversions.ci_to_sd"),
    _fn("ci_to_se", "low high", False, _ci_to_se, "(high - low) / (2 * 1.959964)",
        "the 95% CI of a difference (Cochrane Handbook 6.5.2.3)"),
    _fn("log_ci_to_se", "estimate low high", False,
        lambda a, q: _engine(lambda: _conv().ratio_to_log(*_f(*a)).sei), "(log high - log low) / (2 * 1.959964)",
        "the 95% CI of a ratio, as metafor conv.wald; conversions.ratio_to_log"),
    _fn("fivenum_mean", "n median q1:optional q3:optional min:optional max:optional", False, _fivenum("mean"),
        "the mean from the median with the quartiles and/or the range", "Luo 2018; write `_` for what is not "
        "reported (both quartiles or both range ends); conversions.fivenum_to_mean_sd"),
    _fn("fivenum_sd", "n median q1:optional q3:optional min:optional max:optional", False, _fivenum("sd"),
        "the SD from the same summary", "Wan 2014 (quartiles or range), Shi 2020 (both); "
        "conversions.fivenum_to_mean_sd"),
    _fn("smd_from_t", "t " + _N, False,
        lambda a, q: _engine(lambda: _conv().statistic_to_smd(*_f(a[1], a[2]), t=float(a[0])).yi),
        "Hedges' g from a two-group t statistic", "Cochrane Handbook 6.5.2.3, metafor escalc SMD; "
        "conversions.statistic_to_smd"),
    _fn("smd_from_p", "p " + _N + " direction:direction", False,
        lambda a, q: _engine(lambda: _conv().statistic_to_smd(*_f(a[1], a[2]), pvalue=float(a[0]),
                                                                direction=a[3]).yi),
        "Hedges' g from an exact two-sided t-test p", "direction +1: group 1 (the intervention) higher; "
        "conversions.statistic_to_smd"),
    _fn("smd_se", "g " + _N, False, _smd_se, "sqrt(1/n1 + 1/n2 + g^2 / (2 (n1 + n2)))",
        "the SE of Hedges' g (metafor escalc SMD, vtype LS); g is usually the row's `estimate`"),
    _fn("one_sided", "p direction:direction", False,
        lambda a, q: _engine(lambda: _conv().one_sided_pvalue(float(a[0]), a[1])),
        "p/2 (direction +1) or 1 - p/2 (-1)", "a two-sided p to the one-sided p of the alternative; "
        "conversions.one_sided_pvalue"),
    _fn("odds_ratio", "events1 n1 events2 n2", False, _odds_ratio("estimate"),
        "(e1 (n2 - e2)) / ((n1 - e1) e2)", "a 2x2 table's odds ratio (arm 1: the intervention); metafor escalc OR"),
    _fn("odds_ratio_low", "events1 n1 events2 n2", False, _odds_ratio("low"),
        "exp(log OR - 1.959964 sqrt(1/a + 1/b + 1/c + 1/d))", "lower end of the Wald 95% CI"),
    _fn("odds_ratio_high", "events1 n1 events2 n2", False, _odds_ratio("high"),
        "exp(log OR + 1.959964 sqrt(1/a + 1/b + 1/c + 1/d))", "upper end of the Wald 95% CI"),
    _fn("none_reported", "", True, _none_reported, "0",
        "only when the quote says there were none (no, none, zero, neither, nor, without, did not ...)"),
    _fn("negate", "x", True, lambda a, q: -Fraction(a[0]), "-x",
        "exact: a difference reported the other way round (comparator minus intervention, or a reduction given as a "
        "positive number) turned to the base's sign rule, intervention minus comparator; say so in notes"),
    _fn("copy", "x", True, lambda a, q: Fraction(a[0]), "x",
        "a value from another cell, usually of another row: `n_t = copy(@study-id.n_t)`"),
)}
