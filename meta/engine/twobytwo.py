"""A 2x2 table from its margins and one association measure: metafor's ``conv.2x2`` (odds ratio, phi, chi-square).

Part of the conversions (meta/engine/conversions.py re-exports `table_from_margins`); pure Python, as they are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import AnalysisError
from ..jsonable import Jsonable
from .argchecks import ArgumentChecks


@dataclass(frozen=True)
class TableFromMargins(Jsonable):
    """A 2x2 table [[a, b], [c, d]] (rows: group 1, group 2; columns: event, no event) from its margins."""

    a: float
    b: float
    c: float
    d: float
    ai: int  # the cells as conv.2x2 gives them: a rounded (half to even, as R), the others from the margins
    bi: int
    ci: int
    di: int
    odds_ratio: float        # of the exact cells (inf or nan with a zero cell)
    phi: float
    odds_ratio_rounded: float | None  # of the rounded cells (None with a zero cell)
    source: str


def _check(n, n1, m1, odds_ratio, phi, chisq, direction) -> tuple[int, int, int, str, float, int | None]:
    """The checked arguments: n, n1, m1, which measure was given, its value, and the sign of a chi-square."""
    ck = ArgumentChecks()
    nn = ck.number("n", n, low=2, integer=True)
    a1 = ck.number("n1", n1, low=1, integer=True)
    e1 = ck.number("m1", m1, low=1, integer=True)
    for name, v in (("n1", a1), ("m1", e1)):
        if v is not None and nn is not None and v >= nn:
            ck.bad(name, f"{v} must be below n ({nn}): both groups (and both outcomes) need participants")
    source = ck.one_of({"odds_ratio": odds_ratio, "phi": phi, "chisq": chisq})
    if source is None:
        ck.done()
    sign = None
    if source == "odds_ratio":
        x = ck.number("odds_ratio", odds_ratio, low=0)
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
    return nn, a1, e1, source, x, sign


def _odds_ratio_cell(x: float, n: int, n1: int, m1: int, low: int, high: int) -> float:
    """The a of the table with odds ratio x: the root of (1 - x) a^2 + (n2 - m1 + x (n1 + m1)) a - x n1 m1 = 0 in
    [low, high] (Bonett 2007), from the numerically stable pair of roots (conv.2x2's (x - y) / (2 (OR - 1)) loses
    digits as the odds ratio nears 1)."""
    if x == 1:
        return n * (n1 * m1 / n**2)  # conv.2x2's p11 = n1 n2 / n^2, in its order of operations
    qa, qb, qc = 1 - x, n - n1 - m1 + x * (n1 + m1), -x * n1 * m1
    q = -(qb + math.copysign(math.sqrt(qb * qb - 4 * qa * qc), qb)) / 2
    roots = [q / qa, qc / q] if q != 0 else [-qb / qa]
    return min(roots, key=lambda r: 0 if low <= r <= high else min(abs(r - low), abs(r - high)))


def table_from_margins(n: int, n1: int, m1: int, odds_ratio: float | None = None, phi: float | None = None,
                       chisq: float | None = None, direction: int | None = None,
                       correct: bool = True) -> TableFromMargins:
    """The 2x2 table with total n, group 1 size n1 (a + b) and events m1 (a + c), from one association measure.

    metafor's ``conv.2x2(ori, ri, x2i, ni, n1i = n1, n2i = m1, correct)``. With n2 = n - n1, m2 = n - m1, every
    cell follows from a: b = n1 - a, c = m1 - a, d = n2 - m1 + a, and ad - bc = a n - n1 m1. So:

    - odds ratio: a (n2 - m1 + a) = OR (n1 - a)(m1 - a), the root of (1 - OR) a^2 + (n2 - m1 + OR (n1 + m1)) a -
      OR n1 m1 = 0 inside [max(0, n1 + m1 - n), min(n1, m1)] (a = n1 m1 / n when OR = 1; Bonett 2007);
    - phi: a = n (p1 p2 + phi sqrt(p1 (1 - p1) p2 (1 - p2))), p1 = n1 / n, p2 = m1 / n, since
      phi = (ad - bc) / sqrt(n1 n2 m1 m2);
    - Pearson chi-square (1 df): phi = sqrt(chisq / n), + n / (2 sqrt(n1 n2 m1 m2)) with Yates' correction (`correct`,
      conv.2x2's default), signed by `direction` (+1: group 1 has the higher risk; conv.2x2 signs the chi-square).

    `ai` .. `di` are conv.2x2's whole table: a rounded half to even (R's round), the rest from the margins; its odds
    ratio is given to compare with the reported one. A rounded phi or chi-square may overshoot what the margins
    allow: like conv.2x2, this accepts it while the whole table has no negative cell (the exact cells are then held
    at the bound).

    Parameters
    ----------
    n : int
        Total participants (>= 2).
    n1 : int
        Participants in group 1 (a + b), 1 to n - 1.
    m1 : int
        Participants with the event (a + c), 1 to n - 1.
    odds_ratio : float, optional
        The table's odds ratio (>= 0).
    phi : float, optional
        Its phi coefficient, in [-1, 1].
    chisq : float, optional
        Its Pearson chi-square (>= 0).
    direction : {+1, -1}, optional
        With chisq only: +1 if group 1 has the higher event risk, -1 if lower.
    correct : bool
        The chi-square has Yates' continuity correction.

    Returns
    -------
    TableFromMargins
        The exact cells, conv.2x2's whole cells, and the odds ratio and phi of the table.

    Raises
    ------
    SchemaError
        Margins not whole numbers in range; not exactly one of odds_ratio, phi and chisq; a value out of its range;
        a missing or bad direction with chisq (or one given without it).
    AnalysisError
        No table with these margins has that phi or chi-square (conv.2x2's negative cells).
    """
    nn, a1, e1, source, x, sign = _check(n, n1, m1, odds_ratio, phi, chisq, direction)
    n2, m2 = nn - a1, nn - e1
    low, high = max(0, a1 + e1 - nn), min(a1, e1)
    if source == "odds_ratio":
        a = _odds_ratio_cell(x, nn, a1, e1, low, high)
    else:
        p1, p2 = a1 / nn, e1 / nn
        if source == "phi":
            r = x
        else:
            r = sign * math.sqrt(x / nn) if x > 0 else 0.0
            if correct and x > 0:
                r += sign * nn / (2 * math.sqrt(a1 * n2 * e1 * m2))
        a = nn * (p1 * p2 + r * math.sqrt(p1 * (1 - p1) * p2 * (1 - p2)))
    ai = round(a)
    if not low <= ai <= high:
        what = f"phi = {x:g}" if source == "phi" else f"chi-square = {x:g}"
        raise AnalysisError(f"{source}: no 2x2 table with n = {nn}, n1 = {a1}, m1 = {e1} has {what} (the "
                            f"margins allow {_phi(low, a1, e1, nn):.4g} <= phi <= {_phi(high, a1, e1, nn):.4g})")
    a = min(max(a, low), high)
    b, c, d = a1 - a, e1 - a, n2 - e1 + a
    bi, ci, di = a1 - ai, e1 - ai, n2 - e1 + ai
    if b * c > 0:
        ratio = a * d / (b * c)
    else:
        ratio = math.inf if a * d > 0 else math.nan
    rounded = ai * di / (bi * ci) if min(ai, bi, ci, di) > 0 else None
    return TableFromMargins(a, b, c, d, ai, bi, ci, di, ratio, _phi(a, a1, e1, nn), rounded, source)


def _phi(a: float, n1: int, m1: int, n: int) -> float:
    """The phi coefficient of the table with cell a and these margins."""
    return (a * n - n1 * m1) / math.sqrt(n1 * (n - n1) * m1 * (n - m1))
