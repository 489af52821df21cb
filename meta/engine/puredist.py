"""Normal and Student t tail probabilities and quantiles in pure Python (math and statistics only).

For the conversions (meta/engine/conversions.py), which `evsynth validate` runs to recompute the `derived` cells of
an evidence base: validate must not load numpy or scipy (tests/test_layers.py), so these few functions do without
them. The model-fitting code uses meta/engine/distributions.py (scipy.special) instead.

The normal quantile is Python's `statistics.NormalDist.inv_cdf` (Wichura's AS 241, about 1e-16 relative); tails
use `math.erfc`. The t tail is the regularized incomplete beta function I_x(df/2, 1/2), by its continued fraction
(modified Lentz), and the t quantile solves it by bracketed Newton steps on log t. Checked against R's qt/pt and
scipy's stdtrit/stdtr in tests/test_puredist.py (1e-12 relative).
"""
from __future__ import annotations

import math
from statistics import NormalDist

_STD = NormalDist()
_TINY = 1e-300
_EPS = 1e-16


def norm_upper_quantile(p: float) -> float:
    """The z with P(Z > z) = p for a standard normal Z.

    Parameters
    ----------
    p : float
        An upper tail probability, strictly between 0 and 1.

    Returns
    -------
    float
        The quantile (positive for p < 0.5), computed from the smaller tail so that tiny p keep their precision.

    Raises
    ------
    ValueError
        p not strictly between 0 and 1.
    """
    if not 0 < p < 1:
        raise ValueError(f"p = {p} must lie strictly between 0 and 1")
    return -_STD.inv_cdf(p) if p <= 0.5 else _STD.inv_cdf(1 - p)


def norm_two_sided_p(z: float) -> float:
    """The two-sided p-value of a standard normal statistic: P(|Z| >= |z|) = erfc(|z| / sqrt 2).

    Parameters
    ----------
    z : float
        The statistic.

    Returns
    -------
    float
        The two-sided p-value, in (0, 1] (accurate in the far tail, where 1 - Phi(z) would round to 0).
    """
    return math.erfc(abs(z) / math.sqrt(2))


def _ibeta_cf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (Numerical Recipes' betacf, modified Lentz)."""
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 100000):
        for aa in (m * (b - m) * x / ((qam + 2 * m) * (a + 2 * m)),
                   -(a + m) * (qab + m) * x / ((a + 2 * m) * (qap + 2 * m))):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > _TINY else _TINY)
            c = 1 + aa / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def _log_beta(a: float, b: float) -> float:
    """log B(a, b). With b = 1/2 and large a, lgamma(a) - lgamma(a + 1/2) cancels (1e-9 lost at a = 5e5), so its
    asymptotic series is used there: lgamma(a + 1/2) - lgamma(a) = log(a)/2 - 1/(8a) + 1/(192a^3) - 1/(640a^5)
    + 17/(14336a^7) + O(a^-9) (below 3e-16 absolute from a = 25 on)."""
    big, small = (a, b) if a >= b else (b, a)
    if small == 0.5 and big >= 25:
        inv = 1 / big
        inv2 = inv * inv
        ratio = 0.5 * math.log(big) + inv * (-1 / 8 + inv2 * (1 / 192 - inv2 * (1 / 640 - inv2 * 17 / 14336)))
        return math.lgamma(0.5) - ratio
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _ibeta(a: float, b: float, x: float, y: float, log_x: float, log_y: float) -> float:
    """I_x(a, b), with y = 1 - x and both logarithms given by the caller (so neither loses precision)."""
    if log_x == -math.inf:
        return 0.0
    if log_y == -math.inf:
        return 1.0
    front = math.exp(a * log_x + b * log_y - _log_beta(a, b))
    if x < (a + 1) / (a + b + 2):
        return front * _ibeta_cf(a, b, x) / a
    return 1 - front * _ibeta_cf(b, a, y) / b


def _t_tails(t: float, df: float) -> tuple[float, float]:
    """(P(|T| >= |t|), P(|T| < |t|)) for Student's t with df degrees of freedom, each computed directly."""
    t = abs(t)
    if t == 0:
        return 1.0, 0.0
    r = math.sqrt(df) / t
    if r <= 1:  # large t: x = df/(df + t^2) = r^2/(1 + r^2) is small
        w = r * r
        x, y = w / (1 + w), 1 / (1 + w)
        log_x, log_y = 2 * math.log(r) - math.log1p(w), -math.log1p(w)
    else:  # small t: y = t^2/(df + t^2) is small
        w = 1 / (r * r)
        x, y = 1 / (1 + w), w / (1 + w)
        log_x, log_y = -math.log1p(w), -2 * math.log(r) - math.log1p(w)
    a, b = df / 2, 0.5
    if x < (a + 1) / (a + b + 2):
        tail = _ibeta(a, b, x, y, log_x, log_y)
        return tail, 1 - tail
    central = _ibeta(b, a, y, x, log_y, log_x)
    return 1 - central, central


def t_two_sided_p(t: float, df: float) -> float:
    """The two-sided p-value P(|T| >= |t|) of Student's t with `df` degrees of freedom.

    Parameters
    ----------
    t : float
        The statistic.
    df : float
        Degrees of freedom (> 0; need not be whole).

    Returns
    -------
    float
        The two-sided p-value, in (0, 1].

    Raises
    ------
    ValueError
        df not positive, or t not finite.
    """
    if not df > 0 or not math.isfinite(t):
        raise ValueError(f"t = {t} must be finite and df = {df} positive")
    return _t_tails(t, df)[0]


def t_two_sided_quantile(p: float, df: float) -> float:
    """The t >= 0 whose two-sided p-value P(|T| >= t) is p, for Student's t with `df` degrees of freedom.

    That is R's ``qt(p / 2, df, lower.tail = FALSE)``: the critical value of a (1 - p) CI, or the |t| of a two-sided
    p-value.

    Parameters
    ----------
    p : float
        A two-sided p-value, in (0, 1].
    df : float
        Degrees of freedom (> 0; need not be whole).

    Returns
    -------
    float
        The quantile (0 for p = 1).

    Raises
    ------
    ValueError
        p outside (0, 1] or df not positive.
    """
    if not 0 < p <= 1 or not df > 0:
        raise ValueError(f"p = {p} must lie in (0, 1] and df = {df} be positive")
    if p == 1:
        return 0.0
    if df == 1:  # Cauchy: P(|T| >= t) = 1 - 2 atan(t) / pi
        return math.tan(math.pi / 2 * (1 - p)) if p > 0.5 else 1 / math.tan(math.pi / 2 * p)
    if df == 2:  # P(|T| >= t) = 1 - t / sqrt(2 + t^2)
        return math.sqrt(2) * (1 - p) / math.sqrt(p * (2 - p))
    use_tail = p <= 0.5  # solve on the smaller of the two probabilities, on the log scale
    target = math.log(p if use_tail else 1 - p)
    log_pdf0 = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def g(u: float) -> tuple[float, float]:
        """log(probability) - target, and its derivative in u = log t."""
        t = math.exp(u)
        tail, central = _t_tails(t, df)
        prob = tail if use_tail else central
        if prob <= 0:  # underflow far beyond the root
            return -math.inf, math.nan
        density = 2 * t * math.exp(log_pdf0 - (df + 1) / 2 * math.log1p(t * t / df))
        return math.log(prob) - target, (-density if use_tail else density) / prob

    z = norm_upper_quantile(p / 2)
    u = math.log(z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df))
    lo = hi = None  # a bracket in u: g decreases in u on the tail, increases on the centre
    for _ in range(400):
        value, slope = g(u)
        if value == 0:
            return math.exp(u)
        below = (value > 0) == use_tail  # the root lies above u
        if below:
            lo = u
        else:
            hi = u
        step = -value / slope if slope != 0 and math.isfinite(value) else math.nan
        new = u + step
        if lo is not None and hi is not None:
            if not lo < new < hi:  # also catches nan
                new = (lo + hi) / 2
        elif not abs(step) <= 2:
            new = u + (2 if below else -2)
        if abs(new - u) <= 4 * _EPS * max(1.0, abs(u)):
            return math.exp(new)
        u = new
    raise ArithmeticError(f"t quantile did not converge (p={p}, df={df})")
